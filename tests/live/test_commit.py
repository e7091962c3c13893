"""An event is published only after its transaction commits: a write that fails
publishes nothing and gives its seq back (the next event takes it)."""

from __future__ import annotations

import httpx
import pytest

from cps.services.events import journal
from tests.live.conftest import InProcessFactory
from tests.live.helpers import topic_world
from tests.support.api import Api
from tests.support.clients import live_client
from tests.support.servers import AppServer

pytestmark = pytest.mark.anyio


async def test_a_post_refused_by_a_locked_topic_publishes_nothing(
    api: Api, server: AppServer
) -> None:
    w, t, channel = await topic_world(api)
    async with live_client(server.ws_url) as client:
        await client.subscribe(channel)
        await api.ok("PATCH", f"/topics/{t}", w["admin"], {"locked": True})
        [locked] = await client.events(channel, 1)
        assert (locked["seq"], locked["name"]) == (2, "topic.locked")
        r = await api.call("POST", f"/topics/{t}/posts", w["citizen"], {"body": "too late"})
        assert r.status_code == 409 and r.json()["error"]["code"] == "topic_locked"
        await client.quiet(0.5)
        await api.ok("PATCH", f"/topics/{t}", w["admin"], {"locked": False})
        [unlocked] = await client.events(channel, 1)
        assert (unlocked["seq"], unlocked["name"]) == (3, "topic.unlocked")


async def test_a_reply_to_a_post_of_another_topic_publishes_nothing(
    api: Api, server: AppServer
) -> None:
    w, t, channel = await topic_world(api)
    elsewhere = await api.topic(w["admin"], w["space"]["id"], title="Elsewhere")
    [foreign] = (await api.ok("GET", f"/topics/{elsewhere['id']}/posts"))["posts"]
    async with live_client(server.ws_url) as client:
        await client.subscribe(channel)
        r = await api.call("POST", f"/topics/{t}/posts", w["citizen"],
                           {"body": "misplaced", "parent_id": foreign["id"]})
        assert r.status_code == 422, r.text
        await client.quiet(0.5)
        post = await api.post(w["citizen"], t, "in its place")
        [event] = await client.events(channel, 1)
    assert (event["seq"], event["data"]["id"]) == (2, post["id"])


async def test_a_transaction_rolled_back_after_recording_its_event_publishes_nothing(
    in_process_server: InProcessFactory,
) -> None:
    """The mechanism itself: the event row and its seq are written, then the
    transaction fails; subscribers see nothing and the next event takes the seq."""
    async with in_process_server() as srv, httpx.AsyncClient(base_url=srv.base_url) as http:
        api = Api(http)
        ctx = srv.state["ctx"]
        w, t, channel = await topic_world(api)
        async with live_client(srv.ws_url) as client:
            assert await client.subscribe(channel) == 1
            with pytest.raises(RuntimeError):
                async with ctx.db.write() as tx:
                    recorded = await journal.record(
                        tx, ctx.events, channel, "post.created", {"body": "never"})

                    async def fail() -> None:
                        assert recorded.seq == 2
                        raise RuntimeError("the write fails after its event was written")

                    tx.before_commit(fail)
            await client.quiet(0.5)
            post = await api.post(w["citizen"], t, "the next one")
            [event] = await client.events(channel, 1)
        assert (event["seq"], event["data"]["id"]) == (2, post["id"])
        async with live_client(srv.ws_url) as late:
            assert await late.subscribe(channel, since=0) == 2
            replayed = await late.events(channel, 2)
        assert [e["data"].get("body") for e in replayed] == ["Where should they go?",
                                                              "the next one"]
