"""Reviewer R1's attacks on notifications (issue 15): someone else's ids in a read,
mentions added by editing over and over, odd preferences, and what a reply's
notification tells once the reply is deleted. Both databases."""

from __future__ import annotations

import pytest

from cps.services.context import Context
from tests.notifications.support import heard, notes, unread
from tests.support.api import Api

pytestmark = pytest.mark.anyio


async def test_reading_someone_elses_notifications_changes_and_tells_nothing(
        api: Api, ctx: Context) -> None:
    w = await api.world()
    first = (await api.posts(w["topic"]["id"], w["admin"]))[0]
    await api.post(w["citizen"], w["topic"]["id"], "A reply", parent_id=first["id"])
    [note] = await notes(api, w["admin"])
    mallory = await api.user("Mallory")
    for forged in ([note["id"]], [note["id"], 2**31 - 1]):
        assert await api.ok("POST", "/notifications/read", mallory, {"ids": forged}) == {
            "unread_count": 0}
    assert await heard(ctx, mallory, "notification.read") == []
    assert await unread(api, w["admin"]) == 1
    assert (await notes(api, w["admin"]))[0]["read_at"] is None
    # Ids out of range are a 422 naming them, not a 500.
    r = await api.call("POST", "/notifications/read", mallory, {"ids": [0, -1, 2**62]})
    assert r.status_code == 422 and len(r.json()["error"]["fields"]) == 3
    # Reading it for real tells only its own id.
    await api.ok("POST", "/notifications/read", w["admin"], {"ids": [note["id"], 2**31 - 1]})
    assert await heard(ctx, w["admin"], "notification.read") == [
        {"ids": [note["id"]], "unread_count": 0}]


async def test_editing_a_mention_in_again_and_again_floods_nobody(api: Api) -> None:
    w = await api.world()
    victim = await api.user("Victim")
    handle = (await api.ok("GET", "/me", victim))["user"]["handle"]
    post = await api.post(w["citizen"], w["topic"]["id"], f"Hello @{handle}")
    for n in range(6):
        body = f"Hello {n}" if n % 2 else f"Hello again {n} @{handle}"
        await api.ok("PATCH", f"/posts/{post['id']}", w["citizen"], {"body": body})
    every = await notes(api, victim)
    assert [(n["kind"], n["count"]) for n in every] == [("mention", 1)]
    assert await unread(api, victim) == 1


@pytest.mark.parametrize("body", [
    {"email": "weekly"}, {"digest": "hourly"}, {"kinds": {"no_such_kind": {"web": True}}},
    {"kinds": {"mention": {"web": "yes"}}},
    {"kinds": []}, {"locale": "x" * 5000}, {"locale": "<script>"},
])
async def test_odd_preferences_are_422_and_change_nothing(api: Api, body: dict[str, object]
                                                          ) -> None:
    me = await api.user()
    before = await api.ok("GET", "/me/preferences", me)
    r = await api.call("PATCH", "/me/preferences", me, body)
    assert r.status_code == 422, (body, r.status_code, r.text)
    assert r.json()["error"]["code"] and r.json()["error"]["fields"]
    assert await api.ok("GET", "/me/preferences", me) == before


async def test_a_deleted_reply_leaves_the_list_and_the_count(api: Api) -> None:
    w = await api.world()
    first = (await api.posts(w["topic"]["id"], w["admin"]))[0]
    reply = await api.post(w["citizen"], w["topic"]["id"], "Oops, my number is 555-0100",
                           parent_id=first["id"])
    assert await unread(api, w["admin"]) == 1
    await api.ok("DELETE", f"/posts/{reply['id']}", w["citizen"])
    assert await unread(api, w["admin"]) == 0
    assert await notes(api, w["admin"]) == []
