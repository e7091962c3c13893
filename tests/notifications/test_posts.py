"""Replies, mentions and watched topics: told by the real post over the API, once per
person and post, never to the author, never into a space the person cannot read,
never from a muted topic; collapsed per kind and topic; filtered when read, in the
query, once the post or the space is out of the reader's sight. Both databases."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from cps.services.context import Context
from cps.storage.notifications import Notification
from tests.moderation.conftest import moderated_world
from tests.notifications.support import heard, kinds, notes, unread
from tests.support.api import Api, User
from tests.support.direct import tiers_in
from tests.support.world import Builder

pytestmark = pytest.mark.anyio


async def reply_at_once(api: Api, user: User, topic_id: int, parent_id: int | None = None
                        ) -> None:
    """Post as a client does: a 503 (the server shed load: on this shared 2-core machine
    50 writers queued on one topic can wait past the database's 2 s statement bound) is
    retried with the same client_id, which lands the post at most once."""
    body: dict[str, object] = {"body": "Yes", "client_id": f"reply-{user.id}-{topic_id}"}
    if parent_id is not None:
        body["parent_id"] = parent_id
    for _ in range(20):
        r = await api.call("POST", f"/topics/{topic_id}/posts", user, body)
        if r.status_code != 503:
            assert r.status_code in (200, 201), r.text
            return
        await asyncio.sleep(0.2)
    raise AssertionError("the post never landed")


async def handle(api: Api, user: User) -> str:
    return str((await api.ok("GET", "/me", user))["user"]["handle"])


async def test_a_reply_tells_the_author_of_the_post_it_answers(api: Api, ctx: Context) -> None:
    w = await api.world()
    mine = await api.post(w["citizen"], w["topic"]["id"], "My idea")
    neighbour = await api.user("Neighbour")
    reply = await api.post(neighbour, w["topic"]["id"], "I agree", parent_id=mine["id"])
    [note] = await notes(api, w["citizen"])
    assert note["kind"] == "reply" and note["post_id"] == reply["id"]
    assert note["actor"] == {"id": neighbour.id, "display_name": "Neighbour",
                             "handle": await handle(api, neighbour)}
    assert note["topic_id"] == w["topic"]["id"] and note["space_id"] == w["space"]["id"]
    assert note["topic_title"] == "Bike lanes" and note["space_name"] == "Mobility"
    [event] = await heard(ctx, w["citizen"])
    assert event["unread_count"] == 1 and event["notification"]["kind"] == "reply"
    # The topic's author watches the topic they opened: a post replying to theirs (the
    # citizen's, at the top of the thread) is a reply; the neighbour's is a watched post.
    assert await kinds(api, w["admin"]) == ["watched_post", "reply"]
    # Nobody is told of their own post.
    assert await notes(api, neighbour) == []


async def test_a_top_level_post_replies_to_the_topic_and_collapses(api: Api) -> None:
    w = await api.world()
    people = [await api.user(f"Person {i}") for i in range(3)]
    for person in people:
        await api.post(person, w["topic"]["id"], "Top level")
    [note] = await notes(api, w["admin"])
    assert note["kind"] == "reply" and note["count"] == 3
    assert note["actor"]["id"] == people[-1].id
    assert await unread(api, w["admin"]) == 1


async def test_replying_to_yourself_tells_nobody(api: Api, ctx: Context) -> None:
    w = await api.world()
    await api.post(w["admin"], w["topic"]["id"], "Me again")
    assert await notes(api, w["admin"]) == [] and await heard(ctx, w["admin"]) == []


async def test_a_mention_tells_the_person_named(api: Api) -> None:
    w = await api.world()
    named = await api.user("Named Person")
    post = await api.post(w["citizen"], w["topic"]["id"],
                          f"Ask @{await handle(api, named)} about it")
    [note] = await notes(api, named)
    assert note["kind"] == "mention" and note["post_id"] == post["id"]
    assert note["actor"]["id"] == w["citizen"].id


async def test_mentioned_and_replied_to_is_told_once_as_a_mention(api: Api) -> None:
    w = await api.world()
    await api.post(w["citizen"], w["topic"]["id"], f"Hello @{await handle(api, w['admin'])}")
    assert await kinds(api, w["admin"]) == ["mention"]


async def test_a_mention_into_a_space_the_person_cannot_read_tells_nothing(
        api: Api, ctx: Context) -> None:
    w = await Builder(api, tiers=tiers_in(ctx)).world(tier="plus")
    member, outsider = await api.user("Member"), await api.user("Outsider")
    council = await Builder(api).space(w["admin"], w["org"]["id"], "private", name="Council",
                                       members=[member])
    topic = await api.topic(member, council["id"], "Budget")
    await api.post(member, topic["id"], f"@{await handle(api, outsider)} look")
    assert await notes(api, outsider) == [] and await heard(ctx, outsider) == []
    await api.post(w["admin"], topic["id"], f"@{await handle(api, member)} look")
    assert "mention" in await kinds(api, member)


async def test_eleven_mentions_tell_ten(api: Api) -> None:
    w = await api.world()
    people = [await api.user(f"Many {i}") for i in range(11)]
    names = " ".join([f"@{await handle(api, p)}" for p in people])
    await api.post(w["citizen"], w["topic"]["id"], names)
    told = [len(await notes(api, p)) for p in people]
    assert told == [1] * 10 + [0]


async def test_a_muted_topic_tells_nothing_not_even_mentions(api: Api, ctx: Context) -> None:
    w = await api.world()
    await api.ok("PUT", f"/topics/{w['topic']['id']}/follow", w["admin"], {"level": "muted"})
    await api.post(w["citizen"], w["topic"]["id"], f"@{await handle(api, w['admin'])} hi")
    await api.post(w["citizen"], w["topic"]["id"], "A plain reply")
    assert await notes(api, w["admin"]) == [] and await heard(ctx, w["admin"]) == []


async def test_normal_hears_mentions_only(api: Api) -> None:
    w = await api.world()
    await api.ok("PUT", f"/topics/{w['topic']['id']}/follow", w["admin"], {"level": "normal"})
    await api.post(w["citizen"], w["topic"]["id"], "A plain reply")
    assert await notes(api, w["admin"]) == []
    await api.post(w["citizen"], w["topic"]["id"], f"@{await handle(api, w['admin'])} hi")
    assert await kinds(api, w["admin"]) == ["mention"]


async def test_watching_a_space_tells_of_every_new_post_and_topic(api: Api) -> None:
    w = await api.world()
    watcher = await api.user("Watcher")
    await api.ok("PUT", f"/spaces/{w['space']['id']}/follow", watcher, {"level": "watching"})
    await api.post(w["citizen"], w["topic"]["id"], "News")
    topic = await api.topic(w["citizen"], w["space"]["id"], "Another")
    got = await notes(api, watcher)
    assert [(n["kind"], n["topic_id"]) for n in got] == [
        ("watched_post", topic["id"]), ("watched_post", w["topic"]["id"])]


async def test_fifty_simultaneous_replies_count_exactly(api: Api, ctx: Context) -> None:
    w = await api.world()
    mine = await api.post(w["citizen"], w["topic"]["id"], "Bus lane on main street?")
    people = [await api.user(f"Replier {i}") for i in range(50)]
    await asyncio.gather(*(reply_at_once(api, p, w["topic"]["id"], mine["id"])
                           for p in people))
    [note] = await notes(api, w["citizen"])
    assert note["kind"] == "reply" and note["count"] == 50
    assert await unread(api, w["citizen"]) == 1
    events = await heard(ctx, w["citizen"])
    assert len(events) == 50 and events[-1]["notification"]["count"] == 50
    assert sorted(e["notification"]["count"] for e in events) == list(range(1, 51))


async def test_fifty_simultaneous_replies_in_fifty_topics_count_exactly(
        api: Api, ctx: Context) -> None:
    w = await api.world()
    topics = [await api.topic(w["citizen"], w["space"]["id"], f"Topic {i}") for i in range(50)]
    people = [await api.user(f"Replier {i}") for i in range(50)]
    await asyncio.gather(*(reply_at_once(api, p, t["id"]) for p, t in zip(people, topics, strict=True)))
    assert await unread(api, w["citizen"]) == 50
    events = await heard(ctx, w["citizen"])
    # Writers take turns per person: each event's count is the count after its act, so
    # the last one a page hears is the truth.
    assert [e["unread_count"] for e in events] == list(range(1, 51))


async def test_a_held_reply_tells_when_approved(api: Api, ctx: Context) -> None:
    w = await moderated_world(api, ctx, tier="plus")
    await api.ok("PATCH", f"/spaces/{w['space']['id']}", w["admin"],
                 {"premoderation_posts": 1})
    newcomer = await api.user("Newcomer")
    post = await api.post(newcomer, w["topic"]["id"], "First words")
    assert post["pending"] is True
    assert await notes(api, w["admin"]) == []
    await api.ok("POST", f"/posts/{post['id']}/approve", w["mod"], {})
    assert [n["post_id"] for n in await notes(api, w["admin"])] == [post["id"]]


async def test_a_deleted_or_hidden_post_leaves_the_list_and_the_count(api: Api) -> None:
    w = await moderated_world(api)
    mine = await api.post(w["citizen"], w["topic"]["id"], "Mine")
    neighbour = await api.user("Neighbour")
    reply = await api.post(neighbour, w["topic"]["id"], "Rude", parent_id=mine["id"])
    assert await unread(api, w["citizen"]) == 1
    await api.ok("POST", f"/posts/{reply['id']}/hide", w["mod"], {"reason": "Rude"})
    assert await notes(api, w["citizen"]) == [] and await unread(api, w["citizen"]) == 0
    await api.ok("POST", f"/posts/{reply['id']}/restore", w["mod"], {})
    assert await unread(api, w["citizen"]) == 1
    await api.ok("DELETE", f"/posts/{reply['id']}", neighbour)
    assert await notes(api, w["citizen"]) == [] and await unread(api, w["citizen"]) == 0


async def test_a_topic_moved_into_a_private_space_leaves_outsiders_lists(
        api: Api, ctx: Context) -> None:
    w = await moderated_world(api, ctx, tier="plus")
    mine = await api.post(w["citizen"], w["topic"]["id"], "Mine")
    await api.post(w["mod"], w["topic"]["id"], "Answer", parent_id=mine["id"])
    assert await unread(api, w["citizen"]) == 1
    council = await Builder(api).space(w["admin"], w["org"]["id"], "private", name="Council",
                                       moderators=[w["mod"]])
    await api.ok("POST", f"/topics/{w['topic']['id']}/move", w["admin"],
                 {"space_id": council["id"]})
    assert await notes(api, w["citizen"]) == [] and await unread(api, w["citizen"]) == 0
    # The admin may read the council: their notification stays, in its new space.
    [note] = [n for n in await notes(api, w["admin"]) if n["kind"] == "watched_post"]
    assert note["space_id"] == council["id"] and note["space_name"] == "Council"


async def test_leaving_a_private_space_takes_its_notifications_away(
        api: Api, ctx: Context) -> None:
    w = await Builder(api, tiers=tiers_in(ctx)).world(tier="plus")
    member = await api.user("Member")
    council = await Builder(api).space(w["admin"], w["org"]["id"], "private", name="Council",
                                       members=[member])
    topic = await api.topic(member, council["id"], "Budget")
    await api.post(w["admin"], topic["id"], "The figures")
    assert await kinds(api, member) == ["reply"]
    await api.ok("DELETE", f"/spaces/{council['id']}/members/{member.id}", w["admin"])
    assert await notes(api, member) == [] and await unread(api, member) == 0
    # Nor is anything new told of a space they cannot read.
    await api.post(w["admin"], topic["id"], f"@{await handle(api, member)} still there?")
    assert await notes(api, member) == []
    async with ctx.db.read() as session:
        rows = await session.scalar(select(func.count(Notification.id)).where(
            Notification.user_id == member.id))
    assert rows == 1  # the old one, kept but not shown


async def test_a_space_watcher_who_muted_or_chose_a_level_for_a_topic_keeps_it(
        api: Api) -> None:
    w = await api.world()
    watcher = await api.user("Watcher")
    await api.ok("PUT", f"/spaces/{w['space']['id']}/follow", watcher, {"level": "watching"})
    await api.ok("PUT", f"/topics/{w['topic']['id']}/follow", watcher, {"level": "muted"})
    other = await api.topic(w["admin"], w["space"]["id"], "Other")
    await api.ok("PUT", f"/topics/{other['id']}/follow", watcher, {"level": "normal"})
    await api.post(w["citizen"], w["topic"]["id"], "News")
    await api.post(w["citizen"], other["id"], "More news")
    assert [n["topic_id"] for n in await notes(api, watcher)] == [other["id"]] and (
        await kinds(api, watcher)) == ["watched_post"]
