"""GET /spaces/{id}/participants: who the composer offers after "@"."""

from __future__ import annotations

import pytest

from cps.services.context import Context
from tests.support.api import Api, User
from tests.support.direct import tiers_in
from tests.support.world import Builder

pytestmark = pytest.mark.anyio


async def _offered(api: Api, space_id: int, prefix: str, user: User | None) -> list[str]:
    body = await api.ok("GET", f"/spaces/{space_id}/participants?prefix={prefix}", user)
    for person in body["users"]:
        assert set(person) == {"id", "handle", "display_name"}
    return [p["handle"] for p in body["users"]]


async def test_people_who_posted_are_offered_by_handle_or_name(api: Api) -> None:
    w = await api.world()
    space, topic = w["space"]["id"], w["topic"]["id"]
    park, pak = await api.user("Min-ji Park"), await api.user("Pak Soo")
    await api.user("Silent Park")  # never posted here: not offered
    for person in (park, pak):
        await api.post(person, topic, "Hello")
    # By the start of the handle, of the name, or of a later word of the name.
    assert await _offered(api, space, "min", w["citizen"]) == ["min-ji-park"]
    assert await _offered(api, space, "@MIN-J", w["citizen"]) == ["min-ji-park"]
    assert await _offered(api, space, "pa", w["citizen"]) == ["min-ji-park", "pak-soo"]
    assert await _offered(api, space, "pak-soo", w["citizen"]) == ["pak-soo"]
    assert await _offered(api, space, "org", w["citizen"]) == ["org-admin"]
    # Nobody: not a wildcard.
    assert await _offered(api, space, "%25", w["citizen"]) == []
    assert await _offered(api, space, "_", w["citizen"]) == []
    # Never the one asking; anyone may ask in a public space.
    assert await _offered(api, space, "min", park) == []
    assert await _offered(api, space, "", None) == ["min-ji-park", "org-admin", "pak-soo"]


async def test_a_person_in_many_topics_is_offered_once(api: Api) -> None:
    w = await api.world()
    aylin = await api.user("Aylin W.")
    for n in range(3):
        topic = await api.topic(aylin, w["space"]["id"], f"Question number {n}")
        await api.post(aylin, topic["id"], "And one more thing")
    assert await _offered(api, w["space"]["id"], "ayl", w["citizen"]) == ["aylin-w"]


async def test_at_most_ten_exact_handle_first(api: Api) -> None:
    w = await api.world()
    people = [await api.user(f"Kim {i}") for i in range(12)]
    for person in people:
        await api.post(person, w["topic"]["id"], "Here")
    offered = await _offered(api, w["space"]["id"], "kim", w["citizen"])
    assert len(offered) == 10
    assert await _offered(api, w["space"]["id"], "kim-1", w["citizen"]) == [
        "kim-1", "kim-10", "kim-11"]


async def test_a_private_space_offers_its_readers_only_to_its_readers(api: Api, ctx: Context
                                                                    ) -> None:
    build = Builder(api, tiers=tiers_in(ctx))
    w = await build.world(tier="plus")
    member, left, outsider = (await api.user("Member"), await api.user("Leaver"),
                              await api.user("Outsider"))
    council = await build.space(w["admin"], w["org"]["id"], "private", name="Council",
                                members=[member, left])
    topic = await api.topic(w["admin"], council["id"], "Budget")
    await api.post(left, topic["id"], "Bye")
    await api.ok("DELETE", f"/spaces/{council['id']}/members/{left.id}", w["admin"])
    # Members are offered before they post; one who left is not, though they posted.
    assert await _offered(api, council["id"], "", w["admin"]) == ["member"]
    for who in (outsider, None):
        r = await api.call("GET", f"/spaces/{council['id']}/participants?prefix=m", who)
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("path", [
    "/spaces/999999/participants", "/spaces/99999999999/participants",
    "/spaces/0/participants",
])
async def test_unknown_spaces_are_404(api: Api, path: str) -> None:
    r = await api.call("GET", path)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


async def test_a_prefix_too_long_is_422(api: Api) -> None:
    w = await api.world()
    r = await api.call("GET", f"/spaces/{w['space']['id']}/participants?prefix={'a' * 81}")
    assert r.status_code == 422 and "prefix" in r.json()["error"]["fields"]
