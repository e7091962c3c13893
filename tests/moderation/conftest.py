"""Moderation tests: a space with a moderator, and direct looks at what was stored."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select, update

from cps.services.context import Context
from cps.storage.models import Event, ModerationAction, Organization
from tests.support.api import Api


@pytest.fixture
def ctx(running_app: tuple[Any, dict[str, Any]]) -> Context:
    context: Context = running_app[1]["ctx"]
    return context


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


async def names_on(ctx: Context, channel: str) -> list[str]:
    return [e["name"] for e in await events_on(ctx, channel)]


async def audit_rows(ctx: Context, after: int = 0) -> list[ModerationAction]:
    async with ctx.db.read() as session:
        return list(
            (
                await session.scalars(
                    select(ModerationAction).where(ModerationAction.id > after)
                    .order_by(ModerationAction.id)
                )
            ).all()
        )


async def moderated_world(api: Api, ctx: Context | None = None, *,
                          tier: str = "free") -> dict[str, Any]:
    """api.world() plus a moderator of the space (and the org on `tier`)."""
    w = await api.world()
    mod = await api.user("Moderator")
    await api.ok("POST", f"/spaces/{w['space']['id']}/moderators", w["admin"],
                 {"user_id": mod.id}, status=201)
    if tier != "free":
        assert ctx is not None
        await set_tier(ctx, w["org"]["id"], tier)
    w["mod"] = mod
    return w


def post_in(posts: list[dict[str, Any]], post_id: int) -> dict[str, Any]:
    return next(p for p in posts if p["id"] == post_id)
