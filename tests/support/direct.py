"""Reaching past the public API in tests: a tier set in the database, and the
events a channel stored (what a subscriber would replay)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select, update

from cps.services.context import Context
from cps.storage.models import Event, Organization


async def set_tier(ctx: Context, org_id: int, tier: str) -> None:
    """Put an organization on a tier (the upgrade flow is tested in tests/tiers)."""
    async with ctx.db.write() as tx:
        await tx.session.execute(
            update(Organization).where(Organization.id == org_id).values(tier=tier)
        )


async def events_on(ctx: Context, channel: str) -> list[dict[str, Any]]:
    """What a subscriber of `channel` would replay: every stored event, in seq order."""
    async with ctx.db.read() as session:
        rows = (
            await session.scalars(
                select(Event).where(Event.channel == channel).order_by(Event.seq)
            )
        ).all()
    return [{"seq": e.seq, "name": e.name, "data": json.loads(e.data)} for e in rows]
