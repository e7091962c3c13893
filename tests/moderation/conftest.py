"""Moderation tests: a space with a moderator, and direct looks at what was stored."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from cps.services.context import Context
from cps.storage.models import ModerationAction
from cps.storage.models import User as UserRow
from tests.support.api import Api, User
from tests.support.direct import events_on, tiers_in
from tests.support.world import Builder, ModeratedWorld


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
                          tier: str = "free") -> ModeratedWorld:
    """api.world() plus a moderator of the space, "Mona Keeper" (and the org on `tier`)."""
    build = Builder(api, tiers=tiers_in(ctx) if ctx is not None else None)
    return await build.moderated(tier=tier)


async def make_platform_admin(ctx: Context, user: User) -> None:
    """Give a signed-up account the platform admin role (as `cps create-admin` would)."""
    async with ctx.db.write() as tx:
        await tx.session.execute(
            update(UserRow).where(UserRow.id == user.id).values(is_platform_admin=True)
        )


def post_in(posts: list[dict[str, Any]], post_id: int) -> dict[str, Any]:
    return next(p for p in posts if p["id"] == post_id)
