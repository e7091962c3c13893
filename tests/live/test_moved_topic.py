"""A topic moved into a private space stops streaming to those who may no longer
read it (cps/live/moves.py): their subscriptions end with `subscription_ended`,
and the members of the new space go on without a gap."""

from __future__ import annotations

import pytest

from tests.live.helpers import public_and_private
from tests.support.api import Api
from tests.support.clients import live_client
from tests.support.servers import InProcessServer

pytestmark = pytest.mark.anyio


async def test_followers_who_may_not_read_the_new_space_are_cut_off(
    live_api: Api, served_app: InProcessServer
) -> None:
    api = live_api
    w = await public_and_private(api, served_app.state["ctx"])
    admin, public, private = w["admin"], w["public"], w["private"]
    member, stranger = w["member"], w["stranger"]
    topic = await api.topic(admin, public["id"], title="Plant closure", body="Draft")
    channel = f"topic:{topic['id']}"
    async with live_client(served_app.ws_url) as anonymous, \
            live_client(served_app.ws_url, stranger.token) as outsider, \
            live_client(served_app.ws_url, member.token) as insider:
        for client in (anonymous, outsider, insider):
            await client.subscribe(channel)
        await api.ok("POST", f"/topics/{topic['id']}/move", admin, {"space_id": private["id"]})
        for client in (anonymous, outsider):
            [moved] = await client.events(channel, 1)
            assert moved["name"] == "topic.moved"
            await client.expect("error", code="subscription_ended", channel=channel)
        [moved] = await insider.events(channel, 1)
        await api.post(admin, topic["id"], "Members only: the figures")
        [created] = await insider.events(channel, 1)
        assert created["name"] == "post.created" and created["seq"] == moved["seq"] + 1
        assert "figures" in created["data"]["body"]
        for client in (anonymous, outsider):
            await client.quiet(0.5)  # nothing more arrives (quiet fails on any frame)
