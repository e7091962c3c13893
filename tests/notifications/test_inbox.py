"""The list, the count and reading, over the API on both databases: pagination newest
first, unread only, mark read by ids and all, forged and foreign ids, the
notification.read event every page of the person hears, preferences, and every
error in the contract's envelope."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from cps.services.context import Context
from cps.storage.notifications import Notification
from tests.api.helpers import assert_error
from tests.moderation.conftest import moderated_world
from tests.notifications.support import heard, inbox, notes, unread
from tests.support.api import Api
from tests.support.world import ModeratedWorld

pytestmark = pytest.mark.anyio


async def hidden_posts(api: Api, w: ModeratedWorld, n: int) -> list[dict[str, Any]]:
    """`n` posts of the citizen, each in a topic of its own, each hidden by the moderator:
    n notifications that do not collapse."""
    made = []
    for i in range(n):
        topic = await api.topic(w["admin"], w["space"]["id"], f"Topic {i}")
        post = await api.post(w["citizen"], topic["id"], f"Post {i}")
        await api.ok("POST", f"/posts/{post['id']}/hide", w["mod"], {"reason": f"r{i}"})
        made.append(post)
    return made


async def test_pages_newest_first_and_unread_only(api: Api) -> None:
    w = await moderated_world(api)
    posts = await hidden_posts(api, w, 5)
    first = await inbox(api, w["citizen"], "?limit=2")
    assert [n["post_id"] for n in first["notifications"]] == [posts[4]["id"], posts[3]["id"]]
    assert first["unread_count"] == 5 and first["next_cursor"]
    every = await notes(api, w["citizen"])
    assert [n["post_id"] for n in every] == [p["id"] for p in reversed(posts)]
    await api.ok("POST", "/notifications/read", w["citizen"], {"ids": [every[0]["id"]]})
    still = (await inbox(api, w["citizen"], "?unread=true"))["notifications"]
    assert [n["id"] for n in still] == [n["id"] for n in every[1:]]
    assert len((await inbox(api, w["citizen"], "?unread=false"))["notifications"]) == 5


async def test_reading_tells_every_page_of_the_person(api: Api, ctx: Context) -> None:
    w = await moderated_world(api)
    await hidden_posts(api, w, 3)
    every = await notes(api, w["citizen"])
    answer = await api.ok("POST", "/notifications/read", w["citizen"],
                          {"ids": [every[1]["id"]]})
    assert answer == {"unread_count": 2}
    [read] = await heard(ctx, w["citizen"], "notification.read")
    assert read == {"ids": [every[1]["id"]], "unread_count": 2}
    assert (await api.ok("POST", "/notifications/read", w["citizen"], {"all": True})
            ) == {"unread_count": 0}
    reads = await heard(ctx, w["citizen"], "notification.read")
    assert reads[-1] == {"all": True, "unread_count": 0}
    assert all(n["read_at"] for n in await notes(api, w["citizen"]))
    # Nothing left to read: the answer says so, and no page hears anything new.
    await api.ok("POST", "/notifications/read", w["citizen"], {"all": True})
    assert len(await heard(ctx, w["citizen"], "notification.read")) == 2


async def test_a_read_notification_does_not_collapse_again(api: Api) -> None:
    w = await moderated_world(api)
    post = await api.post(w["citizen"], w["topic"]["id"], "One")
    await api.ok("POST", f"/posts/{post['id']}/hide", w["mod"], {"reason": "x"})
    await api.ok("POST", "/notifications/read", w["citizen"], {"all": True})
    await api.ok("POST", f"/posts/{post['id']}/restore", w["mod"], {})
    got = await notes(api, w["citizen"])
    assert [(n["count"], n["read_at"] is None) for n in got] == [(1, True), (1, False)]
    assert await unread(api, w["citizen"]) == 1


async def test_someone_elses_ids_change_nothing_of_theirs(api: Api, ctx: Context) -> None:
    w = await moderated_world(api)
    await hidden_posts(api, w, 1)
    [theirs] = await notes(api, w["citizen"])
    intruder = await api.user("Intruder")
    assert (await api.ok("POST", "/notifications/read", intruder, {"ids": [theirs["id"]]})
            ) == {"unread_count": 0}
    assert (await api.ok("POST", "/notifications/read", intruder, {"all": True})
            ) == {"unread_count": 0}
    assert await unread(api, w["citizen"]) == 1
    assert (await notes(api, w["citizen"]))[0]["read_at"] is None
    assert await heard(ctx, intruder, "notification.read") == []
    assert await notes(api, intruder) == []


@pytest.mark.parametrize("body", [
    {}, {"ids": []}, {"ids": [1], "all": True}, {"all": False}, {"ids": [0]},
    {"ids": [2**31]}, {"ids": ["1"]}, {"ids": list(range(1, 202))}, {"all": "yes"},
])
async def test_reading_refuses_what_is_not_ids_or_all(api: Api, body: dict[str, Any]) -> None:
    person = await api.user()
    assert_error(await api.call("POST", "/notifications/read", person, body), 422)


@pytest.mark.parametrize("query", [
    "?cursor=abc", "?cursor=1.2.3", "?cursor=1.", "?cursor=.1", "?cursor=1.99999999999",
    "?cursor=1.2147483648",
    "?unread=yes", "?limit=0", "?limit=101", "?limit=x",
])
async def test_the_list_refuses_odd_parameters(api: Api, query: str) -> None:
    person = await api.user()
    assert_error(await api.call("GET", f"/notifications{query}", person), 422)


async def test_signed_out_gets_401(api: Api) -> None:
    for method, path, body in (("GET", "/notifications", None),
                               ("POST", "/notifications/read", {"all": True}),
                               ("GET", "/me/preferences", None),
                               ("PATCH", "/me/preferences", {"email": "off"})):
        assert_error(await api.call(method, path, None, body), 401)


async def test_a_cursor_past_every_notification_gives_an_empty_page(api: Api) -> None:
    w = await moderated_world(api)
    await hidden_posts(api, w, 1)
    page = await inbox(api, w["citizen"], "?cursor=1.1")
    assert page["notifications"] == [] and page["next_cursor"] is None
    assert page["unread_count"] == 1


# --- preferences -----------------------------------------------------------------------


async def test_preferences_default_and_change_in_part(api: Api) -> None:
    person = await api.user()
    prefs = await api.ok("GET", "/me/preferences", person)
    assert prefs["email"] == "digest" and prefs["digest"] == "weekly"
    assert prefs["locale"] is None
    assert set(prefs["kinds"]) == {"reply", "mention", "watched_post", "question_status",
                                   "flag_outcome", "appeal_answer", "moderation",
                                   "tier_decision"}
    assert all(c == {"web": True, "email": True} for c in prefs["kinds"].values())
    changed = await api.ok("PATCH", "/me/preferences", person, {
        "email": "immediate", "kinds": {"moderation": {"web": False}}, "locale": "ko-KR"})
    assert changed["email"] == "immediate" and changed["digest"] == "weekly"
    assert changed["kinds"]["moderation"] == {"web": False, "email": True}
    assert changed["locale"] == "ko-KR"
    again = await api.ok("PATCH", "/me/preferences", person, {
        "digest": "daily", "kinds": {"moderation": {"email": False}}})
    assert again["kinds"]["moderation"] == {"web": False, "email": False}
    assert again["email"] == "immediate" and again["locale"] == "ko-KR"
    cleared = await api.ok("PATCH", "/me/preferences", person, {"locale": None})
    assert cleared["locale"] is None
    assert await api.ok("GET", "/me/preferences", person) == cleared
    other = await api.user()
    assert (await api.ok("GET", "/me/preferences", other))["email"] == "digest"


@pytest.mark.parametrize("body", [
    {"email": "sometimes"}, {"digest": "hourly"}, {"kinds": {"gossip": {"web": True}}},
    {"kinds": {"reply": {"web": "no"}}}, {"kinds": {"reply": True}}, {"locale": "english!"},
    {"locale": "x" * 36}, {"locale": "k"}, {"locale": 7}, {"email": None, "digest": 3},
])
async def test_preferences_refuse_what_they_do_not_know(api: Api, body: dict[str, Any]) -> None:
    person = await api.user()
    assert_error(await api.call("PATCH", "/me/preferences", person, body), 422)
    assert (await api.ok("GET", "/me/preferences", person))["email"] == "digest"


async def test_a_kind_off_in_the_page_is_neither_shown_nor_counted(
        api: Api, ctx: Context) -> None:
    w = await moderated_world(api)
    await api.ok("PATCH", "/me/preferences", w["citizen"], {"kinds": {"moderation": {"web": False}}})
    await hidden_posts(api, w, 1)
    assert await notes(api, w["citizen"]) == [] and await unread(api, w["citizen"]) == 0
    assert await heard(ctx, w["citizen"]) == []


async def test_a_kind_off_everywhere_is_not_recorded(api: Api, ctx: Context) -> None:
    w = await moderated_world(api)
    await api.ok("PATCH", "/me/preferences", w["citizen"],
                 {"kinds": {"moderation": {"web": False, "email": False}}})
    await hidden_posts(api, w, 1)
    async with ctx.db.read() as session:
        assert await session.scalar(select(func.count(Notification.id)).where(
            Notification.user_id == w["citizen"].id)) == 0


async def test_people_told_at_once_each_hear_of_their_own_notification(
    api: Api, ctx: Context
) -> None:
    """Two watchers told of one post, the one with the higher id collapsing into an
    older unread notification while the other gets a new one: each one's live event
    names their own notification and its count (on PostgreSQL the rows come back
    from one insert in no set order; they are paired by person)."""
    w = await api.world()
    topic_id = w["topic"]["id"]
    ann = await api.user("Ann Early")
    bo = await api.user("Bo Later")
    for person in (ann, bo):
        await api.ok("PUT", f"/topics/{topic_id}/follow", person, {"level": "watching"})
    await api.post(w["citizen"], topic_id, "First news")
    await api.ok("POST", "/notifications/read", ann, {"all": True})
    await api.post(w["citizen"], topic_id, "Second news")  # Ann: a new row; Bo: collapsed
    for person in (ann, bo):
        async with ctx.db.read() as session:
            mine = [(n.id, n.count) for n in (await session.scalars(select(Notification).where(
                Notification.user_id == person.id, Notification.read_at.is_(None)))).all()]
        told = (await heard(ctx, person))[-1]["notification"]
        assert [(told["id"], told["count"])] == mine
    listed = (await api.ok("GET", "/notifications", bo))["notifications"]
    assert listed[0]["count"] == 2
