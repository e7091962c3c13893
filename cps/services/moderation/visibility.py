"""Hiding and restoring a post: the one path for a moderator's act on a post's
visibility. The post keeps its place in the thread; its author is told, the act
is audited, and the post's open flags close with it (hidden / dismissed)."""

from __future__ import annotations

import logging

from cps.services.audit import trail
from cps.services.context import Actor, Context
from cps.services.discussion import posts
from cps.services.discussion.views import PostView
from cps.services.moderation import decisions
from cps.services.orgs.access import is_staff

log = logging.getLogger("cps.moderation")


async def set_hidden(
    ctx: Context, actor: Actor, post_id: int, *, hidden: bool, reason: str | None
) -> PostView:
    """A moderator hides a post (keeping its place in the thread) or restores it."""
    async with ctx.db.write() as tx:
        post, topic, access, author = await posts.load_for_change(tx, actor, post_id)
        access.require_moderator()
        decisions.refuse_own_post(access, post)
        staff = await is_staff(tx.session, access.space, post.author_id)
        if post.hidden != hidden:
            await decisions.set_visibility(tx, ctx, post, topic, hidden=hidden,
                                           reason=reason, by=actor, notice=False,
                                           author_staff=staff)
            flags = await decisions.open_flags(tx, post.id)
            await trail.record(
                tx, ctx, access, space_id=topic.space_id,
                action="post.hide" if hidden else "post.restore", target_type="post",
                target_id=post.id, reason=reason or "",
                rule=decisions.rule(flags) if hidden else None,
            )
            await decisions.notice_author(
                tx, ctx, post, topic, "post.hidden" if hidden else "post.restored", reason
            )
            await decisions.resolve_flags(tx, ctx, flags, "hidden" if hidden else "dismissed",
                                          reason)
        view = posts.post_view(post, author, viewer=actor, moderator=True, staff=staff,
                               official=await posts.official_badge(tx.session, access,
                                                                   post.author_id))
    log.info("post visibility changed", extra={"post_id": post_id, "hidden": hidden})
    return view
