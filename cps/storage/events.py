"""The events table: each channel's numbered events, kept for replay.

Each channel has a row in `channels` holding its last sequence number; the
row is bumped with an upsert in the same transaction that writes the change
and the event. PostgreSQL locks the row until commit and SQLite runs one
writer at a time, so concurrent writers get consecutive numbers, and a
rolled-back transaction gives its number back: no gaps, no duplicates.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from cps.storage import sqlite_driver
from cps.storage.asyncpg_driver import Direct
from cps.storage.database import Transaction
from cps.storage.models import Channel, Event
from cps.storage.types import utcnow

# Core statements on the tables (no ORM unit of work): built once, since every
# write that users see runs both.
_CHANNELS = cast(Table, Channel.__table__)
_EVENTS = cast(Table, Event.__table__)


def _bump_and_insert() -> Any:
    """PostgreSQL: the bump and the event row in one statement (the bump in a CTE,
    the event takes its seq from it), one round trip instead of two."""
    bump = postgresql.insert(_CHANNELS).values(name=bindparam("channel"), last_seq=1)
    bumped = (
        bump.on_conflict_do_update(
            index_elements=[_CHANNELS.c.name], set_={"last_seq": _CHANNELS.c.last_seq + 1})
        .returning(_CHANNELS.c.last_seq)
        .cte("bumped")
    )
    values = select(bindparam("channel", type_=_EVENTS.c.channel.type), bumped.c.last_seq,
                    bindparam("name", type_=_EVENTS.c.name.type),
                    bindparam("data", type_=_EVENTS.c.data.type),
                    bindparam("created_at", type_=_EVENTS.c.created_at.type))
    return (insert(_EVENTS)
            .from_select(["channel", "seq", "name", "data", "created_at"], values)
            .returning(_EVENTS.c.seq))


_APPEND_PG = Direct(_bump_and_insert())  # on asyncpg itself (asyncpg_driver.py)


async def append(
    tx: Transaction, channel: str, name: str, data: dict[str, Any]
) -> tuple[int, datetime]:
    """Write the channel's next event in `tx`: answers its sequence number and time."""
    created_at = utcnow()
    text = json.dumps(data, separators=(",", ":"), default=str)
    if tx.session.get_bind().dialect.name == "postgresql":
        row = {"channel": channel, "name": name, "data": text, "created_at": created_at}
        return int(await _APPEND_PG.scalar(tx.session, row)), created_at
    seq = await sqlite_driver.run_on_sqlite3(tx.session, _append_sqlite, channel, name, text,
                                        _SQLITE_STAMP(created_at))
    return seq, created_at


# SQLite: the bump and the event row are two statements, run together on sqlite3
# itself (sqlite_driver.run_on_sqlite3: in the write transaction, on the event
# loop's thread); SQLite runs one writer at a time.
_BUMP_SQLITE = ("INSERT INTO channels (name, last_seq) VALUES (?, 1) ON CONFLICT (name) "
                "DO UPDATE SET last_seq = channels.last_seq + 1 RETURNING last_seq")
_INSERT_SQLITE = "INSERT INTO events (channel, seq, name, data, created_at) VALUES (?, ?, ?, ?, ?)"


def _append_sqlite(conn: sqlite3.Connection, channel: str, name: str, data: str,
                   stamp: Any) -> int:
    (seq,) = conn.execute(_BUMP_SQLITE, (channel,)).fetchone()
    conn.execute(_INSERT_SQLITE, (channel, seq, name, data, stamp))
    return int(seq)


def _stamp_processor() -> Callable[[datetime], Any]:
    """`created_at` as SQLAlchemy writes it to SQLite (the column type's own processor;
    aiosqlite's dialect writes dates as the pysqlite dialect does)."""
    processor = _EVENTS.c.created_at.type.bind_processor(sqlite.dialect())
    assert processor is not None
    return processor


_SQLITE_STAMP = _stamp_processor()


async def last_seq(session: AsyncSession, channel: str) -> int:
    value = await session.scalar(select(Channel.last_seq).where(Channel.name == channel))
    return int(value or 0)
