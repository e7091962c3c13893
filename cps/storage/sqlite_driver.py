"""SQLite under asyncio: each statement in one trip to the driver's thread.

aiosqlite runs sqlite3 in a thread of its own, and every call on it is a trip
there and back: a queue put, the thread woken, the answer handed back to the
event loop, the awaiting request resumed. SQLAlchemy's aiosqlite adapter makes
three or four such trips per statement (open a cursor, execute, fetch the rows,
close the cursor); a citizen's post runs about twenty statements, so about
seventy trips, and the trips, not SQLite, were most of what the database cost a
post (`bench/write.py`, docs/scaling.md).

This adapter keeps SQLAlchemy's aiosqlite dialect and changes only the cursor:
`execute` sends one function to aiosqlite's thread that opens a sqlite3 cursor,
executes, fetches every row, notes the description, row count and last row id,
and closes it. SQLAlchemy then reads the rows from memory, as its own adapter
does after its fetch. Server-side cursors (`stream`) keep SQLAlchemy's cursor.

`run_on_sqlite3` goes further for the few writes every post makes: it runs a
function of several statements on the sqlite3 connection in one trip (`storage/events.py`:
a channel's next seq and its event row). `Direct` runs a Core statement compiled
once (`compiled.py`: the same SQL, values and rows as through SQLAlchemy) in one
trip, past SQLAlchemy's per-statement work (`portable.Hot`: the statements every
post runs).

Inside a write transaction, once its `BEGIN IMMEDIATE` has returned, those two
make no trip at all: they run on the event loop's thread, on the same sqlite3
connection (`holds_write_lock`). The trip is what costs (about 130 µs of CPU
across the two threads on this project's benchmark machine, where such a
statement takes tens of µs in SQLite), and there is nothing to wait for: the
transaction holds SQLite's write lock, and in WAL mode (checked when the
connection opens: without it, no statement runs on the loop) no reader blocks a
writer, so a statement can only run, never wait on another connection. Every
statement SQLAlchemy runs still goes to the thread. The queue to the thread is
first in, first out and one transaction uses the connection at a time, so when
the BEGIN has come back nothing else is running on it. The connection is opened
with `check_same_thread=False` (database.py) for that reason.

What could wait is tried on the loop without waiting (`_on_loop`: the busy
timeout 0 meanwhile), and sent to the thread, where it waits up to the busy
timeout, if SQLite answers that another connection holds the lock: the `BEGIN
IMMEDIATE` (`OneTripConnection.begin_immediate`; in this process writes queue
on a lock of their own, so only another process, a `cps` command, makes it
wait) and a `Direct` SELECT outside any transaction (`Database.read_one`: whose
token a request carries; in WAL mode a reader waits only on rare occasions).
A small write's COMMIT (`COMMIT_ON_LOOP_CHANGES` rows) runs on the loop too: in
WAL mode with `synchronous=NORMAL` it appends the transaction's pages to the
WAL, with no fsync. What would stop the loop is the checkpoint a commit makes
when the WAL has grown (copying pages into the database and syncing both): the
server's connections make none when they commit (`wal_autocheckpoint=0`,
database.py), and the commits `CHECKPOINT_EVERY` speaks of go to the thread and
checkpoint there (PASSIVE: it waits for nobody), as does the one that starts the
WAL again (it syncs the WAL's header).

Nothing runs on the loop on a connection while aiosqlite's thread may still run a
call on it: a caller cancelled while its call was in the thread gives the
connection back to the pool before the call ends. `OneTripConnection.in_thread`
counts the calls sent (on the loop) and finished (in the thread); until the two
match (`idle`), everything goes to the thread, first in, first out, behind it.

What runs on the loop holds it: a `Direct` read whose work grows with the data
(a topic's audience: thousands of watchers are a hundred milliseconds of SQLite)
is made with `steps`, and runs on the loop only as long as it stays within that
many steps of SQLite's virtual machine (most audiences are one or two people, a
few hundred steps; a lone read has `LOOP_STEPS`): a progress handler stops it
there and it runs again in the thread (a SELECT stopped part way undoes
nothing). One made with `inline=False` always goes to the thread. Every
`YIELD_EVERY` statements run on the loop the transaction lets the loop serve
others once (an act that tells thousands of people writes an event for each).

It reaches aiosqlite's thread through `Connection._execute` and the sqlite3
connection through `Connection._conn`, as SQLAlchemy's own adapter does for
`isolation_level`; tests/storage/test_sqlite_driver.py pins what it relies on.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql import ClauseElement
from sqlalchemy.util import immutabledict
from sqlalchemy.util.concurrency import await_

from cps.storage.compiled import Statement, dialect_of, pooled

T = TypeVar("T")

# What one trip answers: description, row count, last row id, rows.
Outcome = tuple[Any, int, int | None, list[Any]]


def _run(conn: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> Outcome:
    """In aiosqlite's thread: the whole statement, its cursor closed before returning."""
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A DBAPI cursor whose statement runs in one trip; its results live in memory."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")
    _awaitable_cursor_close = False

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        # No sqlite3 cursor is opened here (that would be a trip of its own).
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._soft_closed_memoized = immutabledict()
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        pass

    async def _async_soft_close(self) -> None:
        return None  # already closed, in the trip that ran it

    def close(self) -> None:
        self._rows.clear()

    async def _trip(self, operation: str, parameters: Any, many: bool) -> None:
        """The statement in one trip; a driver's error raised as SQLAlchemy's."""
        try:
            async with self._adapt_connection._execute_mutex:
                adapted = cast("OneTripConnection", self._adapt_connection)
                outcome: Outcome = await adapted.in_thread(
                    _run, self._connection._conn, operation, parameters, many)
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        self._description, self._rowcount, self._lastrowid, rows = outcome
        self._rows = collections.deque(rows)

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        await_(self._trip(operation, parameters, False))

    def executemany(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        await_(self._trip(operation, seq_of_parameters, True))


YIELD_EVERY = 16  # statements run on the loop between two turns given to the others
# What SQLite's virtual machine may spend on the event loop on a read whose work
# grows with the data, or a read outside a transaction: about what a trip to
# aiosqlite's thread costs (docs/storage.md).
LOOP_STEPS = 20_000


# A write transaction that changed at most this many rows (its triggers' included)
# commits on the event loop: appending its pages to the WAL, no checkpoint, and with
# `synchronous=NORMAL` no fsync, but after a checkpoint, when the WAL starts again
# and syncs its header. A larger one commits in the thread.
COMMIT_ON_LOOP_CHANGES = 200
# The server's connections do not checkpoint when they commit (`wal_autocheckpoint=0`,
# database.py: a checkpoint copies pages and syncs, not for the loop). Every this many
# commits, one commits in aiosqlite's thread and checkpoints there (PASSIVE: it waits
# for nobody), as does every large one. While the WAL holds more than
# WAL_FRAMES_LIMIT frames (readers kept checkpoints from finishing, or the WAL from
# starting again), every commit does, as SQLite's own checkpoints on commit would;
# and so does the one after a checkpoint that finished, which starts the WAL again
# and syncs its new header.
CHECKPOINT_EVERY = 100
WAL_FRAMES_LIMIT = 1_000

log = logging.getLogger("cps.storage")


def _begin_immediate(conn: sqlite3.Connection) -> None:
    conn.execute("BEGIN IMMEDIATE")


def _commit(conn: sqlite3.Connection) -> None:
    conn.execute("COMMIT")


def _commit_and_checkpoint(conn: sqlite3.Connection) -> tuple[bool, int]:
    """COMMIT then a PASSIVE checkpoint: (whether it copied the whole WAL, the frames
    the WAL holds). A failed checkpoint, (False, -1), does not fail the commit, which
    has happened (SQLite's own checkpoints on commit ignore theirs too)."""
    conn.execute("COMMIT")
    try:
        busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    except sqlite3.Error as error:
        log.warning("checkpoint failed", extra={"error": str(error)})
        return False, -1
    return not busy and frames == copied, int(frames)


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("changes_before", "done", "inline_runs", "sent", "wal", "write_locked")
    _cursor_cls = OneTripCursor  # type: ignore[assignment]  # a subclass of it
    # Commits by this process's connections since one last checkpointed (set to
    # CHECKPOINT_EVERY: the next commit is to checkpoint), and whether a checkpoint
    # finished since the last commit (the next starts the WAL again).
    commits_unchecked = 0
    wal_restarts = False

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        # Set once this connection's BEGIN IMMEDIATE has returned (database.py), until
        # its transaction ends: see `holds_write_lock`.
        self.write_locked = False
        self.wal = False  # its journal is the WAL (database.py, when it opens)
        self.inline_runs = 0  # statements it ran on the event loop's thread
        self.changes_before = 0  # sqlite3's total_changes when its write began
        # Calls sent to aiosqlite's thread (counted on the loop) and finished there
        # (counted in the thread): while they differ, the thread may still be running
        # one whose caller was cancelled, and nothing runs on the loop (`idle`).
        self.sent = 0
        self.done = 0

    def idle(self) -> bool:
        """Whether aiosqlite's thread has finished every call sent to it on this
        connection, so that the loop may use the sqlite3 connection itself."""
        return self.sent == self.done

    async def in_thread(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` in aiosqlite's thread (first in, first out), counted."""
        self.sent += 1

        def counted() -> T:
            try:
                return fn(*args)
            finally:
                self.done += 1

        counted.__name__ = getattr(fn, "__name__", "call")  # what tests/support/trips sees
        result: T = await self._connection._execute(counted)
        return result

    def begin_immediate(self) -> None:
        """BEGIN IMMEDIATE: on the event loop's thread when no other connection holds
        the write lock (it cannot wait then), else in aiosqlite's thread, waiting up
        to the busy timeout for it (another process: a `cps` command). A refusal is
        SQLAlchemy's OperationalError (a 503), as from any statement."""
        raw: sqlite3.Connection = self._connection._connection
        try:
            done = False
            if self.wal and self.idle():  # (without WAL, a hot journal's replay)
                done, _ = _on_loop(raw, _begin_immediate, (), wait=False)
            if not done:
                await_(self.in_thread(_begin_immediate, raw))
        except sqlite3.Error as error:
            raise DBAPIError.instance("BEGIN IMMEDIATE", (), error, sqlite3.Error) from error
        except Exception as error:
            self._handle_exception(error)
        self.write_locked = True
        self.changes_before = raw.total_changes

    def commit(self) -> None:
        """COMMIT: a small write transaction (`COMMIT_ON_LOOP_CHANGES`) in WAL mode
        on the event loop's thread; any other, and those CHECKPOINT_EVERY speaks of,
        in aiosqlite's thread, followed there by a checkpoint when it is time."""
        raw: sqlite3.Connection | None = self._connection._connection
        small = (holds_write_lock(self) and raw is not None
                 and raw.total_changes - self.changes_before <= COMMIT_ON_LOOP_CHANGES)
        self.write_locked = False
        if raw is None or not raw.in_transaction:
            return None  # nothing to commit: no trip
        cls = type(self)
        cls.commits_unchecked += 1
        checkpoint = not small or cls.commits_unchecked >= CHECKPOINT_EVERY
        try:
            if not checkpoint and cls.wal_restarts:  # the WAL starts again: its header
                cls.wal_restarts = False             # is synced, in the thread
                await_(self.in_thread(_commit, raw))
                return None
            if not checkpoint and self.idle():
                done, _ = _on_loop(raw, _commit, (), wait=False)
                if done:
                    return None
            finished, frames = await_(self.in_thread(_commit_and_checkpoint, raw))
        except Exception as error:
            self._handle_exception(error)
        # A WAL past its limit (readers kept a checkpoint from finishing, or the WAL
        # from starting again), or a failed checkpoint: the next commit checkpoints
        # too (after one that finished, it starts the WAL again if no reader is in
        # it). Else, finished: the next commit starts the WAL again, in the thread.
        if not 0 <= frames <= WAL_FRAMES_LIMIT:
            cls.wal_restarts, cls.commits_unchecked = False, CHECKPOINT_EVERY
        else:
            cls.wal_restarts, cls.commits_unchecked = finished, 0
        return None

    def rollback(self) -> None:
        self.write_locked = False
        # The pool rolls back every connection it takes back, even one whose
        # transaction just committed or rolled back: with none open, no trip.
        raw: sqlite3.Connection | None = self._connection._connection
        if raw is None or not raw.in_transaction:
            return
        try:
            await_(self.in_thread(raw.rollback))
        except Exception as error:
            self._handle_exception(error)

    def close(self) -> None:
        self.write_locked = False
        super().close()


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The module SQLAlchemy's aiosqlite dialect connects with (`module=`)."""

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)


def dbapi() -> OneTripDBAPI:
    import aiosqlite

    return OneTripDBAPI(aiosqlite, sqlite3)


def holds_write_lock(adapted: Any) -> bool:
    """Whether this DBAPI connection is in a transaction that began with `BEGIN
    IMMEDIATE` (it holds SQLite's write lock): its statements may run on the event
    loop's thread (the module's docstring). False for any other connection."""
    if not isinstance(adapted, OneTripConnection) or not (adapted.write_locked
                                                           and adapted.wal):
        return False
    raw: sqlite3.Connection | None = adapted._connection._connection
    # SQLite ends a transaction by itself on some errors (a full disk): then not.
    return raw is not None and raw.in_transaction


def mark_wal(adapted: Any, journal_mode: str) -> None:
    """What `PRAGMA journal_mode=WAL` answered when the connection opened."""
    if isinstance(adapted, OneTripConnection):
        adapted.wal = journal_mode.lower() == "wal"


async def run_on_sqlite3(session: AsyncSession | AsyncConnection, fn: Callable[..., T],
                         *args: Any, inline: bool = True, steps: int | None = None,
                         read: bool = False) -> T:
    """`fn(connection, *args)` on the session's sqlite3 connection, in the session's
    transaction (on a connection: as it stands, e.g. `Database.read_one`'s
    autocommit): several statements in one trip to aiosqlite's thread, or none

    - in a write transaction (`holds_write_lock`) unless `inline` is False, or
      unless it takes more than `steps` of SQLite's virtual machine (work that grows
      with the data: stopped there, it runs again in the thread; only for an `fn`
      that writes nothing);
    - outside any transaction, for a `read` (an `fn` that writes nothing): unless
      it takes more than `steps` (`LOOP_STEPS` if None) or would wait for a lock.

    A sqlite3 error comes out as SQLAlchemy's (IntegrityError, OperationalError...)."""
    fairy = await pooled(session)
    driver: Any = fairy.driver_connection
    adapted = fairy.dbapi_connection
    try:
        if (inline and isinstance(adapted, OneTripConnection) and holds_write_lock(adapted)
                and adapted.idle()):
            adapted.inline_runs += 1
            if adapted.inline_runs % YIELD_EVERY == 0:
                await asyncio.sleep(0)  # the others' turn; the connection stays ours
            if steps is None:
                return fn(driver._conn, *args)
            done, answer = _on_loop(driver._conn, fn, args, steps=steps)
            if done:
                return cast(T, answer)
        elif read and inline and reads_alone(adapted):
            done, answer = _on_loop(driver._conn, fn, args, steps=steps or LOOP_STEPS,
                                    wait=False)
            if done:
                return cast(T, answer)
        if isinstance(adapted, OneTripConnection):
            result: T = await adapted.in_thread(fn, driver._conn, *args)
        else:
            result = await driver._execute(fn, driver._conn, *args)
    except sqlite3.Error as error:
        raise DBAPIError.instance(None, None, error, sqlite3.Error) from error
    return result


def reads_alone(adapted: Any) -> bool:
    """Whether this DBAPI connection is in WAL mode and outside any transaction
    (`Database.read_one`): a read there may run on the event loop's thread, if it
    would not wait (`_on_loop`)."""
    if not isinstance(adapted, OneTripConnection) or not adapted.wal or not adapted.idle():
        return False
    raw: sqlite3.Connection | None = adapted._connection._connection
    return raw is not None and not raw.in_transaction


BUSY_TIMEOUT_MS = 15_000  # how long a statement in the thread waits for a lock
_NO_WAIT = "PRAGMA busy_timeout=0"
_WAIT = f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}"


def _waits(error: sqlite3.Error) -> bool:
    """Whether SQLite answered that another connection holds what it needed."""
    return (getattr(error, "sqlite_errorcode", 0) & 0xFF) in (sqlite3.SQLITE_BUSY,
                                                              sqlite3.SQLITE_LOCKED)


def _on_loop(conn: sqlite3.Connection, fn: Callable[..., T], args: tuple[Any, ...], *,
             steps: int | None = None, wait: bool = True) -> tuple[bool, T | None]:
    """(True, `fn(conn, *args)`) run on this thread, or (False, None) if SQLite stopped
    it: past `steps` of its virtual machine (a read stopped part way undoes nothing;
    its transaction goes on), or, without `wait`, at the first lock another
    connection holds (nothing was done: it is to be run again where it may wait)."""
    stopped = False
    # SQLite calls the handler each `grain` steps counted over all the statement's runs
    # (sqlite3 keeps it in a cache), not from this run's start: the handler counts its
    # calls, and the run is stopped only past `steps` of its own. Stopping a small run
    # would cost more than its trip: CPython 3.11's sqlite3 never again reuses a cached
    # statement whose step failed (its reset answers the error), so each later run of
    # that statement on the connection would be prepared anew.
    grain = max(1, (steps or 0) // 16)
    calls, limit = 0, (steps or 0) // grain + 1

    def stop() -> int:
        nonlocal stopped, calls
        calls += 1
        if calls <= limit:
            return 0
        stopped = True
        return 1  # SQLite interrupts the statement

    if not wait:
        conn.execute(_NO_WAIT)
    # Only `fn` runs under the handler.
    if steps is not None:
        conn.set_progress_handler(stop, grain)
    try:
        return True, fn(conn, *args)
    except sqlite3.OperationalError as error:
        if stopped or (not wait and _waits(error)):
            return False, None
        raise
    finally:
        if steps is not None:
            conn.set_progress_handler(None, 0)
        if not wait:
            conn.execute(_WAIT)


def _fetch(conn: sqlite3.Connection, sql: str, args: list[Any]) -> list[Any]:
    cursor = conn.execute(sql, args)
    try:
        return cursor.fetchall()
    finally:
        cursor.close()


class Direct(Statement):
    """A Core statement run on sqlite3 itself, in one trip or, in a write
    transaction and for a SELECT outside any transaction, none unless `inline` is
    False (see the module's docstring)."""

    __slots__ = ("inline", "read", "steps")

    def __init__(self, statement: ClauseElement, *, inline: bool = True,
                 steps: int | None = None) -> None:
        """`steps`: in a write transaction, on the event loop's thread only as long as
        it takes at most that many of SQLite's virtual machine steps, else stopped
        and run again in the thread (`run_on_sqlite3`): for a read whose work grows
        with the data, most often small. Stopping a write part way would roll back
        its whole transaction: only a SELECT may have a bound."""
        super().__init__(statement)
        self.read = bool(getattr(statement, "is_select", False))
        if steps is not None and not self.read:
            raise ValueError("only a SELECT may be stopped part way (steps=)")
        self.inline = inline
        self.steps = steps

    async def fetch(self, session: AsyncSession | AsyncConnection,
                    params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """The statement's rows, converted as SQLAlchemy converts them, in the
        session's transaction (its BEGIN IMMEDIATE sent first, as for any statement)."""
        compiled = self.compiled(dialect_of(session))
        raw = await run_on_sqlite3(session, _fetch, compiled.sql, compiled.arguments(params),
                                   inline=self.inline, steps=self.steps, read=self.read)
        return compiled.rows(raw)
