"""Reports tests (export, analytics): direct access to the app's context, a way to
put an organization on a tier, and to move posts and topics back in time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from cps.services.context import Context
from cps.storage.models import Post, Topic
from tests.support.api import Api, User
from tests.support.direct import tiers_in
from tests.support.world import Builder
from tests.tiers.conftest import platform_admin

__all__ = ["platform_admin"]


async def place(api: Api, ctx: Context, tier: str, visibility: str = "public"
                ) -> tuple[User, dict[str, Any], dict[str, Any]]:
    """An org admin, an organization on `tier` and a space of it."""
    build = Builder(api, tiers=tiers_in(ctx))
    admin = await api.user("Org Admin")
    org = await build.org(admin, tier=tier)
    space = await build.space(admin, org["id"], visibility)
    return admin, org, space


async def set_post_time(ctx: Context, post_id: int, when: datetime) -> None:
    async with ctx.db.write() as tx:
        await tx.session.execute(update(Post).where(Post.id == post_id).values(created_at=when))


async def set_topic_time(ctx: Context, topic_id: int, when: datetime) -> None:
    """Move a topic and its opening post to `when`."""
    async with ctx.db.write() as tx:
        opening = await tx.session.scalar(
            select(func.min(Post.id)).where(Post.topic_id == topic_id)
        )
        await tx.session.execute(
            update(Topic).where(Topic.id == topic_id).values(created_at=when)
        )
        await tx.session.execute(update(Post).where(Post.id == opening).values(created_at=when))
