"""Pooled PostgreSQL connections are pinged before use only when they sat idle
(cps/storage/liveness.py): a connection that died while idle is replaced before a
request meets it; one used moments ago is trusted, and if it died meanwhile the
statement that meets it fails and the pool is recycled behind it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from cps.storage import liveness
from cps.storage.database import Database
from tests.support.backends import pooled_backends

pytestmark = pytest.mark.anyio

IDLE = 0.3


@pytest.fixture
async def db(pg_session_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Database]:
    monkeypatch.setattr(liveness, "IDLE_PING", IDLE)
    database = Database(pg_session_url)
    yield database
    await database.dispose()


@pytest.fixture
def pings(db: Database, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Each ping the pool makes (the dialect's real ping, counted)."""
    made: list[Any] = []
    real = db.engine.dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        made.append(dbapi_connection)
        return real(dbapi_connection)

    monkeypatch.setattr(db.engine.dialect, "do_ping", counted)
    return made


async def _backend(db: Database) -> int:
    return (await pooled_backends(db))[0]


async def test_a_busy_pool_does_not_ping_and_an_idle_one_does(
    db: Database, pings: list[Any]
) -> None:
    first = await _backend(db)
    for _ in range(5):
        assert await _backend(db) == first  # the same connection, back at once
    assert pings == []
    await asyncio.sleep(IDLE + 0.2)
    assert await _backend(db) == first
    assert len(pings) == 1


async def test_a_pool_grown_by_a_burst_reuses_its_freshest_connection(
    db: Database, pings: list[Any]
) -> None:
    """After a burst opened three connections, requests a little apart take the one
    used last, not each in turn (which would leave each idle long enough to ping)."""
    async with db.read() as a, db.read() as b, db.read() as c:
        for session in (a, b, c):
            await session.execute(text("SELECT 1"))
    started = asyncio.get_running_loop().time()
    while asyncio.get_running_loop().time() - started < IDLE * 3:
        await _backend(db)
        await asyncio.sleep(IDLE / 2)
    assert pings == []


async def test_a_connection_that_died_while_idle_is_replaced_before_use(
    db: Database, pings: list[Any], kill: Callable[[int], Awaitable[None]]
) -> None:
    first = await _backend(db)
    await kill(first)
    await asyncio.sleep(IDLE + 0.2)
    second = await _backend(db)  # no error: the ping found it dead
    assert second != first
    assert pings


async def test_a_connection_that_died_moments_ago_fails_once_then_the_pool_heals(
    db: Database, pings: list[Any], kill: Callable[[int], Awaitable[None]]
) -> None:
    pids = await pooled_backends(db, 2)
    for pid in pids:
        await kill(pid)
    with pytest.raises(DBAPIError) as failed:
        await _backend(db)
    assert failed.value.connection_invalidated
    # The disconnect recycled the whole pool: the other dead connection is not met.
    after = {await _backend(db) for _ in range(3)}
    assert not after & set(pids)
    assert pings == []  # none of this was the ping's doing
