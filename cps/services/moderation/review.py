"""Posts held for review: a moderator approves (publishes) or rejects them."""

from __future__ import annotations

import logging

from cps.services.audit import trail
from cps.services.context import Actor, Context
from cps.services.discussion import posts
from cps.services.discussion.views import PostView
from cps.services.errors import Conflict
from cps.services.moderation import decisions
from cps.services.orgs.access import SpaceAccess, post_access
from cps.storage.database import Transaction
from cps.storage.models import Post, Topic

log = logging.getLogger("cps.moderation")

REJECTED_REASON = "Not approved by a moderator."


async def _held(tx: Transaction, actor: Actor, post_id: int) -> tuple[Post, Topic, SpaceAccess]:
    post, topic, access = await post_access(tx.session, actor, post_id)
    access.require_moderator()
    decisions.refuse_own_post(access, post)
    if post.review != "pending":
        raise Conflict("This post is not waiting for approval.", code="not_pending")
    return post, topic, access


async def approve(ctx: Context, actor: Actor, post_id: int) -> PostView:
    async with ctx.db.write() as tx:
        post, topic, access = await _held(tx, actor, post_id)
        rule = post.review_rule
        await decisions.publish(tx, ctx, post, topic)
        await trail.record(tx, ctx, access, space_id=topic.space_id, action="post.approve",
                           target_type="post", target_id=post.id, rule=rule)
        await decisions.notice_author(tx, ctx, post, topic, "post.approved", None)
        view = posts.post_view(post, await decisions.author(tx, post), viewer=actor, moderator=True,
                               official=await posts.official_badge(tx.session, access,
                                                                   post.author_id))
    log.info("held post approved", extra={"post_id": post_id})
    return view


async def reject(ctx: Context, actor: Actor, post_id: int, *, reason: str) -> PostView:
    async with ctx.db.write() as tx:
        post, topic, access = await _held(tx, actor, post_id)
        post.review = "rejected"
        post.hidden_reason = reason or REJECTED_REASON
        post.hidden_by = actor.id
        await tx.session.flush()
        await trail.record(tx, ctx, access, space_id=topic.space_id, action="post.reject",
                           target_type="post", target_id=post.id, reason=reason,
                           rule=post.review_rule)
        await decisions.notice_author(tx, ctx, post, topic, "post.rejected", post.hidden_reason)
        view = posts.post_view(post, await decisions.author(tx, post), viewer=actor, moderator=True,
                               official=await posts.official_badge(tx.session, access,
                                                                   post.author_id))
    log.info("held post rejected", extra={"post_id": post_id})
    return view
