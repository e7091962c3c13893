"""Over the WebSocket: a ban ends the banned user's subscriptions to that space within
5 seconds, and only to that space; a mute ends nothing."""

from __future__ import annotations

import time

import pytest

from tests.moderation.conftest import moderated_world
from tests.support.api import Api
from tests.support.clients import live_client
from tests.support.servers import InProcessServer

pytestmark = pytest.mark.anyio


async def test_a_ban_in_one_space_ends_only_that_spaces_subscriptions(
    live_api: Api, served_app: InProcessServer
) -> None:
    api = live_api
    w = await moderated_world(api)
    s, t, citizen = w["space"]["id"], w["topic"]["id"], w["citizen"]
    other = await api.space(w["admin"], w["org"]["id"], name="Parks")
    other_topic = await api.topic(w["admin"], other["id"], title="Trees")
    async with live_client(served_app.ws_url, citizen.token) as client:
        for channel in (f"space:{s}", f"topic:{t}", f"topic:{other_topic['id']}"):
            await client.subscribe(channel)
        # A mute ends nothing: the muted still read live.
        await api.ok("POST", f"/spaces/{s}/mutes", w["mod"],
                     {"user_id": citizen.id, "reason": "Calm down"}, status=201)
        await api.post(w["admin"], t, "still following")
        frames = [await client.recv() for _ in range(2)]
        assert {(f["channel"], f["name"]) for f in frames} == {
            (f"space:{s}", "moderation.logged"), (f"topic:{t}", "post.created")}
        # A ban does, in its space only, within 5 seconds.
        start = time.monotonic()
        await api.ok("POST", f"/spaces/{s}/bans", w["mod"],
                     {"user_id": citizen.id, "reason": "Harassment"}, status=201)
        ended: set[str] = set()
        while len(ended) < 2:
            frame = await client.recv(timeout=5)
            if frame["type"] == "error":
                assert frame["code"] == "subscription_ended", frame
                ended.add(frame["channel"])
        assert ended == {f"space:{s}", f"topic:{t}"}
        assert time.monotonic() - start < 5
        await api.post(w["admin"], t, "not for you")
        await api.post(w["admin"], other_topic["id"], "for you")
        frame = await client.recv()
        assert frame["channel"] == f"topic:{other_topic['id']}", frame
        assert frame["data"]["body"] == "for you"
        await client.send({"type": "subscribe", "channel": f"space:{s}"})
        await client.expect("error", code="forbidden", channel=f"space:{s}")
    # Moderators of the space are never refused.
    async with live_client(served_app.ws_url, w["mod"].token) as mod_client:
        await mod_client.subscribe(f"topic:{t}")
