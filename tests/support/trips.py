"""What a request costs the database, counted so that a change that adds to it shows
in a test (the benchmarks under bench/ measure the time): the statements SQLAlchemy
runs and those run on the driver itself (`statements`; cps/storage/asyncpg_driver.py
and sqlite_driver.py),
and the trips to aiosqlite's thread (`trips`,
cps/storage/sqlite_driver.py): the name of each function sent there, in order
("_run" is one statement)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import event

from cps.services.context import Context
from cps.storage import asyncpg_driver, sqlite_driver
from cps.storage.compiled import dialect_of


@contextmanager
def statements(ctx: Context) -> Iterator[list[str]]:
    """Each statement the app's engine runs meanwhile, squeezed onto one line."""
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(" ".join(statement.split())[:160])

    drivers: list[Any] = [asyncpg_driver.Direct, sqlite_driver.Direct]
    real: list[Any] = [driver.fetch for driver in drivers]

    def counting(fetch: Any) -> Any:
        async def direct(self: Any, session: Any, params: Any) -> Any:
            count(None, None, self.compiled(dialect_of(session)).sql)
            return await fetch(self, session, params)
        return direct

    simple: Any = asyncpg_driver._simple

    async def simple_counted(connection: Any, sql: str) -> None:
        # A simple query of several: the BEGIN is not counted (nor is it elsewhere).
        for part in sql.split(";"):
            if part.strip() and not part.strip().startswith("BEGIN"):
                count(None, None, part)
        await simple(connection, sql)

    engine = ctx.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    for driver, fetch in zip(drivers, real, strict=True):
        driver.fetch = counting(fetch)
    asyncpg_driver._simple = simple_counted
    try:
        yield seen
    finally:
        for driver, fetch in zip(drivers, real, strict=True):
            driver.fetch = fetch
        asyncpg_driver._simple = simple
        event.remove(engine, "before_cursor_execute", count)


@contextmanager
def trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The trips to aiosqlite's thread meanwhile. The process's count of commits
    since a checkpoint starts again at 0, so that none of them (one in
    `sqlite_driver.CHECKPOINT_EVERY`, and the one after) goes there by chance."""
    made: list[str] = []
    real: Any = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        made.append(getattr(fn, "__name__", repr(fn)))
        return await real(self, fn, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(aiosqlite.Connection, "_execute", counted)
        sqlite_driver.OneTripConnection.commits_unchecked = 0
        sqlite_driver.OneTripConnection.wal_restarts = False
        yield made
