"""Fixtures for the broker tests: both backends, a fake event store, hubs."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from cps.broker import Hub, make_hub
from tests.support.servers import SHARED_REDIS, RedisServer, private_redis

from .support import HubFactory, Store


@pytest.fixture(params=["memory", "redis"])
def redis_url(request: pytest.FixtureRequest, shared_redis_up: bool) -> str | None:
    """The broker configuration: None for memory, the shared Redis otherwise."""
    if request.param == "memory":
        return None
    if not shared_redis_up:
        pytest.skip(f"no Redis at {SHARED_REDIS}")
    return SHARED_REDIS


@pytest.fixture
def channel() -> str:
    return f"test:{uuid.uuid4().hex}"


@pytest.fixture
def store() -> Store:
    return Store()


@pytest.fixture
async def hubs(redis_url: str | None, store: Store) -> AsyncIterator[HubFactory]:
    """Build started hubs on the backend under test; they are stopped afterwards."""
    started: list[Hub] = []

    async def build(reorder_delay: float = 0.2) -> Hub:
        hub = make_hub(redis_url, store.fill_gap, reorder_delay=reorder_delay)
        await hub.start()
        started.append(hub)
        return hub

    yield build
    for hub in started:
        await hub.stop()


@pytest.fixture
async def shared_client(shared_redis_up: bool) -> AsyncIterator[Any]:
    from redis.asyncio import Redis

    client = Redis.from_url(SHARED_REDIS)
    yield client
    await client.aclose()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A started private redis-server of the test's own, to kill, freeze and restart."""
    with private_redis(tmp_path) as server:
        yield server
