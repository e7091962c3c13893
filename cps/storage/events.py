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
(`Appended.seq`; on PostgreSQL its time too, taken once the channel's row is
locked, so that a channel's times go up with its seqs), and the transaction's
events are published after its commit.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Integer, String, Table, bindparam, column, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from cps.storage import sqlite_driver
from cps.storage.asyncpg_driver import Direct
from cps.storage.database import Transaction
from cps.storage.models import Channel, Event
from cps.storage.types import UTCDateTime, utcnow

_EVENTS = cast(Table, Event.__table__)
_SQLITE_RUN = 16  # events written per run on sqlite3


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
            "datas": [e.text for e in written]})
        _number(written, rows)
    else:
        # A few at a time: the loop serves others between runs (sqlite_driver.YIELD_EVERY).
        for start in range(0, len(written), _SQLITE_RUN):
            run = written[start:start + _SQLITE_RUN]
            seqs = await sqlite_driver.run_on_sqlite3(
                tx.session, _append_sqlite,
                [(e.channel, e.name, e.text, _SQLITE_STAMP(e.created_at)) for e in run])
            for event, seq in zip(run, seqs, strict=True):
                event.seq = seq


def _number(written: Sequence[Appended], rows: Sequence[Any]) -> None:
    """Each event's seq and time from the (channel, seq, created_at) rows written: a
    channel's seqs ascending are its events in the order they were appended."""
    by_channel: dict[str, list[tuple[int, datetime]]] = {}
    for channel, seq, created_at in rows:
        by_channel.setdefault(channel, []).append((int(seq), created_at))
    for numbered in by_channel.values():
        numbered.sort(reverse=True)
    for event in written:
        event.seq, event.created_at = by_channel[event.channel].pop()


# PostgreSQL: every event of the transaction in one statement. Each channel is bumped
# once by its count (a row is updated once per statement), in the order of the
# channels' names; its events take the seqs below the new last one, in the order
# they were appended (`ord`), and the time the channel's row was locked: a channel's
# times go up with its seqs (history.prune cuts by time, and replays by seq).
_WRITE_PG = Direct(text("""
WITH input AS (
    SELECT channel, name, data, ord
    FROM unnest(CAST(:channels AS VARCHAR[]), CAST(:names AS VARCHAR[]),
                CAST(:datas AS TEXT[]))
         WITH ORDINALITY AS t(channel, name, data, ord)
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
       input.name, input.data, clock_timestamp()
FROM input JOIN counts ON counts.channel = input.channel
           JOIN bumped ON bumped.name = input.channel
RETURNING channel, seq, created_at
""").bindparams(bindparam("channels"), bindparam("names"), bindparam("datas"))
    .columns(column("channel", String), column("seq", Integer),
             column("created_at", UTCDateTime)))


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
