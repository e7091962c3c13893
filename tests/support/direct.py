"""Reaching past the public API in tests: a tier set in the database, a platform
admin made as `cps create-admin` makes one, and the events a channel stored (what a
subscriber would replay)."""

from __future__ import annotations

import functools
import itertools
import json
from typing import Any

from sqlalchemy import select, update

from cps.services.accounts import identity
from cps.services.context import Context
from cps.storage.models import Event, Organization
from tests.support.api import PASSWORD, Api, User
from tests.support.world import Tiers

_admins = itertools.count(1)


async def set_tier(ctx: Context, org_id: int, tier: str) -> None:
    """Put an organization on a tier (the upgrade flow is tested in tests/tiers)."""
    async with ctx.db.write() as tx:
        await tx.session.execute(
            update(Organization).where(Organization.id == org_id).values(tier=tier)
        )


def tiers_in(ctx: Context) -> Tiers:
    """`set_tier` on this context's database, for `Builder(api, tiers=...)`."""
    return functools.partial(set_tier, ctx)


async def platform_admin(ctx: Context, api: Api, email: str | None = None) -> User:
    """A platform admin, created as `cps create-admin` does, signed in over `api`."""
    email = email or f"secretariat{next(_admins)}-{id(api)}@example.org"
    await identity.create_admin(ctx, email=email, password=PASSWORD)
    admin = await api.login(email)
    assert admin.platform_admin, admin
    return admin


async def events_on(ctx: Context, channel: str) -> list[dict[str, Any]]:
    """What a subscriber of `channel` would replay: every stored event, in seq order."""
    async with ctx.db.read() as session:
        rows = (
            await session.scalars(
                select(Event).where(Event.channel == channel).order_by(Event.seq)
            )
        ).all()
    return [{"seq": e.seq, "name": e.name, "data": json.loads(e.data)} for e in rows]
