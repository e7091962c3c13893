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
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Executable, Select, func, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

S = TypeVar("S", bound=Select[Any])


def locks_rows(session: AsyncSession) -> bool:
    """Whether this database needs `FOR UPDATE` to keep a row until commit."""
    return session.get_bind().dialect.name == "postgresql"


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
    """Hold `key` until commit: writers of one kind of thing take turns."""
    if locks_rows(session):
        lock: Executable = text("SELECT pg_advisory_xact_lock(:key)")
        await session.execute(lock, {"key": key})


def utc_day(session: AsyncSession, column: QueryableAttribute[datetime]) -> ColumnElement[Any]:
    """The UTC calendar day of a timestamp column, in SQL."""
    if session.get_bind().dialect.name == "postgresql":
        # timestamptz -> the wall-clock time in UTC, whatever the session's time zone.
        return func.date(func.timezone("UTC", column))
    return func.date(column)  # SQLite keeps UTC text: 'YYYY-MM-DD HH:MM:SS...'
