"""What the events table still holds for a channel: resuming, replay, retention.

A client that reconnects with `since` gets the stored events after it (brought
up to date: a replay says what a reader may see now, replay.py), or learns that
some were pruned and reloads over HTTP."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import timedelta

from sqlalchemy import delete, func, select

from cps.broker.hub import encode_frame
from cps.services.context import Context
from cps.services.subscriptions import replay
from cps.storage.models import Channel, Event
from cps.storage.types import utcnow


async def last_seq(ctx: Context, channel: str) -> int:
    async with ctx.db.read() as session:
        value = await session.scalar(select(Channel.last_seq).where(Channel.name == channel))
    return int(value or 0)


async def last_seqs(ctx: Context, names: Collection[str]) -> dict[str, int]:
    """`last_seq` of many channels in one statement (0 for a channel never written)."""
    async with ctx.db.read() as session:
        rows = await session.execute(
            select(Channel.name, Channel.last_seq).where(Channel.name.in_(names)))
        found = {name: int(seq or 0) for name, seq in rows.all()}
    return {name: found.get(name, 0) for name in names}


async def stored(
    ctx: Context, channel: str, after: int, up_to: int | None, *, limit: int | None = None
) -> list[tuple[int, str]]:
    """The stored events `after < seq <= up_to`, in order, as encoded frames
    (the first `limit` of them, when given). What they quote is brought up to
    date: a replay says what a reader may see now (cps/services/subscriptions/replay.py)."""
    stmt = select(Event).where(Event.channel == channel, Event.seq > after).order_by(Event.seq)
    if up_to is not None:
        stmt = stmt.where(Event.seq <= up_to)
    if limit is not None:
        stmt = stmt.limit(limit)
    async with ctx.db.read() as session:
        rows = (await session.scalars(stmt)).all()
        events = [(row.name, json.loads(row.data)) for row in rows]
        await replay.bring_up_to_date(session, channel, events)
    return [
        (row.seq, encode_frame({"type": "event", "channel": row.channel, "seq": row.seq,
                                "name": name, "data": data}))
        for row, (name, data) in zip(rows, events, strict=True)
    ]


async def can_resume(ctx: Context, channel: str, since: int, up_to: int) -> bool:
    """Whether every event after `since` up to `up_to` is still kept."""
    if since >= up_to:
        return since == up_to
    async with ctx.db.read() as session:
        oldest = await session.scalar(
            select(func.min(Event.seq)).where(Event.channel == channel, Event.seq > since)
        )
    return oldest == since + 1


async def prune(ctx: Context) -> int:
    """Delete events older than the retention; answers how many went."""
    cutoff = utcnow() - timedelta(days=ctx.settings.event_retention_days)
    async with ctx.db.write() as tx:
        result = await tx.session.execute(delete(Event).where(Event.created_at < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
