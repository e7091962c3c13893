"""The Redis broker survives Redis going away: kill, freeze, restart."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from cps.broker import RedisBroker, make_hub
from tests.support.servers import RedisServer

from .support import Recorder, Store, event, numsub, wait_until

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def test_reconnects_resubscribes_and_reports_after_a_restart(
    redis_server: RedisServer,
) -> None:
    received: list[tuple[str, bytes]] = []
    reconnects: list[bool] = []

    async def on_reconnect() -> None:
        reconnects.append(True)

    broker = RedisBroker(redis_server.url, lambda c, p: received.append((c, p)), on_reconnect)
    client = Redis.from_url(redis_server.url)
    try:
        await broker.start()
        await broker.subscribe("test:a")
        await broker.subscribe("test:b")
        assert broker.healthy

        redis_server.kill()
        await wait_until(lambda: not broker.healthy, timeout=2)
        await broker.publish("test:a", b"lost")  # logged and dropped, no error
        await broker.subscribe("test:c")  # taken while down

        await redis_server.start_async()
        await wait_until(lambda: broker.healthy, timeout=5)
        await wait_until(lambda: reconnects == [True], timeout=1)
        for channel in ("test:a", "test:b", "test:c"):
            assert await numsub(client, channel) == 1

        await broker.publish("test:a", b"after")
        await broker.publish("test:c", b"new")
        await wait_until(lambda: len(received) == 2)
        assert received == [("test:a", b"after"), ("test:c", b"new")]
    finally:
        await broker.stop()
        await client.aclose()


async def test_a_silent_connection_is_detected_by_the_keepalive(
    redis_server: RedisServer,
) -> None:
    reconnects: list[bool] = []

    async def on_reconnect() -> None:
        reconnects.append(True)

    broker = RedisBroker(
        redis_server.url,
        lambda c, p: None,
        on_reconnect,
        connect_timeout=0.3,
        poll_interval=0.05,
        keepalive_interval=0.2,
        keepalive_timeout=0.3,
    )
    try:
        await broker.start()
        await broker.subscribe("test:quiet")
        redis_server.freeze()
        await wait_until(lambda: not broker.healthy, timeout=2)
        redis_server.thaw()
        await wait_until(lambda: broker.healthy, timeout=5)
        await wait_until(lambda: reconnects == [True], timeout=1)
    finally:
        redis_server.thaw()
        await broker.stop()


async def test_hub_catches_up_from_the_database_after_a_restart(
    redis_server: RedisServer,
) -> None:
    store = Store()
    hub = make_hub(redis_server.url, store.fill_gap)
    recorder = Recorder()
    try:
        await hub.start()
        await hub.subscribe("topic:1", recorder)
        hub.prime("topic:1", 0)
        await hub.publish(event("topic:1", 1))
        await wait_until(lambda: recorder.seqs == [1])

        redis_server.kill()
        await wait_until(lambda: not hub.broker.healthy, timeout=2)
        store.add("topic:1", 1, 2, 3)  # committed while Redis was away
        await hub.publish(event("topic:1", 2))
        await hub.publish(event("topic:1", 3))

        await redis_server.start_async()
        await wait_until(lambda: recorder.seqs == [1, 2, 3], timeout=5)
        assert store.calls == [("topic:1", 1, None)]

        await hub.publish(event("topic:1", 4))
        await wait_until(lambda: recorder.seqs == [1, 2, 3, 4])
    finally:
        await hub.stop()
