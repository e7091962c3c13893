"""Following over the API: read and choose your level for a topic or a space.

Signed in only; a topic or space the person may not read is 404, as everywhere
(`orgs.access`). Choosing `normal` is a choice like the others: it is kept, and
no default overrides it later."""

from __future__ import annotations

import logging

from cps.services.context import Actor, Context
from cps.services.following import levels
from cps.services.following.views import FollowView, Level
from cps.services.orgs.access import space_access, topic_access

log = logging.getLogger("cps.following")


async def topic_level(ctx: Context, actor: Actor, topic_id: int) -> FollowView:
    async with ctx.db.read() as session:
        await topic_access(session, actor, topic_id)
        own = await levels.own_topic_level(session, actor.id, topic_id)
        if own is not None:
            return FollowView(level=own)
        return FollowView(level=await levels.level(session, actor.id, topic_id), inherited=True)


async def follow_topic(ctx: Context, actor: Actor, topic_id: int, level: Level) -> FollowView:
    async with ctx.db.write() as tx:
        await topic_access(tx.session, actor, topic_id)
        await levels.set_topic(tx, actor.id, topic_id, level)
    log.info("topic level set", extra={"topic_id": topic_id, "level": level})
    return FollowView(level=level)


async def space_level(ctx: Context, actor: Actor, space_id: int) -> FollowView:
    async with ctx.db.read() as session:
        await space_access(session, actor, space_id)
        return FollowView(level=await levels.space_level(session, actor.id, space_id))


async def follow_space(ctx: Context, actor: Actor, space_id: int, level: Level) -> FollowView:
    async with ctx.db.write() as tx:
        await space_access(tx.session, actor, space_id)
        await levels.set_space(tx, actor.id, space_id, level)
    log.info("space level set", extra={"space_id": space_id, "level": level})
    return FollowView(level=level)
