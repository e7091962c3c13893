"""SQLite's one-trip cursor (cps/storage/sqlite_driver.py): what SQLAlchemy reads
from a cursor is what SQLite answered, errors are SQLAlchemy's, and a statement
is one trip to aiosqlite's thread; in a write transaction that holds the write
lock the driver's own statements make none, and only there."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import aiosqlite
import pytest
from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    insert,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError, OperationalError

from cps.storage import sqlite_driver
from cps.storage.database import Database
from cps.storage.sqlite_driver import YIELD_EVERY, Direct, OneTripCursor, run_on_sqlite3
from cps.storage.types import UTCDateTime
from tests.support.trips import trips as counted_trips
from tests.support.turns import turns

pytestmark = pytest.mark.anyio

_META = MetaData()
_ITEMS = Table("items", _META, Column("id", Integer, primary_key=True),
               Column("name", String, unique=True, nullable=False))


@pytest.fixture
async def db(tmp_path: Path) -> Any:
    database = Database(f"sqlite:///{tmp_path / 'driver.db'}")
    async with database.engine.begin() as conn:
        await conn.run_sync(_META.create_all)
    yield database
    await database.dispose()


async def test_rows_counts_and_ids_are_what_sqlite_answered(db: Database) -> None:
    async with db.write() as tx:
        s = tx.session
        ids = (await s.execute(insert(_ITEMS).returning(_ITEMS.c.id),
                               [{"name": "a"}, {"name": "b"}, {"name": "c"}])).scalars().all()
        assert sorted(ids) == [1, 2, 3]
        result = cast(CursorResult[Any], await s.execute(insert(_ITEMS).values(name="d")))
        assert result.inserted_primary_key == (4,)  # from the cursor's lastrowid
        changed = cast(CursorResult[Any], await s.execute(
            update(_ITEMS).where(_ITEMS.c.id > 2).values(name=_ITEMS.c.name + "!")))
        assert changed.rowcount == 2
        executemany = cast(CursorResult[Any],
                           await s.execute(insert(_ITEMS), [{"name": "e"}, {"name": "f"}]))
        assert executemany.rowcount == 2
    async with db.read() as s:
        rows = (await s.execute(select(_ITEMS.c.id, _ITEMS.c.name).order_by(_ITEMS.c.id))).all()
        assert [tuple(r) for r in rows] == [(1, "a"), (2, "b"), (3, "c!"), (4, "d!"), (5, "e"), (6, "f")]
        assert (await s.execute(select(_ITEMS).where(_ITEMS.c.id == 99))).first() is None
        # Rows streamed through a server-side cursor (exports) still come, in order.
        streamed = [r.id async for r in await s.stream(select(_ITEMS.c.id).order_by(_ITEMS.c.id))]
        assert streamed == [1, 2, 3, 4, 5, 6]


async def test_errors_are_sqlalchemys_and_nothing_half_written_stays(db: Database) -> None:
    async with db.write() as tx:
        await tx.session.execute(insert(_ITEMS).values(name="once"))
    with pytest.raises(IntegrityError):
        async with db.write() as tx:
            await tx.session.execute(insert(_ITEMS).values(name="other"))
            await tx.session.execute(insert(_ITEMS).values(name="once"))
    with pytest.raises(OperationalError):
        async with db.read() as s:
            await s.execute(text("SELECT nothing FROM nowhere"))
    async with db.read() as s:  # the connection is still good, and "other" was rolled back
        assert (await s.execute(select(_ITEMS.c.name))).scalars().all() == ["once"]


async def test_a_statement_is_one_trip_to_the_driver_thread(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with db.read() as s:  # a connection in the pool, opened before counting
        await s.execute(text("SELECT 1"))
    with counted_trips(monkeypatch) as trips:
        async with db.read() as s:
            conn = await s.connection()
            raw = await conn.get_raw_connection()
            assert isinstance(raw.driver_connection, aiosqlite.Connection)
            assert raw.dbapi_connection is not None
            assert isinstance(raw.dbapi_connection.cursor(), OneTripCursor)
            trips.clear()
            for _ in range(5):
                await s.execute(select(_ITEMS.c.id).where(_ITEMS.c.id == 1))
            assert trips == ["_run"] * 5


async def test_a_finished_transaction_is_not_rolled_back_again(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pool rolls back each connection it takes back; after a commit or a
    rollback there is nothing to undo, and no trip is made for it."""
    async with db.read() as s:
        await s.execute(text("SELECT 1"))
    with counted_trips(monkeypatch) as trips:
        async with db.write() as tx:
            await tx.session.execute(insert(_ITEMS).values(name="kept"))
        assert trips == ["_run"]  # the INSERT (BEGIN IMMEDIATE and COMMIT on the loop)
        trips.clear()
        async with db.read() as s:
            await s.execute(select(_ITEMS.c.name))
        assert trips == ["_run", "_run", "rollback"]  # BEGIN, the SELECT, ROLLBACK
        async with db.read() as s:  # and the row committed is there
            assert (await s.execute(select(_ITEMS.c.name))).scalars().all() == ["kept"]
        trips.clear()
        async with db.read_one() as conn:  # a lone read: no BEGIN, nothing to roll back
            assert (await conn.execute(select(_ITEMS.c.name))).scalars().all() == ["kept"]
        assert trips == ["_run"]


_STAMPED = Table("stamped", _META, Column("id", Integer, primary_key=True),
                 Column("at", UTCDateTime, nullable=False))


async def test_a_direct_statement_answers_what_sqlalchemy_answers_in_one_trip(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = datetime(2026, 12, 7, 11, 0, tzinfo=UTC)
    add = Direct(insert(_STAMPED).values(at=bindparam("at", type_=UTCDateTime))
                 .returning(_STAMPED.c.id, _STAMPED.c.at, literal(True, Boolean)))
    async with db.write() as tx:
        with counted_trips(monkeypatch) as made:
            rows = await add.fetch(tx.session, {"at": at})
        # The write's BEGIN IMMEDIATE and the statement run here, with no trip.
        assert made == []
        through = (await tx.session.execute(select(_STAMPED.c.id, _STAMPED.c.at))).one()
    # The datetime and the boolean converted back as SQLAlchemy converts them.
    assert rows == [(through.id, at, True)] and through.at == at


async def test_a_direct_statement_fails_as_sqlalchemy_fails_and_rolls_back(db: Database) -> None:
    add = Direct(insert(_ITEMS).values(name=bindparam("name", type_=String)))
    with pytest.raises(IntegrityError):
        async with db.write() as tx:
            await add.fetch(tx.session, {"name": "twice"})
            await add.fetch(tx.session, {"name": "twice"})
    async with db.read() as session:
        assert (await session.execute(select(_ITEMS.c.name))).all() == []


def _thread(_conn: sqlite3.Connection) -> int:
    return threading.get_ident()


async def test_only_a_write_transaction_runs_the_drivers_statements_on_the_loop(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once BEGIN IMMEDIATE has returned the transaction holds the write lock and
    its statements cannot wait: they run on the event loop's thread, as do the
    BEGIN IMMEDIATE (nobody else held the lock) and the COMMIT of a small write. A
    read transaction and the same pooled connection after the write's commit go to
    aiosqlite's thread, as before; outside a transaction a driver's SELECT runs on
    the loop, anything else goes to the thread."""
    here = threading.get_ident()
    read = Direct(select(_ITEMS.c.name))
    with counted_trips(monkeypatch) as made:
        async with db.write() as tx:
            assert await run_on_sqlite3(tx.session, _thread) == here
            await Direct(insert(_ITEMS).values(name=bindparam("name", type_=String))).fetch(
                tx.session, {"name": "inline"})
            assert await read.fetch(tx.session, {}) == [("inline",)]
        assert made == []  # BEGIN IMMEDIATE and COMMIT too ran on the loop
        made.clear()
        async with db.read() as s:  # BEGIN (deferred): no write lock, so the thread
            assert await run_on_sqlite3(s, _thread) != here
            assert await read.fetch(s, {}) == [("inline",)]
        assert made == ["_run", "_thread", "_fetch", "rollback"]  # and the pool's ROLLBACK
        made.clear()
        async with db.read_one() as conn:
            assert await run_on_sqlite3(conn, _thread) != here
            assert await read.fetch(conn, {}) == [("inline",)]
        assert made == ["_thread"]


async def test_a_transaction_sqlite_ended_goes_back_to_the_thread(db: Database) -> None:
    """SQLite ends a transaction by itself on some errors; from then on nothing
    holds the lock, and the driver's statements go to the thread again."""
    here = threading.get_ident()
    async with db.write() as tx:
        assert await run_on_sqlite3(tx.session, _thread) == here
        await run_on_sqlite3(tx.session, lambda conn: conn.execute("ROLLBACK"))
        assert await run_on_sqlite3(tx.session, _thread) != here


async def test_a_write_waiting_for_another_process_does_not_stop_the_loop(
    db: Database, tmp_path: Path
) -> None:
    """Another process (a `cps` command) holds the write lock: the server's write
    waits for it in BEGIN IMMEDIATE, in aiosqlite's thread, while the event loop
    goes on serving everyone else; then it writes."""
    other = sqlite3.connect(tmp_path / "driver.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    add = Direct(insert(_ITEMS).values(name=bindparam("name", type_=String)))

    async def write() -> None:
        async with db.write() as tx:
            await add.fetch(tx.session, {"name": "after the other"})

    writing = asyncio.create_task(write())
    ticks = 0
    for _ in range(30):
        await asyncio.sleep(0.01)
        ticks += 1
    assert not writing.done() and ticks == 30
    other.execute("COMMIT")
    other.close()
    await asyncio.wait_for(writing, 10)
    async with db.read() as s:
        assert (await s.execute(select(_ITEMS.c.name))).scalars().all() == ["after the other"]


async def test_what_grows_with_the_data_still_leaves_the_loop_free(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A statement made with inline=False (a topic's audience) goes to the thread in
    a write transaction too; and a transaction running many statements on the loop
    lets the others run every YIELD_EVERY of them."""
    here = threading.get_ident()
    wide = Direct(select(_ITEMS.c.name), inline=False)
    narrow = Direct(select(_ITEMS.c.name))
    async with turns() as others:
        with counted_trips(monkeypatch) as made:
            async with db.write() as tx:
                assert await run_on_sqlite3(tx.session, _thread, inline=False) != here
                await wide.fetch(tx.session, {})
                assert made == ["_thread", "_fetch"]
                before = others.count
                for _ in range(YIELD_EVERY * 3):
                    await narrow.fetch(tx.session, {})
                assert made == ["_thread", "_fetch"]  # none of those went there
                assert others.count - before >= 2


async def test_a_read_with_steps_runs_on_the_loop_while_it_is_small(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read made with `steps` (a topic's audience) runs on the loop while it takes
    no more of SQLite's steps than that; past them SQLite stops it and it runs again
    in the thread, with the same answer, and the transaction goes on with what it
    wrote before and after."""
    here = threading.get_ident()
    one = Direct(select(_ITEMS.c.name).where(_ITEMS.c.name == "item 7"), steps=1_000)
    every = Direct(select(_ITEMS.c.name).order_by(_ITEMS.c.name), steps=1_000)
    async with db.write() as tx:
        await tx.session.execute(insert(_ITEMS), [{"name": f"item {n}"} for n in range(5000)])
    with counted_trips(monkeypatch) as made:
        async with db.write() as tx:
            await tx.session.execute(insert(_ITEMS), [{"name": "written before"}])
            made.clear()
            assert await one.fetch(tx.session, {}) == [("item 7",)]
            assert made == []  # on the loop
            names = [name for name, in await every.fetch(tx.session, {})]
            assert made == ["_fetch"]  # stopped on the loop, run again in the thread
            assert len(names) == 5001 and names == sorted(names) and "written before" in names
            assert await run_on_sqlite3(tx.session, _thread, steps=20_000) == here
            await tx.session.execute(insert(_ITEMS), [{"name": "written after"}])
    async with db.read() as s:
        kept = set((await s.execute(select(_ITEMS.c.name))).scalars().all())
    assert {"written before", "written after", "item 4999"} <= kept and len(kept) == 5002


async def test_a_small_read_run_again_and_again_is_never_stopped(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite counts a cached statement's steps over all its runs, so a read that
    stays far below its bound crosses it again and again; it is stopped only past
    its bound in one run (stopping it would cost a trip each time, and on CPython
    3.11 the statement prepared anew ever after)."""
    small = Direct(select(_ITEMS.c.name).where(_ITEMS.c.name.like("item 1%")), steps=2_000)
    async with db.write() as tx:
        await tx.session.execute(insert(_ITEMS), [{"name": f"item {n}"} for n in range(40)])
    with counted_trips(monkeypatch) as made:
        async with db.write() as tx:
            made.clear()
            for _ in range(300):  # each run some hundreds of steps: 300 runs cross 2,000 often
                assert len(await small.fetch(tx.session, {})) == 11
            assert made == []
            # One run past its bound is still stopped and read in the thread.
            many = Direct(select(_ITEMS.c.name).order_by(_ITEMS.c.name), steps=50)
            assert len(await many.fetch(tx.session, {})) == 40
            assert made == ["_fetch"]


async def test_only_a_select_may_be_stopped_part_way(db: Database) -> None:
    """SQLite rolls back the whole transaction of a write it interrupts: a write
    cannot be given steps. An error of the read itself is the read's, not a stop."""
    with pytest.raises(ValueError, match="only a SELECT"):
        Direct(insert(_ITEMS).values(name="x"), steps=100)
    with pytest.raises(ValueError, match="only a SELECT"):
        Direct(update(_ITEMS).values(name="x"), steps=100)
    broken = Direct(select(text("missing_column")).select_from(_ITEMS), steps=20_000)
    every = Direct(select(_ITEMS.c.name), steps=10**9)
    async with db.write() as tx:
        await tx.session.execute(insert(_ITEMS), [{"name": f"item {n}"} for n in range(3000)])
        with pytest.raises(OperationalError, match="missing_column"):
            await broken.fetch(tx.session, {})
        # The progress handler went with the read: a long one after it runs whole.
        assert len(await every.fetch(tx.session, {})) == 3000


async def test_a_lone_read_runs_on_the_loop_unless_it_would_wait_or_grows(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lone read (`Database.read_one`: whose token a request carries) runs on the
    loop without waiting for any lock: one that would wait, or that takes more than
    its steps, runs again in the thread. The connection's busy timeout is as it was."""
    async with db.write() as tx:
        await tx.session.execute(insert(_ITEMS), [{"name": f"item {n}"} for n in range(5000)])
    one = Direct(select(_ITEMS.c.name).where(_ITEMS.c.name == "item 7"))
    every = Direct(select(_ITEMS.c.name), steps=1_000)
    with counted_trips(monkeypatch) as made:
        async with db.read_one() as conn:
            assert await one.fetch(conn, {}) == [("item 7",)]
            assert made == []
            assert len(await every.fetch(conn, {})) == 5000
            assert made == ["_fetch"]  # stopped past its steps, run in the thread
    # Another connection holding the database in exclusive mode: a reader would wait.
    raw = sqlite3.connect(tmp_path / "alone.db", isolation_level=None,
                          check_same_thread=False)
    raw.execute("CREATE TABLE t (x)")
    raw.execute("INSERT INTO t VALUES (1)")
    other = sqlite3.connect(tmp_path / "alone.db", isolation_level=None)
    other.execute("PRAGMA journal_mode=WAL")
    other.execute("PRAGMA locking_mode=EXCLUSIVE")
    other.execute("INSERT INTO t VALUES (2)")
    try:
        assert sqlite_driver._on_loop(raw, sqlite_driver._fetch, ("SELECT x FROM t", []),
                                      wait=False) == (False, None)
    finally:
        other.close()
    assert sqlite_driver._on_loop(raw, sqlite_driver._fetch, ("SELECT x FROM t", []),
                                  wait=False) == (True, [(1,), (2,)])
    assert raw.execute("PRAGMA busy_timeout").fetchall() == [(sqlite_driver.BUSY_TIMEOUT_MS,)]
    # The bound stops the read alone, never the busy timeout's own statements
    # (SQLite may stop a statement early: it counts a cached one's steps over its runs).
    assert sqlite_driver._on_loop(raw, sqlite_driver._fetch, ("SELECT x FROM t", []),
                                  steps=1, wait=False) == (False, None)
    assert raw.execute("PRAGMA busy_timeout").fetchall() == [(sqlite_driver.BUSY_TIMEOUT_MS,)]
    raw.close()


async def test_a_large_write_commits_in_the_thread_and_checkpoints(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that changed many rows commits in aiosqlite's thread (writing its pages
    takes long), and the WAL is checkpointed there; so is it every CHECKPOINT_EVERY
    commits, the others committing on the loop without one, but the one after a
    checkpoint: the WAL stops growing."""
    wal = tmp_path / "driver.db-wal"
    with counted_trips(monkeypatch) as made:
        async with db.write() as tx:
            await tx.session.execute(insert(_ITEMS), [
                {"name": f"item {n}"} for n in range(sqlite_driver.COMMIT_ON_LOOP_CHANGES + 1)])
        assert made == ["_run", "_commit_and_checkpoint"]
        add = Direct(insert(_ITEMS).values(name=bindparam("name", type_=String)))
        sizes = []
        for n in range(sqlite_driver.CHECKPOINT_EVERY * 4):
            async with db.write() as tx:
                await add.fetch(tx.session, {"name": f"{n} " + "x" * 3000})
            sizes.append(wal.stat().st_size)
        # Each checkpoint that copied the whole WAL is followed by a commit in the
        # thread too: it starts the WAL again, which syncs the WAL's header.
        assert made[2:].count("_commit_and_checkpoint") in (3, 4)
        assert all(made[n - 1] == "_commit_and_checkpoint"
                   for n, trip in enumerate(made) if trip == "_commit")
        assert set(made[2:]) == {"_commit_and_checkpoint", "_commit"}
    # The WAL's file grows while commits go unchecked, then is written again from its
    # start: it stops growing after the first checkpoint (without, it would hold all
    # 400 writes).
    first = max(sizes[: sqlite_driver.CHECKPOINT_EVERY + 1])
    assert max(sizes) < first * 1.5  # unchecked, about 4x
    async with db.read() as s:
        count = len((await s.execute(select(_ITEMS.c.id))).all())
    assert count == sqlite_driver.COMMIT_ON_LOOP_CHANGES + 1 + sqlite_driver.CHECKPOINT_EVERY * 4


_PARENTS = Table("parents", _META, Column("id", Integer, primary_key=True))
_CHILDREN = Table("children", _META, Column("id", Integer, primary_key=True),
                  Column("parent_id", Integer, ForeignKey("parents.id"), nullable=False))


async def test_a_commit_that_fails_on_the_loop_keeps_nothing(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A commit SQLite refuses (a deferred foreign key left broken) fails as
    SQLAlchemy's error, on the loop as in the thread, and nothing of it stays."""
    add = Direct(insert(_CHILDREN).values(parent_id=bindparam("parent", type_=Integer)))
    with counted_trips(monkeypatch) as made, pytest.raises(IntegrityError, match="FOREIGN KEY"):
        async with db.write() as tx:
            await tx.session.execute(text("PRAGMA defer_foreign_keys=ON"))
            await add.fetch(tx.session, {"parent": 404})
    assert "_commit_and_checkpoint" not in made  # it was refused on the loop
    async with db.write() as tx:  # the connection and the lock are free again
        await tx.session.execute(insert(_PARENTS).values(id=1))
        await add.fetch(tx.session, {"parent": 1})
    async with db.read() as s:
        assert (await s.execute(select(_CHILDREN.c.parent_id))).scalars().all() == [1]


async def test_a_connection_its_thread_still_uses_is_not_used_on_the_loop(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A call sent to aiosqlite's thread goes on there after its caller was cancelled,
    and the connection goes back to the pool meanwhile: its next user sends what it
    runs to the thread, behind that call, not beside it on the loop."""
    started, finished = threading.Event(), threading.Event()

    def slow(_conn: sqlite3.Connection) -> None:
        started.set()
        time.sleep(0.3)
        finished.set()

    async def lone() -> None:
        async with db.read_one() as conn:
            await run_on_sqlite3(conn, slow, inline=False)

    task = asyncio.create_task(lone())
    while not started.is_set():
        await asyncio.sleep(0.005)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    with counted_trips(monkeypatch) as made:
        async with db.write() as tx:  # the pool's one connection: the one still in use
            await Direct(insert(_ITEMS).values(name=bindparam("name", type_=String))).fetch(
                tx.session, {"name": "after"})
            assert finished.is_set()  # the BEGIN waited for it, in the thread
    assert made == ["_begin_immediate"]  # then, the thread done, on the loop
    async with db.read() as s:
        assert (await s.execute(select(_ITEMS.c.name))).scalars().all() == ["after"]


async def test_a_begin_that_waits_too_long_is_sqlalchemys_error(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process holds the write lock past the busy timeout: the write fails
    as any statement fails (SQLAlchemy's OperationalError: a 503), not as sqlite3's."""
    monkeypatch.setattr(sqlite_driver, "_WAIT", "PRAGMA busy_timeout=100")
    other = sqlite3.connect(tmp_path / "driver.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationalError, match="locked"):
            async with db.write() as tx:
                await tx.session.execute(insert(_ITEMS).values(name="never"))
    finally:
        other.execute("ROLLBACK")
        other.close()
    async with db.write() as tx:
        await tx.session.execute(insert(_ITEMS).values(name="later"))
    async with db.read() as s:
        assert (await s.execute(select(_ITEMS.c.name))).scalars().all() == ["later"]


async def test_while_a_reader_holds_the_wal_every_commit_checkpoints_until_it_lets_go(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader that stays in a snapshot keeps checkpoints from finishing: once the
    WAL is past WAL_FRAMES_LIMIT, every commit goes to the thread and tries again
    (as SQLite's own checkpoints on commit would); when the reader lets go, one
    finishes, the next commit starts the WAL again, and commits go back to the loop."""
    monkeypatch.setattr(sqlite_driver, "WAL_FRAMES_LIMIT", 50)
    monkeypatch.setattr(sqlite_driver, "CHECKPOINT_EVERY", 10)
    add = Direct(insert(_ITEMS).values(name=bindparam("name", type_=String)))
    with counted_trips(monkeypatch) as made:
        async with db.read() as reader:
            await reader.execute(select(_ITEMS.c.name))  # its snapshot, held
            for n in range(60):
                async with db.write() as tx:
                    await add.fetch(tx.session, {"name": f"{n} " + "x" * 3000})
            # Past the limit, each commit checkpointed in the thread.
            assert made[-10:] == ["_commit_and_checkpoint"] * 10
            made.clear()
        for n in range(60, 68):
            async with db.write() as tx:
                await add.fetch(tx.session, {"name": f"{n}"})
    # The reader's end; the first commit finishes the checkpoint (the WAL, still past
    # its limit, is checkpointed by the next, which starts it again); then the loop.
    assert made[0] == "rollback" and made[-1] == "_commit" and len(made) <= 4
    assert set(made[1:-1]) == {"_commit_and_checkpoint"}
    async with db.read() as s:
        assert len((await s.execute(select(_ITEMS.c.id))).all()) == 68


_CHECKPOINT_FAILS = """
import asyncio, json, os, resource, signal, sys
from sqlalchemy import text
from cps.storage.database import Database

async def main(path):
    db = Database(f"sqlite:///{path}")
    async with db.engine.begin() as conn:
        await conn.exec_driver_sql("CREATE TABLE blobs (id INTEGER PRIMARY KEY, b BLOB)")
    fill = ("INSERT INTO blobs (b) SELECT randomblob(1000) FROM (WITH RECURSIVE r(i) AS "
            "(SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < {n}) SELECT i FROM r)")
    async with db.write() as tx:
        await tx.session.execute(text(fill.format(n=2000)))
    async with db.write() as tx:  # the WAL starts again: 2,000 rows' room in it
        await tx.session.execute(text(fill.format(n=1)))
    # As a full disk: the database file may not grow, the WAL (already long) may.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE,
                       (os.path.getsize(path) + 300_000, resource.RLIM_INFINITY))
    hooks, outcome = [], "committed"
    try:
        async with db.write() as tx:  # 1,000 rows: committed in the thread, checkpointed
            await tx.session.execute(text(fill.format(n=1000)))
            async def hook(): hooks.append(1)
            tx.after_commit(hook)
    except Exception as error:
        outcome = type(error).__name__
    resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY,) * 2)
    async with db.read() as s:
        rows = (await s.execute(text("SELECT count(*) FROM blobs"))).scalar()
    await db.dispose()
    print(json.dumps({"outcome": outcome, "hooks": len(hooks), "rows": rows}))

asyncio.run(main(sys.argv[1]))
"""


def test_a_checkpoint_that_fails_does_not_fail_the_commit_before_it(tmp_path: Path) -> None:
    """The checkpoint after a commit in the thread fails (the database file may not
    grow, as on a full disk): the commit has happened, and is answered as done, its
    after-commit hooks (the events' publishing) run; the next commit tries again."""
    done = subprocess.run([sys.executable, "-c", _CHECKPOINT_FAILS, str(tmp_path / "full.db")],
                          capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {
        "outcome": "committed", "hooks": 1, "rows": 3001}


async def test_a_database_not_in_wal_mode_runs_nothing_on_the_loop(tmp_path: Path) -> None:
    """Without WAL a writer may wait on readers: then every statement goes to the
    thread, as before. (SQLite's dot-file locking cannot keep a WAL: the file stays
    in its rollback journal.)"""
    here = threading.get_ident()
    database = Database(f"sqlite:///file:{tmp_path / 'journal.db'}?vfs=unix-dotfile&uri=true")
    try:
        async with database.write() as tx:
            mode = await run_on_sqlite3(
                tx.session, lambda conn: conn.execute("PRAGMA journal_mode").fetchone()[0])
            assert mode == "delete"
            assert await run_on_sqlite3(tx.session, _thread) != here
    finally:
        await database.dispose()
