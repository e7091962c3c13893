"""`flagged_by_me` on a thread's posts: the reader sees which posts they flagged
(the web page says "You flagged this" instead of offering the flag again), and
nobody learns who else flagged what."""

from __future__ import annotations

import pytest

from tests.api.helpers import assert_error
from tests.support.api import Api

pytestmark = pytest.mark.anyio


async def test_a_post_says_that_its_reader_flagged_it_and_only_to_them(api: Api) -> None:
    w = await api.world()
    t = w["topic"]["id"]
    flagger, other = await api.user("Flagger"), await api.user("Bystander")
    first = await api.post(w["admin"], t, "first")
    second = await api.post(w["admin"], t, "second", parent_id=first["id"])
    await api.ok("POST", f"/posts/{second['id']}/flags", flagger, {"reason": "spam"}, status=201)

    seen = {p["id"]: p["flagged_by_me"] for p in await api.posts(t, flagger)}
    assert seen[second["id"]] is True
    assert seen[first["id"]] is False
    # Someone else, the author, the space's admin and an anonymous reader: not flagged by them.
    for reader in (other, w["admin"], None):
        assert all(p["flagged_by_me"] is False for p in await api.posts(t, reader))


async def test_a_resolved_flag_still_reads_flagged_and_a_second_flag_is_refused(api: Api) -> None:
    w = await api.world()
    t = w["topic"]["id"]
    flagger = await api.user("Flagger")
    target = await api.post(w["citizen"], t, "rude words")
    flag = (await api.ok("POST", f"/posts/{target['id']}/flags", flagger,
                         {"reason": "abuse"}, status=201))["flag"]
    await api.ok("POST", f"/flags/{flag['id']}/resolve", w["admin"], {"action": "dismiss"})
    post = next(p for p in await api.posts(t, flagger) if p["id"] == target["id"])
    assert post["flagged_by_me"] is True
    # What the page promises by not offering "Flag" again, the server holds.
    r = await api.call("POST", f"/posts/{target['id']}/flags", flagger, {"reason": "spam"})
    assert_error(r, 409, "already_flagged")


async def test_flags_on_many_posts_read_right_across_pages_with_no_post_twice(api: Api) -> None:
    w = await api.world()
    t = w["topic"]["id"]
    flaggers = [await api.user(f"Flagger {i}") for i in range(3)]
    ids = [(await api.post(w["citizen"], t, f"post {i}"))["id"] for i in range(7)]
    # Several people flag the same posts: the outer join must not repeat a post.
    for i, pid in enumerate(ids):
        for f in flaggers[: i % 3 + 1]:
            await api.ok("POST", f"/posts/{pid}/flags", f, {"reason": "spam"}, status=201)
    read, cursor = [], None
    while True:
        q = "?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = await api.ok("GET", f"/topics/{t}/posts{q}", flaggers[2])
        read += page["posts"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert [p["id"] for p in read] == await api.post_ids(t)
    mine = {p["id"] for p in read if p["flagged_by_me"]}
    assert mine == {pid for i, pid in enumerate(ids) if i % 3 == 2}
