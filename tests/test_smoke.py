import pytest

from tests.support.api import Api

pytestmark = pytest.mark.anyio


async def test_a_three_level_thread_reads_back_in_tree_order(api: Api) -> None:
    w = await api.world()
    t = w["topic"]
    first = (await api.ok("GET", f"/topics/{t['id']}/posts"))["posts"][0]
    a = await api.post(w["citizen"], t["id"], "level 1", parent_id=first["id"])
    b = await api.post(w["admin"], t["id"], "level 2", parent_id=a["id"])
    c = await api.post(w["citizen"], t["id"], "level 3", parent_id=b["id"])
    d = await api.post(w["citizen"], t["id"], "second level 1", parent_id=first["id"])
    posts = (await api.ok("GET", f"/topics/{t['id']}/posts"))["posts"]
    assert [p["id"] for p in posts] == [first["id"], a["id"], b["id"], c["id"], d["id"]]
    assert [p["depth"] for p in posts] == [0, 1, 2, 3, 1]
