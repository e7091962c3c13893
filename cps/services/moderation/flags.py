"""Flags: participants point a moderator at a post; enough of them hide it
pending review; a moderator settles them (hide the post, or dismiss the flags),
one post or many at once. Each flagger hears the outcome on their user channel.
"""

from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from cps.services.audit import details, trail
from cps.services.context import Actor, Context
from cps.services.discussion import admission, posts
from cps.services.discussion.views import FlagView
from cps.services.errors import Conflict, Invalid, NotFound
from cps.services.events import review as queue_events
from cps.services.moderation import decisions
from cps.services.moderation.views import FlagOutcome, FlagResolution
from cps.services.orgs.access import SpaceAccess, is_staff, post_access, space_access
from cps.storage.database import Transaction
from cps.storage.models import Flag, Post, Topic, User

log = logging.getLogger("cps.moderation")

BULK_MAX = 100


async def flag_post(
    ctx: Context, actor: Actor, post_id: int, *, reason: str, note: str
) -> FlagView:
    if reason == "other" and not note.strip():
        raise Invalid({"note": "Say what is wrong when the reason is 'other'."})
    try:
        async with ctx.db.write() as tx:
            post, topic, access, _ = await posts.load_for_change(tx, actor, post_id)
            if post.author_id == actor.id:
                raise Conflict("You cannot flag your own post.", code="own_post")
            await admission.check_flag(tx, actor, access, post)
            flag = Flag(post_id=post_id, user_id=actor.id, reason=reason, note=note.strip())
            tx.session.add(flag)
            await tx.session.flush()
            await queue_events.queue_changed(tx, ctx, topic.space_id, "flag.created")
            await _hide_when_flagged(tx, ctx, access, post, topic)
            view = FlagView.model_validate(flag)
    except IntegrityError:
        raise Conflict("You have already flagged this post.", code="already_flagged") from None
    log.info("post flagged", extra={"post_id": post_id, "reason": reason})
    return view


async def _hide_when_flagged(
    tx: Transaction, ctx: Context, access: SpaceAccess, post: Post, topic: Topic
) -> None:
    """Hide a post automatically, pending review, once enough distinct established
    participants flag it: people whose account is older than the post (accounts made
    after it, such as throwaways made to silence it, only reach the queue). Staff
    posts (`staff_of`) are never hidden by flags; the queue lists them first."""
    if post.hidden or post.deleted_at is not None:
        return
    flaggers = await tx.session.scalar(
        select(func.count(func.distinct(Flag.user_id)))
        .join(User, User.id == Flag.user_id)
        .where(Flag.post_id == post.id, Flag.resolved_at.is_(None),
               User.created_at <= post.created_at)
    )
    count = int(flaggers or 0)
    if count < access.space.flag_threshold:
        return
    if await is_staff(tx.session, access.space, post.author_id):
        log.info("staff post escalated", extra={"post_id": post.id, "flags": count})
        return
    reason = f"Hidden automatically after {count} flags; a moderator will review it."
    await decisions.set_visibility(tx, ctx, post, topic, hidden=True, reason=reason, by=None)
    await trail.record(
        tx, ctx, None, space_id=topic.space_id, action="post.hide", target_type="post",
        target_id=post.id, reason=reason, rule="flag_threshold", detail=details.flags(count),
    )
    log.info("post hidden automatically", extra={"post_id": post.id, "flags": count})


async def _settle(
    tx: Transaction, ctx: Context, access: SpaceAccess, post: Post, topic: Topic,
    *, action: str, reason: str,
) -> FlagResolution:
    """Hide a post (closing its flags as "hidden") or dismiss its flags (restoring it
    if it was hidden automatically). One audit row when anything changed."""
    actor = access.require_moderator()
    flags = await decisions.open_flags(tx, post.id)
    if action == "hide":
        changed = await decisions.set_visibility(
            tx, ctx, post, topic, hidden=True, reason=reason or None, by=actor
        )
        if not changed and post.hidden_by is None:  # confirm an automatic hide
            post.hidden_by = actor.id
            post.hidden_reason = reason or post.hidden_reason
            changed = True
        outcome: FlagOutcome = "hidden"
        audit_action, rule = "post.hide", decisions.rule(flags)
    else:
        changed = decisions.auto_hidden(post) and await decisions.set_visibility(
            tx, ctx, post, topic, hidden=False, reason=reason or None, by=actor
        )
        outcome, audit_action, rule = "dismissed", "flags.dismiss", None
    resolved = await decisions.resolve_flags(tx, ctx, flags, outcome, reason or None)
    if changed or resolved:
        await trail.record(
            tx, ctx, access, space_id=topic.space_id, action=audit_action, target_type="post",
            target_id=post.id, reason=reason, rule=rule,
            detail=details.flags(resolved, restored=action != "hide" and changed),
        )
    return FlagResolution(post_id=post.id, outcome=outcome, flags_resolved=resolved)


async def resolve_flag(
    ctx: Context, actor: Actor, flag_id: int, *, action: str, reason: str
) -> FlagResolution:
    """Resolve a flag, and with it every open flag on the same post."""
    async with ctx.db.write() as tx:
        flag = await tx.session.get(Flag, flag_id)
        if flag is None:
            raise NotFound("No such flag.")
        post, topic, access = await post_access(tx.session, actor, flag.post_id,
                                                missing="No such flag.")
        access.require_moderator()
        decisions.refuse_own_post(access, post)
        if flag.resolved_at is not None:
            raise Conflict("This flag was already resolved.", code="already_resolved")
        result = await _settle(tx, ctx, access, post, topic, action=action, reason=reason)
    log.info("flag resolved", extra={"flag_id": flag_id, "outcome": result.outcome})
    return result


async def bulk(
    ctx: Context, actor: Actor, space_id: int, *, action: str,
    post_ids: list[int], flag_ids: list[int], reason: str,
) -> list[FlagResolution]:
    """Hide or dismiss many posts of one space at once (given directly or by their flags)."""
    if not post_ids and not flag_ids:
        raise Invalid({"post_ids": "Give post_ids or flag_ids."})
    if len(post_ids) + len(flag_ids) > BULK_MAX:
        raise Invalid({"post_ids": f"At most {BULK_MAX} items at once."})
    async with ctx.db.write() as tx:
        access = await space_access(tx.session, actor, space_id)
        access.require_moderator()
        ids = list(dict.fromkeys(post_ids))
        if flag_ids:
            rows = (
                await tx.session.execute(select(Flag.id, Flag.post_id).where(
                    Flag.id.in_(flag_ids)))
            ).all()
            missing = set(flag_ids) - {fid for fid, _ in rows}
            if missing:
                raise Invalid({"flag_ids": f"No such flags: {sorted(missing)}."})
            by_flag = dict(rows)
            ids += [pid for pid in dict.fromkeys(by_flag[f] for f in flag_ids) if pid not in ids]
        found = {
            p.id: (p, t)
            for p, t in (
                await tx.session.execute(
                    select(Post, Topic).join(Topic, Topic.id == Post.topic_id)
                    .where(Post.id.in_(ids), Topic.space_id == space_id)
                )
            ).all()
        }
        strangers = [i for i in ids if i not in found]
        if strangers:
            field = "flag_ids" if not post_ids else "post_ids"
            raise Invalid({field: f"Not posts of this space: {strangers}."})
        for i in ids:
            decisions.refuse_own_post(access, found[i][0])
        results = [
            await _settle(tx, ctx, access, *found[i], action=action, reason=reason) for i in ids
        ]
    log.info("bulk moderation", extra={"space_id": space_id, "count": len(results)})
    return results
