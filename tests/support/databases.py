"""Test databases: a migrated SQLite template copied per test; on PostgreSQL one
migrated database per test session, emptied between tests, and databases of their own
for the tests that need one, emptied and reused, dropped at the run's end (by the
pytest hooks in tests/conftest.py: a script that makes one outside pytest drops it)."""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
import uuid
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import asyncpg

from cps.storage.migrations import upgrade

T = TypeVar("T")

PG_ADMIN_URL = os.environ.get("CPS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def dsn(url: str) -> str:
    """`url` as asyncpg takes it (no SQLAlchemy driver name)."""
    return url.replace("postgresql+asyncpg://", "postgresql://")


def pg_url_for(name: str) -> str:
    base = dsn(PG_ADMIN_URL).rsplit("/", 1)[0]
    return f"{base}/{name}"


# A DROP DATABASE makes PostgreSQL (15) write and fsync every dirty file of every
# database at once (an immediate checkpoint): mid-run that stalled the shared server
# for up to 9 s (18,000 files), long enough for the other workers' statements to pass
# the server's 2 s bound and answer 503. So a database a test is done with is emptied
# (its schema dropped, which forces no checkpoint) and handed to the next test in
# this process that asks for one; the run's first process drops them all at its end
# (`drop_run_databases`). Each is named for the run (RUN_VAR, set by that first
# process and inherited by the xdist workers it starts).
RUN_VAR = "CPS_TEST_PG_RUN"
_spare: list[str] = []


def new_run_id() -> str:
    return uuid.uuid4().hex[:8]


def run_id() -> str:
    """This test run's id, in the name of every database it makes."""
    return os.environ.setdefault(RUN_VAR, new_run_id())


async def create_pg_database(prefix: str = "cps_test") -> str:
    """An empty database (an emptied one of this process's when it has one)."""
    if _spare:
        return pg_url_for(_spare.pop())
    name = f"{prefix}_{run_id()}_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(dsn(PG_ADMIN_URL))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
        # A test's commit need not wait for the disk (nothing here outlives a crash of
        # the machine); a kill of PostgreSQL itself is tested on private instances.
        await conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    finally:
        await conn.close()
    return pg_url_for(name)


async def release_pg_database(url: str) -> None:
    """Done with the database at `url`: whoever is still connected is disconnected,
    its schema is emptied, and the next `create_pg_database` here gets it."""
    name = url.rsplit("/", 1)[1]
    _emptier.forget(url)
    conn = await asyncpg.connect(dsn(url))
    try:
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    finally:
        await conn.close()
    _spare.append(name)


def drop_run_databases_if_any() -> None:
    """At the run's end: drop its databases, if there is a PostgreSQL to ask."""
    try:
        run_sync(drop_run_databases(run_id()))
    except (OSError, asyncpg.PostgresError):
        pass  # no shared PostgreSQL here: the run made no database on it


async def drop_run_databases(run: str) -> list[str]:
    """Drop every database of the run `run` (at its end: no test is using them)."""
    conn = await asyncpg.connect(dsn(PG_ADMIN_URL), timeout=5)
    try:
        names = [r["datname"] for r in await conn.fetch(
            "SELECT datname FROM pg_database WHERE datname ~ $1",
            f"^cps_[a-z_]+_{run}_[0-9a-f]{{10}}$")]
        for name in names:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
    return names


@contextmanager
def migrated_pg_database(prefix: str) -> Iterator[str]:
    """A fresh, migrated database on the shared PostgreSQL, released afterwards
    (for synchronous fixture code)."""
    url = run_sync(create_pg_database(prefix))
    run_sync(upgrade(url))
    try:
        yield url
    finally:
        run_sync(release_pg_database(url))


@dataclass(frozen=True)
class _Emptying:
    """What empties one database: its tables, and its sequences with where each starts."""

    tables: tuple[str, ...]
    sequences: tuple[tuple[str, int], ...]


# Read once per database: the session's schema does not change between its tests.
_emptying: dict[str, _Emptying] = {}


async def _emptying_of(conn: asyncpg.Connection, url: str) -> _Emptying:
    if url not in _emptying:
        tables = tuple(r["tablename"] for r in await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname='public' "
            "AND tablename <> 'alembic_version' ORDER BY tablename"))
        sequences = tuple((r["sequencename"], int(r["start_value"])) for r in await conn.fetch(
            "SELECT sequencename, start_value FROM pg_sequences WHERE schemaname='public' "
            "ORDER BY sequencename"))
        _emptying[url] = _Emptying(tables, sequences)
    return _emptying[url]


async def truncate_pg(url: str, conn: asyncpg.Connection | None = None) -> None:
    """Empty every table and restart every id sequence, between two tests (on `conn`,
    else on a connection of its own).

    DELETE with triggers off (`session_replication_role = replica`: no foreign
    key checks, no append-only guards) takes ~5 ms where TRUNCATE of the tables
    took ~130 ms; over a thousand PostgreSQL tests that is two minutes of the
    suite. A sequence restarts with `setval` (ALTER SEQUENCE RESTART gives it a new
    file each time). A role that may not turn triggers off gets the TRUNCATE."""
    own = conn is None
    conn = conn or await asyncpg.connect(dsn(url))
    try:
        emptying = await _emptying_of(conn, url)
        if not emptying.tables:
            return
        restarts = [f"SELECT setval('\"{name}\"', {start}, false)"
                    for name, start in emptying.sequences]
        try:
            async with conn.transaction():
                await conn.execute("SET LOCAL session_replication_role = replica")
                await conn.execute("; ".join(
                    [f'DELETE FROM "{t}"' for t in emptying.tables] + restarts))
        except asyncpg.InsufficientPrivilegeError:
            await conn.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in emptying.tables)
                               + " RESTART IDENTITY CASCADE")
    finally:
        if own:
            await conn.close()


class _Emptier:
    """Empties the session's database between tests from synchronous fixture code, on
    one connection kept open on an event loop of its own (a new connection per test
    was most of the time: a PostgreSQL backend started and its catalogs read)."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._connections: dict[str, asyncpg.Connection] = {}

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            threading.Thread(target=self._loop.run_forever, name="pg-emptier",
                             daemon=True).start()
        return self._loop

    async def _empty(self, url: str) -> None:
        conn = self._connections.get(url)
        if conn is None or conn.is_closed():
            conn = self._connections[url] = await asyncpg.connect(dsn(url))
        await truncate_pg(url, conn)

    async def _close(self, url: str) -> None:
        conn = self._connections.pop(url, None)
        if conn is not None and not conn.is_closed():
            await conn.close()

    def empty(self, url: str) -> None:
        asyncio.run_coroutine_threadsafe(self._empty(url), self._running_loop()).result()

    def forget(self, url: str) -> None:
        """Close the connection to `url` (the database is being released)."""
        if self._loop is not None:
            asyncio.run_coroutine_threadsafe(self._close(url), self._loop).result()
        _emptying.pop(url, None)


_emptier = _Emptier()


def empty_pg(url: str) -> None:
    """`truncate_pg` for synchronous fixture code, on a connection kept between tests."""
    _emptier.empty(url)


def sqlite_template(folder: Path) -> Path:
    path = folder / "template.db"
    if not path.exists():
        run_sync(upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


def sqlite_copy(template: Path, folder: Path) -> str:
    target = folder / f"cps-{uuid.uuid4().hex[:8]}.db"
    shutil.copyfile(template, target)
    return f"sqlite+aiosqlite:///{target}"


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from synchronous fixture code, in a thread of
    its own, so it works whether or not an event loop is running here."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
