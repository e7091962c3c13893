"""The engine, and transactions that run hooks only after they commit.

SQLite: WAL, foreign keys on, and writes start with `BEGIN IMMEDIATE`
(behind an in-process lock) so concurrent writers queue instead of failing
to upgrade a read lock. PostgreSQL: asyncpg with short connect and statement
timeouts, so a server that is down *or that stops answering* (frozen, or
behind a network partition) fails a request within `CONNECT_TIMEOUT +
STATEMENT_TIMEOUT` seconds instead of hanging it, and a ping before using a
connection that sat idle (`liveness.py`) so the pool recovers by itself when
the server returns. Migrations get no statement
timeout: a long ALTER is not an outage.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from cps.storage import liveness, sqlite_driver

log = logging.getLogger("cps.storage")

AfterCommit = Callable[[], Awaitable[None]]
BeforeCommit = Callable[[], Awaitable[None]]


@dataclass
class Transaction:
    """A write transaction: its session, what to do in it once its work is done
    (just before it commits), and what to do once it has committed."""

    session: AsyncSession
    hooks: list[AfterCommit] = field(default_factory=list)
    finish: list[BeforeCommit] = field(default_factory=list)
    # The events it has recorded, written together just before it commits
    # (storage/events.py).
    events: list[Any] = field(default_factory=list)

    def after_commit(self, hook: AfterCommit) -> None:
        self.hooks.append(hook)

    def before_commit(self, hook: BeforeCommit) -> None:
        """`hook` runs in the transaction after its work, in the order given; a hook
        may add another. One that raises rolls the transaction back."""
        self.finish.append(hook)


def _sqlite_setup(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us emit BEGIN ourselves (see `_on_begin`).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # Some files cannot be in WAL mode (in memory, some file systems): then a
        # writer may wait on readers, and nothing runs on the event loop's thread.
        sqlite_driver.mark_wal(dbapi_connection, str(cursor.fetchone()[0]))
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={sqlite_driver.BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Its commits checkpoint the WAL in aiosqlite's thread, not on the event
        # loop (sqlite_driver.CHECKPOINT_EVERY).
        cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        options = conn.get_execution_options()
        if options.get("cps_one_statement", False):
            return  # Database.read_one: SQLite's autocommit, no transaction
        if not options.get("cps_write", False):
            conn.exec_driver_sql("BEGIN")
            return
        adapted = conn.connection.dbapi_connection
        if isinstance(adapted, sqlite_driver.OneTripConnection):
            # On the loop unless it must wait; then the write lock is held, and the
            # driver's own statements need no trip.
            adapted.begin_immediate()
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def async_url(url: str) -> str:
    """The URL with the async driver of its database."""
    scheme, rest = url.split(":", 1)
    if scheme in {"sqlite", "sqlite+aiosqlite"}:
        return "sqlite+aiosqlite:" + rest
    if scheme in {"postgres", "postgresql", "postgresql+asyncpg"}:
        return "postgresql+asyncpg:" + rest
    return url


# PostgreSQL, in seconds. A request's statements are milliseconds; one that
# waits this long means the server no longer answers (the pool's ping obeys
# it too). Together they keep a write against a lost server under 5 s.
CONNECT_TIMEOUT = 1.5
STATEMENT_TIMEOUT = 2.0
POOL_TIMEOUT = 5.0


def make_engine(url: str, *, statement_timeout: float | None = None) -> AsyncEngine:
    """An engine for `url`; `statement_timeout` bounds each PostgreSQL statement
    (None: no bound, for migrations)."""
    url = async_url(url)
    if url.startswith("sqlite"):
        # Each statement in one trip to aiosqlite's thread, or in a write transaction
        # none for the driver's own statements (sqlite_driver.py): the connection is
        # then used on the event loop's thread too, one user at a time.
        engine = create_async_engine(url, pool_size=8, max_overflow=8,
                                     module=sqlite_driver.dbapi(),
                                     connect_args={"check_same_thread": False})
        _sqlite_setup(engine)
        return engine
    engine = create_async_engine(
        url,
        pool_size=10,
        max_overflow=20,
        pool_timeout=POOL_TIMEOUT,
        # The connection last returned is the next taken: a busy process reuses a few
        # connections within the second, which need no ping (liveness.py); the rest
        # age in the pool, and are pinged when a burst reaches them.
        pool_use_lifo=True,
        connect_args={"timeout": CONNECT_TIMEOUT, "command_timeout": statement_timeout},
    )
    # A connection is pinged before use when it sat idle (liveness.py), not every time.
    liveness.ping_when_idle(engine)
    return engine


class Database:
    """Owns the engine; hands out read sessions and write transactions."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url, statement_timeout=STATEMENT_TIMEOUT)
        self.is_sqlite = url.startswith("sqlite")
        self._read = async_sessionmaker(self.engine, expire_on_commit=False)
        self._write = async_sessionmaker(
            self.engine.execution_options(cps_write=True), expire_on_commit=False
        )
        self._sqlite_write_lock = asyncio.Lock() if self.is_sqlite else None

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reading; whatever it wrote is rolled back."""
        async with self._read() as session:
            yield session

    @asynccontextmanager
    async def read_one(self) -> AsyncIterator[AsyncConnection]:
        """A connection for one read statement, outside any transaction: in
        autocommit each statement sees one consistent state of the database, so
        a lone read needs no BEGIN and no ROLLBACK around it (two trips fewer on
        SQLite, two round trips fewer on PostgreSQL). For the read every request
        makes first: whose token it carries."""
        async with self.engine.connect() as conn:
            if self.is_sqlite:
                yield await conn.execution_options(cps_one_statement=True)
            else:
                yield await conn.execution_options(isolation_level="AUTOCOMMIT")

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Transaction]:
        """One write transaction. Commits on success, rolls back on error;
        after-commit hooks run only after a successful commit."""
        lock: AbstractAsyncContextManager[Any] = self._sqlite_write_lock or nullcontext()
        async with lock:
            async with self._write() as session:
                tx = Transaction(session)
                async with session.begin():
                    yield tx
                    if tx.finish:
                        # What the ORM holds back is written first, so that the hooks
                        # (the events: the channels' row locks) come last.
                        await session.flush()
                    while tx.finish:
                        await tx.finish.pop(0)()
        for hook in tx.hooks:
            try:
                await hook()
            except Exception:
                log.exception("after-commit hook failed", extra={"hook": repr(hook)})

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
