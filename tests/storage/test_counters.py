"""Throttle counters: in this process, and shared through Redis by every process.

The behaviour tests run on both; the sharing and the outage tests need Redis."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator

import pytest
import redis

from cps.storage.counters import PREFIX, RedisThrottle
from cps.storage.throttle import LocalThrottle, Throttle
from tests.support.servers import SHARED_REDIS, free_port

SECRET = "test-secret-key-0123456789"

pytestmark = pytest.mark.anyio


@pytest.fixture
async def shared(shared_redis_up: bool) -> AsyncIterator[list[RedisThrottle]]:
    """Two RedisThrottles on the shared Redis: two processes of one deployment."""
    if not shared_redis_up:
        pytest.skip(f"no Redis at {SHARED_REDIS}")
    pair = [RedisThrottle(SHARED_REDIS, SECRET), RedisThrottle(SHARED_REDIS, SECRET)]
    yield pair
    for throttle in pair:
        await throttle.close()


@pytest.fixture(params=["local", "redis"])
async def throttle(request: pytest.FixtureRequest, shared_redis_up: bool) -> AsyncIterator[Throttle]:
    if request.param == "local":
        yield LocalThrottle()
        return
    if not shared_redis_up:
        pytest.skip(f"no Redis at {SHARED_REDIS}")
    counters = RedisThrottle(SHARED_REDIS, SECRET)
    yield counters
    await counters.close()


@pytest.fixture
def key() -> str:
    return f"test:{uuid.uuid4().hex}"


async def test_hits_pass_up_to_the_limit_then_wait_for_the_window(
    throttle: Throttle, key: str
) -> None:
    assert [await throttle.hit(key, 3, 60) for _ in range(3)] == [None, None, None]
    wait = await throttle.hit(key, 3, 60)
    assert wait is not None and 59 <= wait <= 60
    assert await throttle.retry_after(key, 3) == wait
    assert await throttle.retry_after(f"{key}:other", 3) is None


async def test_a_new_window_starts_over_and_refused_hits_were_not_counted(
    throttle: Throttle, key: str
) -> None:
    assert await throttle.hit(key, 1, 0.5) is None
    for _ in range(5):
        assert await throttle.hit(key, 1, 0.5) == 1
    await asyncio.sleep(0.6)
    assert await throttle.retry_after(key, 1) is None
    assert await throttle.hit(key, 1, 0.5) is None


async def test_reset_forgets_the_hits(throttle: Throttle, key: str) -> None:
    for _ in range(2):
        await throttle.hit(key, 2, 60)
    assert await throttle.retry_after(key, 2) is not None
    await throttle.reset(key)
    assert await throttle.retry_after(key, 2) is None
    assert await throttle.hit(key, 2, 60) is None


async def test_processes_sharing_redis_count_together(
    shared: list[RedisThrottle], key: str
) -> None:
    one, two = shared
    assert [await one.hit(key, 5, 60) for _ in range(3)] == [None] * 3
    assert [await two.hit(key, 5, 60) for _ in range(2)] == [None] * 2
    assert await one.hit(key, 5, 60) is not None
    assert await two.hit(key, 5, 60) is not None
    assert await two.retry_after(key, 5) is not None
    await one.reset(key)
    assert await two.hit(key, 5, 60) is None


async def test_concurrent_hits_from_two_processes_never_pass_the_limit_together(
    shared: list[RedisThrottle], key: str
) -> None:
    one, two = shared
    answers = await asyncio.gather(
        *[(one if n % 2 else two).hit(key, 7, 60) for n in range(40)]
    )
    assert sum(answer is None for answer in answers) == 7
    client = redis.Redis.from_url(SHARED_REDIS)
    try:
        stored = one.redis_key(key)
        assert stored.startswith(PREFIX) and key not in stored  # what is counted is not stored
        assert int(client.get(stored) or 0) == 7  # refused hits are not counted
        assert 0 < client.pttl(stored) <= 60_000  # Redis expires the window
    finally:
        client.close()


async def test_without_redis_each_process_counts_for_itself_and_says_so_once(
    key: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="cps.throttle")
    counters = RedisThrottle(f"redis://127.0.0.1:{free_port()}/0", SECRET)  # nothing listens there
    try:
        assert [await counters.hit(key, 2, 60) for _ in range(2)] == [None, None]
        assert await counters.hit(key, 2, 60) is not None
        assert await counters.retry_after(key, 2) is not None
        await counters.reset(key)
        assert await counters.hit(key, 2, 60) is None
    finally:
        await counters.close()
    warnings = [r for r in caplog.records if r.name == "cps.throttle"]
    assert len(warnings) == 1
    assert "counting in this process" in warnings[0].getMessage()
