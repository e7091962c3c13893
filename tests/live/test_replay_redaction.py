"""A replay says what the reader may see now (cps/services/subscriptions/replay.py).

Stored events keep the data they were published with for the retention period;
a socket that subscribes with `since: 0`, or whose gap the hub fills from the
table, must not get back the text of a post deleted, hidden, held or edited
since, nor the title of a topic moved to a space its readers may not see. Each
test searches the raw frames of a real socket, for an anonymous reader, a
signed-in stranger, the author and a moderator alike, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from cps.services.context import Actor
from cps.services.discussion import posts
from tests.live.helpers import direct, public_and_private
from tests.moderation.conftest import moderated_world
from tests.support.api import Api, User
from tests.support.clients import live_client
from tests.support.direct import set_tier
from tests.support.servers import InProcessServer

pytestmark = pytest.mark.anyio

SECRET = "Kumquat-7731 is the code"  # ASCII, so the raw frames quote it as is


async def replayed(srv: InProcessServer, channel: str, reader: User | None) -> list[str]:
    """Every raw frame a socket gets when it subscribes to `channel` with since 0,
    up to the last stored event."""
    async with live_client(srv.ws_url, reader.token if reader else None) as client:
        await client.send({"type": "subscribe", "channel": channel, "since": 0})
        frames: list[str] = []
        last, seen = None, 0
        while last is None or seen < last:
            raw = await asyncio.wait_for(client.ws.recv(), 5)
            assert isinstance(raw, str)
            frames.append(raw)
            frame = json.loads(raw)
            if frame["type"] == "subscribed":
                last = frame["seq"]
            elif frame["type"] == "event":
                seen = frame["seq"]
            else:
                assert frame["type"] == "presence", frame
    return frames


async def assert_never_replayed(srv: InProcessServer, channel: str,
                                readers: list[User | None], secret: str = SECRET,
                                *, shown: str | None = None) -> None:
    """No reader's replay of `channel` quotes `secret`; every one quotes `shown`."""
    for reader in readers:
        text = "\n".join(await replayed(srv, channel, reader))
        who = reader.display_name if reader else "anonymous"
        assert secret not in text, f"{who} was replayed {secret!r} on {channel}"
        if shown is not None:
            assert shown in text, f"{who} was not replayed {shown!r} on {channel}"


async def world(api: Api) -> dict[str, Any]:
    """A public space with a moderator, a topic, an author and a stranger."""
    w: dict[str, Any] = {**await moderated_world(api)}
    w["author"] = await api.user("Author")
    w["stranger"] = await api.user("Stranger")
    w["readers"] = [None, w["stranger"], w["author"], w["mod"]]
    return w


async def test_a_deleted_posts_text_is_never_replayed(
    live_api: Api, served_app: InProcessServer
) -> None:
    api = live_api
    w = await world(api)
    t = w["topic"]["id"]
    post = await api.post(w["author"], t, SECRET)
    await api.post(w["author"], t, "Still standing")
    await api.ok("PATCH", f"/posts/{post['id']}", w["author"], {"body": f"{SECRET}, again"})
    await api.ok("DELETE", f"/posts/{post['id']}", w["author"], status=204)
    await assert_never_replayed(served_app, f"topic:{t}", w["readers"], shown="Still standing")
    # Each of its events shows it as HTTP does now: deleted, with nothing to read.
    frames = [json.loads(f) for f in await replayed(served_app, f"topic:{t}", None)]
    quoted = [f for f in frames if f["type"] == "event" and f["data"].get("id") == post["id"]]
    assert [f["name"] for f in quoted] == ["post.created", "post.edited", "post.deleted"]
    assert {(f["data"]["deleted"], f["data"]["body"], f["data"]["html"]) for f in quoted} \
        == {(True, "", "")}


async def test_a_hidden_posts_text_is_never_replayed_until_it_is_restored(
    live_api: Api, served_app: InProcessServer
) -> None:
    api = live_api
    w = await world(api)
    t = w["topic"]["id"]
    post = await api.post(w["author"], t, SECRET)
    await api.ok("POST", f"/posts/{post['id']}/hide", w["mod"], {"reason": "Doxxing"})
    await assert_never_replayed(served_app, f"topic:{t}", w["readers"])
    # Hidden over HTTP too, for everyone but its author and the moderators.
    listed = (await api.ok("GET", f"/topics/{t}/posts"))["posts"]
    assert [p["body"] for p in listed if p["id"] == post["id"]] == [""]
    # Restored, the replay quotes it again: what a reader may see now.
    await api.ok("POST", f"/posts/{post['id']}/restore", w["mod"], {})
    text = "\n".join(await replayed(served_app, f"topic:{t}", None))
    assert SECRET in text


async def test_an_edited_posts_earlier_text_is_never_replayed(
    live_api: Api, served_app: InProcessServer
) -> None:
    api = live_api
    w = await world(api)
    t = w["topic"]["id"]
    post = await api.post(w["author"], t, f"First draft: {SECRET}")
    await api.ok("PATCH", f"/posts/{post['id']}", w["author"], {"body": "Second thoughts"})
    await api.ok("PATCH", f"/posts/{post['id']}", w["author"], {"body": "Final words"})
    await assert_never_replayed(served_app, f"topic:{t}", w["readers"], shown="Final words")
    await assert_never_replayed(served_app, f"topic:{t}", w["readers"], "Second thoughts")


async def test_a_held_then_rejected_posts_text_is_never_replayed(
    live_api: Api, served_app: InProcessServer
) -> None:
    """A guard more than a regression: a held post is announced only when approved."""
    api = live_api
    w = await world(api)
    s, t = w["space"]["id"], w["topic"]["id"]
    await set_tier(served_app.state["ctx"], w["org"]["id"], "plus")
    await api.ok("PATCH", f"/spaces/{s}", w["mod"], {"premoderation_posts": 5})
    held = await api.post(w["author"], t, SECRET)
    assert held["pending"]
    await api.ok("PATCH", f"/posts/{held['id']}", w["author"], {"body": f"{SECRET}, edited"})
    await assert_never_replayed(served_app, f"topic:{t}", w["readers"])
    await api.ok("POST", f"/posts/{held['id']}/reject", w["mod"], {"reason": "Off topic"})
    await assert_never_replayed(served_app, f"topic:{t}", w["readers"])


async def test_a_private_spaces_posts_follow_the_same_rules_and_outsiders_get_nothing(
    live_api: Api, served_app: InProcessServer
) -> None:
    api = live_api
    admin = await api.user("Org Admin")
    org = await api.org(admin)
    await set_tier(served_app.state["ctx"], org["id"], "plus")
    space = await api.space(admin, org["id"], visibility="private", name="Council")
    topic = await api.topic(admin, space["id"], title="Budget")
    member, author, outsider = [await api.user(n) for n in ("Member", "Author", "Outsider")]
    for user in (member, author):
        await api.ok("POST", f"/spaces/{space['id']}/members", admin, {"user_id": user.id},
                     status=201)
    t = topic["id"]
    deleted = await api.post(author, t, SECRET)
    await api.ok("DELETE", f"/posts/{deleted['id']}", author, status=204)
    hidden = await api.post(author, t, "Leaked salaries: 1200-LOS")
    await api.ok("POST", f"/posts/{hidden['id']}/hide", admin, {"reason": "Private data"})
    await api.post(author, t, "Members only")
    for secret in (SECRET, "1200-LOS"):
        await assert_never_replayed(served_app, f"topic:{t}", [member, author, admin], secret,
                                    shown="Members only")
    for reader in (None, outsider):
        async with live_client(served_app.ws_url, reader.token if reader else None) as client:
            for channel in (f"topic:{t}", f"space:{space['id']}"):
                await client.send({"type": "subscribe", "channel": channel, "since": 0})
                await client.expect("error", code="not_found", channel=channel)


async def test_a_topic_moved_to_a_private_space_keeps_no_title_in_the_old_spaces_replay(
    live_api: Api, served_app: InProcessServer
) -> None:
    api = live_api
    w = await public_and_private(api, served_app.state["ctx"])
    admin, public, private = w["admin"], w["public"], w["private"]
    member, stranger = w["member"], w["stranger"]
    title = "Plant closure 2027"
    moved = await api.topic(admin, public["id"], title=title, body="Draft")
    await api.topic(admin, public["id"], title="Bus timetable")
    await api.ok("PATCH", f"/topics/{moved['id']}", admin, {"pinned": True})
    await api.ok("POST", f"/topics/{moved['id']}/move", admin, {"space_id": private["id"]})
    old = f"space:{public['id']}"
    await assert_never_replayed(served_app, old, [None, stranger, member, admin], title,
                                shown="Bus timetable")
    # Where it lives now, its readers see it.
    await assert_never_replayed(served_app, f"space:{private['id']}", [member], "nothing here",
                                shown=title)
    # Moved back to a public space, the old space's replay may name it again.
    await api.ok("POST", f"/topics/{moved['id']}/move", admin, {"space_id": public["id"]})
    assert title in "\n".join(await replayed(served_app, old, None))


async def test_a_renamed_topics_old_title_is_never_replayed(
    live_api: Api, served_app: InProcessServer
) -> None:
    api = live_api
    w = await world(api)
    s = w["space"]["id"]
    topic = await api.topic(w["author"], s, title=f"Insult: {SECRET}")
    await api.ok("PATCH", f"/topics/{topic['id']}", w["mod"], {"title": "Renamed"})
    for channel in (f"space:{s}", f"topic:{topic['id']}"):
        await assert_never_replayed(served_app, channel, w["readers"], shown="Renamed")


async def test_a_gap_the_hub_fills_from_the_table_says_what_readers_may_see_now(
    live_api: Api, served_app: InProcessServer, database_url: str
) -> None:
    """Events stored but never published (a publish lost on the way): the hub reads
    them back from the events table when the next one shows the gap."""
    api = live_api
    w = await world(api)
    t = w["topic"]["id"]
    author = w["author"]
    actor = Actor(author.id, author.display_name, "citizen", False)
    async with live_client(served_app.ws_url) as client:
        start = await client.subscribe(f"topic:{t}")
        async with direct(database_url) as unpublished:  # stores, publishes nothing
            post, _ = await posts.create_post(unpublished, actor, t, body=SECRET,
                                              parent_id=None)
            await posts.delete_post(unpublished, actor, post.id)
        await api.post(w["citizen"], t, "Next in line")
        frames: list[str] = []
        while len(frames) < 3:
            raw = await asyncio.wait_for(client.ws.recv(), 5)
            assert isinstance(raw, str)
            if json.loads(raw)["type"] == "event":
                frames.append(raw)
    assert [json.loads(f)["seq"] for f in frames] == [start + 1, start + 2, start + 3]
    assert [json.loads(f)["name"] for f in frames] == ["post.created", "post.deleted",
                                                       "post.created"]
    assert SECRET not in "\n".join(frames)
    assert "Next in line" in frames[2]
