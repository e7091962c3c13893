"""The database is the source of truth: `since` replays from the events table, then
live events follow without a gap or a duplicate at the seam; `reset` when the
table no longer holds what the client asks for."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from cps.services.subscriptions import history
from tests.live.conftest import Backend
from tests.live.helpers import age_events, direct, post_many, topic_world
from tests.support.api import Api
from tests.support.clients import live_client
from tests.support.servers import AppServer

pytestmark = pytest.mark.anyio


async def test_since_zero_replays_every_stored_event_then_live_ones(
    api: Api, server: AppServer
) -> None:
    w, t, channel = await topic_world(api)
    stored = await post_many(api, w["citizen"], t, 12)
    async with live_client(server.ws_url) as client:
        assert await client.subscribe(channel, since=0) == 13
        replayed = await client.events(channel, 13)
        live = await post_many(api, w["citizen"], t, 3, prefix="live")
        after = await client.events(channel, 3)
        await client.quiet(0.3)
    assert [e["seq"] for e in replayed] == list(range(1, 14))
    assert [e["data"]["id"] for e in replayed[1:]] == [p["id"] for p in stored]
    assert [e["seq"] for e in after] == [14, 15, 16]
    assert [e["data"]["id"] for e in after] == [p["id"] for p in live]


async def test_subscribing_while_posts_are_written_misses_nothing_and_repeats_nothing(
    api: Api, server: AppServer
) -> None:
    """The seam: clients subscribe with since=0 at different moments of a stream
    of 50 posts written by 4 concurrent writers; each sees seq 1..51 exactly once."""
    w, t, channel = await topic_world(api)
    total = 51
    written: list[dict[str, Any]] = []
    writers = asyncio.create_task(
        post_many(api, w["citizen"], t, 50, concurrency=4, into=written))

    async def follower(after: int) -> list[int]:
        while len(written) < after:
            await asyncio.sleep(0.001)
        async with live_client(server.ws_url) as client:
            await client.subscribe(channel, since=0)
            events = await client.events(channel, total, timeout=20)
            await client.quiet(0.3)
        return [e["seq"] for e in events]

    followers = [asyncio.create_task(follower(n)) for n in range(0, 50, 6)]
    posts = await writers
    assert len(posts) == 50
    for seqs in await asyncio.gather(*followers):
        assert seqs == list(range(1, total + 1))


async def test_a_client_that_reconnects_with_since_gets_exactly_what_it_missed(
    api: Api, server: AppServer
) -> None:
    w, t, channel = await topic_world(api)
    async with live_client(server.ws_url) as client:
        await client.subscribe(channel)
        await post_many(api, w["citizen"], t, 3)
        seen = await client.events(channel, 3)
    last = seen[-1]["seq"]
    missed = await post_many(api, w["citizen"], t, 10, prefix="while away")
    async with live_client(server.ws_url) as client:
        assert await client.subscribe(channel, since=last) == last + 10
        events = await client.events(channel, 10)
        await client.quiet(0.3)
        live = await api.post(w["citizen"], t, "back")
        [event] = await client.events(channel, 1)
    assert [e["seq"] for e in events] == list(range(last + 1, last + 11))
    assert [e["data"]["id"] for e in events] == [p["id"] for p in missed]
    assert (event["seq"], event["data"]["id"]) == (last + 11, live["id"])


async def test_since_equal_to_the_last_seq_replays_nothing(api: Api, server: AppServer) -> None:
    w, t, channel = await topic_world(api)
    await post_many(api, w["citizen"], t, 2)
    async with live_client(server.ws_url) as client:
        assert await client.subscribe(channel, since=3) == 3
        await client.quiet(0.3)


async def test_since_older_than_what_is_kept_answers_reset(api: Api, server: AppServer,
                                                          backend: Backend) -> None:
    w, t, channel = await topic_world(api)
    await post_many(api, w["citizen"], t, 4)
    # The first five events get old, and pruning with a one-day retention removes them.
    await age_events(backend.database_url, channel, days=2)
    async with direct(backend.database_url, CPS_EVENT_RETENTION_DAYS="1") as ctx:
        assert await history.prune(ctx) >= 5
    kept = await post_many(api, w["citizen"], t, 2, prefix="kept")
    async with live_client(server.ws_url) as client:
        assert await client.subscribe(channel, since=2) == 7
        await client.expect("reset", channel=channel)
        await client.quiet(0.3)  # no partial replay after a reset
        live = await api.post(w["citizen"], t, "live")
        [event] = await client.events(channel, 1)
        assert (event["seq"], event["data"]["id"]) == (8, live["id"])
    # What is still kept can be resumed from.
    async with live_client(server.ws_url) as client:
        assert await client.subscribe(channel, since=5) == 8
        events = await client.events(channel, 3)
        assert [e["seq"] for e in events] == [6, 7, 8]
        assert [e["data"]["id"] for e in events[:2]] == [p["id"] for p in kept]


async def test_since_beyond_what_the_channel_ever_had_answers_reset(
    api: Api, server: AppServer
) -> None:
    w, t, channel = await topic_world(api)
    async with live_client(server.ws_url) as client:
        assert await client.subscribe(channel, since=500) == 1
        await client.expect("reset", channel=channel)
        await api.post(w["citizen"], t, "live")
        [event] = await client.events(channel, 1)
        assert event["seq"] == 2
