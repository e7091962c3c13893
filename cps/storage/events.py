"""The events table: each channel's numbered events, kept for replay.

Each channel has a row in `channels` holding its last sequence number; the
row is bumped with an upsert in the same transaction that writes the change
and the event. PostgreSQL locks the row until commit and SQLite runs one
writer at a time, so concurrent writers get consecutive numbers, and a
rolled-back transaction gives its number back: no gaps, no duplicates.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from cps.storage.database import Transaction
from cps.storage.models import Channel, Event
from cps.storage.types import utcnow

# Core statements on the tables (no ORM unit of work): built once, since every
# write that users see runs both.
_CHANNELS = cast(Table, Channel.__table__)
_EVENTS = cast(Table, Event.__table__)


def _bump(insert: Any) -> Any:
    return (
        insert(_CHANNELS)
        .values(name=bindparam("channel"), last_seq=1)
        .on_conflict_do_update(
            index_elements=[_CHANNELS.c.name], set_={"last_seq": _CHANNELS.c.last_seq + 1}
        )
        .returning(_CHANNELS.c.last_seq)
    )


_BUMP = {"postgresql": _bump(postgresql.insert), "sqlite": _bump(sqlite.insert)}
_INSERT_EVENT = insert(_EVENTS)


async def append(
    tx: Transaction, channel: str, name: str, data: dict[str, Any]
) -> tuple[int, datetime]:
    """Write the channel's next event in `tx`: answers its sequence number and time."""
    stmt = _BUMP[tx.session.get_bind().dialect.name]
    seq = int((await tx.session.execute(stmt, {"channel": channel})).scalar_one())
    created_at = utcnow()
    await tx.session.execute(
        _INSERT_EVENT,
        {
            "channel": channel,
            "seq": seq,
            "name": name,
            "data": json.dumps(data, separators=(",", ":"), default=str),
            "created_at": created_at,
        },
    )
    return seq, created_at


async def last_seq(session: AsyncSession, channel: str) -> int:
    value = await session.scalar(select(Channel.last_seq).where(Channel.name == channel))
    return int(value or 0)
