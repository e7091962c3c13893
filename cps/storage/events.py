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


def _bump_and_insert() -> Any:
    """PostgreSQL: the bump and the event row in one statement (the bump in a CTE,
    the event takes its seq from it), one round trip instead of two."""
    bumped = _BUMP["postgresql"].cte("bumped")
    values = select(bindparam("channel", type_=_EVENTS.c.channel.type), bumped.c.last_seq,
                    bindparam("name", type_=_EVENTS.c.name.type),
                    bindparam("data", type_=_EVENTS.c.data.type),
                    bindparam("created_at", type_=_EVENTS.c.created_at.type))
    return (insert(_EVENTS)
            .from_select(["channel", "seq", "name", "data", "created_at"], values)
            .returning(_EVENTS.c.seq))


_APPEND_PG = _bump_and_insert()


async def append(
    tx: Transaction, channel: str, name: str, data: dict[str, Any]
) -> tuple[int, datetime]:
    """Write the channel's next event in `tx`: answers its sequence number and time."""
    dialect = tx.session.get_bind().dialect.name
    created_at = utcnow()
    row = {"channel": channel, "name": name, "created_at": created_at,
           "data": json.dumps(data, separators=(",", ":"), default=str)}
    if dialect == "postgresql":
        return int((await tx.session.execute(_APPEND_PG, row)).scalar_one()), created_at
    seq = int((await tx.session.execute(_BUMP[dialect], {"channel": channel})).scalar_one())
    await tx.session.execute(_INSERT_EVENT, row | {"seq": seq})
    return seq, created_at


async def last_seq(session: AsyncSession, channel: str) -> int:
    value = await session.scalar(select(Channel.last_seq).where(Channel.name == channel))
    return int(value or 0)
