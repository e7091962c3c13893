"""Both brokers behind the same interface."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from cps.broker import Broker, MemoryBroker, RedisBroker, make_broker
from tests.support.servers import RedisServer, free_port

from .support import wait_until

pytestmark = pytest.mark.anyio

BrokerFactory = Callable[[], Awaitable[tuple[Broker, list[tuple[str, bytes]]]]]


@pytest.fixture
async def brokers(redis_url: str | None) -> AsyncIterator[BrokerFactory]:
    started: list[Broker] = []

    async def build() -> tuple[Broker, list[tuple[str, bytes]]]:
        received: list[tuple[str, bytes]] = []
        broker = make_broker(redis_url, lambda c, p: received.append((c, p)), None)
        await broker.start()
        started.append(broker)
        return broker, received

    yield build
    for broker in started:
        await broker.stop()


def test_make_broker_picks_the_backend() -> None:
    def ignore(channel: str, payload: bytes) -> None:
        return None

    assert isinstance(make_broker(None, ignore, None), MemoryBroker)
    assert isinstance(make_broker("redis://127.0.0.1:1/0", ignore, None), RedisBroker)


async def test_delivers_only_subscribed_channels(brokers: BrokerFactory, channel: str) -> None:
    broker, received = await brokers()
    other = channel + ":other"
    await broker.subscribe(channel)
    await broker.subscribe(channel)  # idempotent
    assert broker.healthy
    assert broker.channels == {channel}

    await broker.publish(other, b"nobody listens")
    await broker.publish(channel, b"one")
    await broker.publish(channel, b"two")
    await wait_until(lambda: len(received) == 2)
    assert received == [(channel, b"one"), (channel, b"two")]

    await broker.unsubscribe(channel)
    await broker.unsubscribe(channel)  # idempotent
    assert broker.channels == frozenset()
    await broker.subscribe(other)
    await broker.publish(channel, b"gone")
    await broker.publish(other, b"three")
    await wait_until(lambda: len(received) == 3)
    assert received[2] == (other, b"three")
    assert await broker.ping()


async def test_memory_publish_does_not_call_back_into_the_caller(channel: str) -> None:
    received: list[tuple[str, bytes]] = []
    broker = MemoryBroker(lambda c, p: received.append((c, p)))
    await broker.start()
    await broker.subscribe(channel)
    await broker.publish(channel, b"later")
    assert received == []
    await wait_until(lambda: received == [(channel, b"later")])
    await broker.stop()


async def test_redis_down_publish_drops_quickly_and_ping_fails() -> None:
    received: list[tuple[str, bytes]] = []
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    broker = RedisBroker(url, lambda c, p: received.append((c, p)), connect_timeout=0.5)
    await broker.start()
    try:
        assert not broker.healthy
        await broker.subscribe("test:down")
        assert broker.channels == {"test:down"}
        started = time.monotonic()
        await broker.publish("test:down", b"dropped")
        assert await broker.ping() is False
        assert time.monotonic() - started < 2.5
    finally:
        await broker.stop()


@pytest.mark.slow
async def test_redis_publish_times_out_while_redis_hangs(redis_server: RedisServer) -> None:
    broker = RedisBroker(redis_server.url, lambda c, p: None, publish_timeout=0.3)
    await broker.start()
    redis_server.freeze()
    try:
        started = time.monotonic()
        await broker.publish("test:hang", b"dropped")
        assert await broker.ping() is False
        assert time.monotonic() - started < 1.5
    finally:
        redis_server.thaw()
        await broker.stop()
