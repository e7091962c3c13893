"""The events table: each channel's numbered events, kept for replay.

Each channel has a row in `channels` holding its last sequence number; the
row is bumped with an upsert in the same transaction that writes the change
and the event. PostgreSQL locks the row until commit and SQLite runs one
writer at a time, so concurrent writers get consecutive numbers, and a
rolled-back transaction gives its number back: no gaps, no duplicates.

A transaction's events are written together, just before it commits
(`append` queues them, `Transaction.before_commit` writes them): on PostgreSQL
in one statement, whatever their number and channels (a post and its author's
notification: two; a moderator's sweep or an act that tells a thousand people:
as many), each channel bumped once by its count, in the order of their names, so
that two transactions lock channels in the same order; on SQLite on sqlite3
itself, on the event loop's thread. A channel's row is locked from then until
the commit, not from the change's first event. A seq is known once written
(`Appended.seq`), which is when the transaction's events are published: after
its commit.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from cps.storage import sqlite_driver
from cps.storage.asyncpg_driver import Direct
from cps.storage.database import Transaction
from cps.storage.models import Channel, Event
from cps.storage.types import utcnow

_EVENTS = cast(Table, Event.__table__)


@dataclass
class Appended:
    """An event of a transaction: its seq is 0 until the transaction writes it."""

    channel: str
    name: str
    data: dict[str, Any]
    text: str
    created_at: datetime
    seq: int = 0


def append(tx: Transaction, channel: str, name: str, data: dict[str, Any]) -> Appended:
    """The channel's next event, written with the transaction's others just before
    it commits (the module's docstring)."""
    event = Appended(channel, name, data, json.dumps(data, separators=(",", ":"), default=str),
                     utcnow())
    if not tx.events:
        tx.before_commit(lambda: _write(tx))
    tx.events.append(event)
    return event


async def _write(tx: Transaction) -> None:
    written: list[Appended] = tx.events
    tx.events = []
    if tx.session.get_bind().dialect.name == "postgresql":
        rows = await _WRITE_PG.fetch(tx.session, {
            "channels": [e.channel for e in written], "names": [e.name for e in written],
            "datas": [e.text for e in written], "stamps": [e.created_at for e in written]})
        _number(written, rows)
    else:
        seqs = await sqlite_driver.run_on_sqlite3(
            tx.session, _append_sqlite,
            [(e.channel, e.name, e.text, _SQLITE_STAMP(e.created_at)) for e in written])
        for event, seq in zip(written, seqs, strict=True):
            event.seq = seq


def _number(written: Sequence[Appended], rows: Sequence[Any]) -> None:
    """Each event's seq from the (channel, seq) rows written: a channel's seqs
    ascending are its events in the order they were appended."""
    by_channel: dict[str, list[int]] = {}
    for channel, seq in rows:
        by_channel.setdefault(channel, []).append(int(seq))
    for seqs in by_channel.values():
        seqs.sort(reverse=True)
    for event in written:
        event.seq = by_channel[event.channel].pop()


# PostgreSQL: every event of the transaction in one statement. Each channel is bumped
# once by its count (a row is updated once per statement), in the order of the
# channels' names; its events take the seqs below the new last one, in the order
# they were appended (`ord`).
_WRITE_PG = Direct(text("""
WITH input AS (
    SELECT channel, name, data, created_at, ord
    FROM unnest(CAST(:channels AS VARCHAR[]), CAST(:names AS VARCHAR[]),
                CAST(:datas AS TEXT[]), CAST(:stamps AS TIMESTAMP WITH TIME ZONE[]))
         WITH ORDINALITY AS t(channel, name, data, created_at, ord)
), counts AS (
    SELECT channel, count(*) AS n FROM input GROUP BY channel
), bumped AS (
    INSERT INTO channels (name, last_seq)
    SELECT channel, n FROM counts ORDER BY channel
    ON CONFLICT (name) DO UPDATE SET last_seq = channels.last_seq + excluded.last_seq
    RETURNING name, last_seq
)
INSERT INTO events (channel, seq, name, data, created_at)
SELECT input.channel,
       bumped.last_seq - counts.n
           + row_number() OVER (PARTITION BY input.channel ORDER BY input.ord),
       input.name, input.data, input.created_at
FROM input JOIN counts ON counts.channel = input.channel
           JOIN bumped ON bumped.name = input.channel
RETURNING channel, seq
""").bindparams(bindparam("channels"), bindparam("names"), bindparam("datas"),
                bindparam("stamps")))


# SQLite: the bump and the event row are two statements each, run together on sqlite3
# itself (sqlite_driver.run_on_sqlite3: in the write transaction, on the event
# loop's thread); SQLite runs one writer at a time.
_BUMP_SQLITE = ("INSERT INTO channels (name, last_seq) VALUES (?, 1) ON CONFLICT (name) "
                "DO UPDATE SET last_seq = channels.last_seq + 1 RETURNING last_seq")
_INSERT_SQLITE = "INSERT INTO events (channel, seq, name, data, created_at) VALUES (?, ?, ?, ?, ?)"


def _append_sqlite(conn: sqlite3.Connection, events: list[tuple[str, str, str, Any]]
                   ) -> list[int]:
    seqs = []
    for channel, name, data, stamp in events:
        (seq,) = conn.execute(_BUMP_SQLITE, (channel,)).fetchone()
        conn.execute(_INSERT_SQLITE, (channel, seq, name, data, stamp))
        seqs.append(int(seq))
    return seqs


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
