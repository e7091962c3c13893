"""The statements that PostgreSQL and SQLite write differently, in one place.

Services ask for what they mean (lock this row until commit, insert unless it
exists, the UTC day of a timestamp) and never branch on the database:

- Row locks: PostgreSQL locks with `SELECT ... FOR UPDATE`; SQLite runs one
  writer at a time already, so it needs (and has) no row lock.
- Upserts: both speak `INSERT ... ON CONFLICT`, through each dialect's own
  `insert` construct.
- An advisory lock for work no row stands for (PostgreSQL only; SQLite's
  single writer serializes it).
- Calendar days: PostgreSQL stores `timestamptz`; SQLite stores UTC text.
- Statements built once per database (`per_database`) for hot paths, with the
  parts they differ by: the next id of a table (`next_id`), a number written
  with leading zeros (`zero_padded`), the upsert-capable insert (`insert_into`).
  `Hot` runs such a statement on the database's driver itself
  (`asyncpg_driver.py`, `sqlite_driver.py`), past SQLAlchemy's per-statement work;
  `HotWithWrites` sends writes that go with it in the same round trip on
  PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal, TypeVar

from sqlalchemy import (
    ARRAY,
    JSON,
    ColumnElement,
    Integer,
    Select,
    Text,
    any_,
    bindparam,
    cast,
    func,
    select,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import QueryableAttribute

from cps.storage import asyncpg_driver, sqlite_driver
from cps.storage.compiled import Statement, dialect_of

S = TypeVar("S", bound=Select[Any])
T = TypeVar("T")
Kind = Literal["postgresql", "sqlite"]
KINDS: tuple[Kind, ...] = ("postgresql", "sqlite")


def per_database(build: Callable[[Kind], T]) -> Callable[[AsyncSession], T]:
    """`build` made once for each database; answers the one of a session's database."""
    built = {kind: build(kind) for kind in KINDS}

    def of(session: AsyncSession) -> T:
        return built[session.get_bind().dialect.name]  # type: ignore[index]

    return of


class Hot:
    """A statement every post runs, built once per database by `build` and run on
    the database's driver itself, past SQLAlchemy's per-statement work: asyncpg
    (`asyncpg_driver.Direct`: a third of SQLAlchemy's CPU per statement) or sqlite3
    in one trip to aiosqlite's thread or, in a write transaction, on the event
    loop's (`sqlite_driver.Direct`). The same SQL, values
    and rows as through SQLAlchemy (`compiled.py`); rows are plain tuples."""

    __slots__ = ("_postgresql", "_sqlite")

    def __init__(self, build: Callable[[Kind], Any], *, grows: bool = False) -> None:
        """`grows`: a read whose work grows with the data (a topic's audience), most
        often small: in a write transaction SQLite runs it on the event loop's thread
        only within `sqlite_driver.LOOP_STEPS` of its virtual machine, else again in aiosqlite's
        thread, so that the event loop serves others meanwhile."""
        self._postgresql = asyncpg_driver.Direct(build("postgresql"))
        self._sqlite = sqlite_driver.Direct(build("sqlite"),
                                            steps=sqlite_driver.LOOP_STEPS if grows else None)

    def _direct(self, session: AsyncSession | AsyncConnection) -> Statement:
        return self._postgresql if dialect_of(session).name == "postgresql" else self._sqlite

    async def rows(self, session: AsyncSession | AsyncConnection, params: Mapping[str, Any]
                   ) -> Sequence[Any]:
        """The rows of a statement that answers some (a SELECT, a RETURNING), in a
        session's transaction or on a connection (`Database.read_one`)."""
        return await self._direct(session).fetch(session, params)

    async def scalar(self, session: AsyncSession | AsyncConnection,
                     params: Mapping[str, Any]) -> Any:
        """The first column of the first row (None: no row)."""
        rows = await self.rows(session, params)
        return rows[0][0] if rows else None

    async def run(self, session: AsyncSession, params: Mapping[str, Any]) -> None:
        """A statement that answers no rows."""
        await self.rows(session, params)


class HotWithWrites(Hot):
    """A Hot statement and writes that go with it, whose rows nobody reads (an
    UPDATE or INSERT without RETURNING), all bound from the same parameters. On
    PostgreSQL they are one statement, the writes its data-modifying CTEs: one
    round trip where each was one (a trip is most of what a statement costs the
    app there: asyncpg's protocol and a wake-up of the event loop). On SQLite,
    which has no data-modifying CTE, they run after it, one by one; in a write
    transaction that is on the event loop's thread, without a trip.

    The writes see the database as it was before the statement (PostgreSQL runs
    a statement's CTEs on one snapshot): a write must not depend on what the
    statement or another write changes, and no two may change one row.

    `beside`: a SELECT read with them (a post's audience), its rows answered
    after the statement's one row: (*the row, *each of its rows), or the row and
    NULLs when it has none. On PostgreSQL it reads the database as it was before
    the statement too; SQLite reads it after the writes, as a read whose work
    grows with the data (`Hot`'s `grows`)."""

    __slots__ = ("_beside", "_width", "_writes")

    def __init__(self, build: Callable[[Kind], Any], *writes: Callable[[Kind], Any],
                 beside: Callable[[Kind], Select[Any]] | None = None) -> None:
        # Not Hot's own: PostgreSQL's statement is the one with the writes.
        ctes = [write("postgresql").cte(f"write_{n}") for n, write in enumerate(writes)]
        together = build("postgresql")
        self._beside: sqlite_driver.Direct | None = None
        self._width = 0
        if beside is not None:
            main = together.cte("main")
            aside = beside("postgresql").subquery("beside")
            together = select(main, aside).select_from(main.outerjoin(aside, true()))
            read = beside("sqlite")
            self._width = len(read.selected_columns)
            self._beside = sqlite_driver.Direct(read, steps=sqlite_driver.LOOP_STEPS)
        self._postgresql = asyncpg_driver.Direct(together.add_cte(*ctes))
        self._sqlite = sqlite_driver.Direct(build("sqlite"))
        self._writes = tuple(sqlite_driver.Direct(write("sqlite")) for write in writes)

    async def rows(self, session: AsyncSession | AsyncConnection, params: Mapping[str, Any]
                   ) -> Sequence[Any]:
        if dialect_of(session).name == "postgresql":
            return await self._postgresql.fetch(session, params)
        rows = await self._sqlite.fetch(session, params)
        for write in self._writes:
            await write.fetch(session, params)
        if self._beside is None:
            return rows
        (row,) = rows
        aside = await self._beside.fetch(session, params)
        return [(*row, *other) for other in aside] or [(*row, *(None,) * self._width)]


def any_of(kind: Kind, column: Any, name: str) -> ColumnElement[bool]:
    """`column` is one of the integers bound as `name` (a list), in SQL that does not
    change with the list's length (a `Hot` statement is compiled once): PostgreSQL
    binds the list as one array (`= ANY`), SQLite as one JSON array it reads with
    `json_each`."""
    if kind == "postgresql":
        condition: ColumnElement[bool] = column == any_(bindparam(name, type_=ARRAY(Integer)))
        return condition
    items = func.json_each(bindparam(name, type_=JSON)).table_valued("value")
    return column.in_(select(items.c.value))  # type: ignore[no-any-return]


def next_id(kind: Kind, table: Any) -> ColumnElement[Any]:
    """The id the next row of `table` gets: PostgreSQL's sequence value (taken); on
    SQLite the largest id + 1, the id SQLite gives a row (under its write lock)."""
    if kind == "postgresql":
        return func.nextval(func.pg_get_serial_sequence(table.name, "id"))
    return func.coalesce(func.max(table.c.id), 0) + 1


def zero_padded(kind: Kind, number: Any, width: int) -> ColumnElement[Any]:
    """`number` as text of `width` digits, leading zeros."""
    if kind == "postgresql":
        return func.lpad(cast(number, Text), width, "0")
    return func.printf(f"%0{width}d", number)


def insert_into(kind: Kind, table: Any) -> Any:
    """The database's own `INSERT` for `table` (with `on_conflict_do_nothing`)."""
    return postgresql.insert(table) if kind == "postgresql" else sqlite.insert(table)


def locks_rows(session: AsyncSession) -> bool:
    """Whether this database needs `FOR UPDATE` to keep a row until commit."""
    return kind_locks_rows(session.get_bind().dialect.name)


def kind_locks_rows(kind: str) -> bool:
    """`locks_rows` for a statement built per database (`Hot`)."""
    return kind == "postgresql"


def for_update(session: AsyncSession, stmt: S) -> S:
    """`stmt` locking the rows it reads until commit (a no-op where writers are serialized)."""
    return stmt.with_for_update() if locks_rows(session) else stmt


def insert(session: AsyncSession, model: Any) -> Any:
    """The dialect's `INSERT` for `model`, which has `on_conflict_do_nothing` and
    `on_conflict_do_update` on both databases."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


async def advisory_lock(session: AsyncSession, key: int) -> None:
    """Hold `key` until commit: writers of one kind of thing take turns (on
    PostgreSQL, as a transaction's first statement, in the round trip of its BEGIN:
    asyncpg_driver.advisory_lock)."""
    if locks_rows(session):
        await asyncpg_driver.advisory_lock(session, key)


def utc_day(session: AsyncSession, column: QueryableAttribute[datetime]) -> ColumnElement[Any]:
    """The UTC calendar day of a timestamp column, in SQL."""
    if session.get_bind().dialect.name == "postgresql":
        # timestamptz -> the wall-clock time in UTC, whatever the session's time zone.
        return func.date(func.timezone("UTC", column))
    return func.date(column)  # SQLite keeps UTC text: 'YYYY-MM-DD HH:MM:SS...'
