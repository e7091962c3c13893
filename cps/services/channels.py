"""Live channels: who may subscribe, and what the events table still holds for them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select

from cps.broker.hub import encode_frame
from cps.services import replay, standing
from cps.services.access import space_access, topic_access
from cps.services.context import Actor, Context
from cps.services.errors import Forbidden, Invalid
from cps.storage.models import Channel, Event
from cps.storage.types import ID_MAX, utcnow

# A channel past the database's 32-bit ids names nothing.
_NAME = re.compile(r"(space|topic|user):([1-9][0-9]{0,9})")


@dataclass(frozen=True)
class ChannelName:
    kind: str
    id: int

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"


def parse(channel: object) -> ChannelName:
    match = _NAME.fullmatch(channel) if isinstance(channel, str) else None
    if match is None or int(match.group(2)) > ID_MAX:
        raise Invalid({"channel": "Expected space:{id}, topic:{id} or user:{id}."},
                      message="Unknown channel.")
    return ChannelName(match.group(1), int(match.group(2)))


async def authorize(ctx: Context, actor: Actor | None, channel: ChannelName) -> int | None:
    """Check that `actor` may follow `channel`. Answers the id of the space the
    channel belongs to (None for user channels), so access can be re-checked."""
    if channel.kind == "user":
        if actor is None or actor.id != channel.id:
            raise Forbidden("Only that user may follow their own channel.")
        return None
    async with ctx.db.read() as session:
        if channel.kind == "space":
            access = await space_access(session, actor, channel.id)
        else:
            _, access = await topic_access(session, actor, channel.id)
        if actor is not None and not access.can_moderate:
            # A banned participant may still read over HTTP, but not follow live.
            await standing.refuse_banned(session, actor.id, access.space.id)
        return access.space.id


async def last_seq(ctx: Context, channel: str) -> int:
    async with ctx.db.read() as session:
        value = await session.scalar(select(Channel.last_seq).where(Channel.name == channel))
    return int(value or 0)


async def stored(
    ctx: Context, channel: str, after: int, up_to: int | None, *, limit: int | None = None
) -> list[tuple[int, str]]:
    """The stored events `after < seq <= up_to`, in order, as encoded frames
    (the first `limit` of them, when given). What they quote is brought up to
    date: a replay says what a reader may see now (cps/services/replay.py)."""
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
