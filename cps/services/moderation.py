"""Posts under moderation: hiding and restoring, flags (auto-hide, resolution, bulk),
held posts (approve, reject), who may answer an appeal, and the moderation queue.

Flags hide a post only when they come from accounts older than the post, and
never a post of the space's staff (`staff_of`): that one tops the queue instead.

Check, do, notify: each service loads the space with the actor's roles and
requires a moderator of *that* space, changes the rows, writes one audit row
per act (cps/services/audit.py) and records its events in the same
transaction: post.hidden / post.restored / post.created on `topic:{id}` for
open pages, a notice on the author's `user:{id}`, `flag.resolved` on each
flagger's `user:{id}`.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from cps.services import audit, events, posts
from cps.services.access import SpaceAccess, is_staff, post_access, space_access, staff_of
from cps.services.context import Actor, Context
from cps.services.errors import Conflict, Forbidden, Invalid, NotFound
from cps.services.moderation_views import (
    AppealView,
    FlaggedPost,
    FlagOutcome,
    FlagResolution,
    QueueAppeal,
    QueueFlag,
    QueueView,
)
from cps.services.views import Author, PostView
from cps.storage.database import Transaction
from cps.storage.models import (
    Appeal,
    Flag,
    OrgAdmin,
    Post,
    Sanction,
    Space,
    SpaceModerator,
    Topic,
    User,
)
from cps.storage.types import utcnow

log = logging.getLogger("cps.moderation")

QUEUE_MAX = 100
BULK_MAX = 100
REJECTED_REASON = "Not approved by a moderator."


async def public_post(
    tx: Transaction, post: Post, topic: Topic, *, staff: bool | None = None
) -> dict[str, Any]:
    """What an event may say about a post: what an anonymous reader would see.
    `staff`: whether the author is staff of the space, when the caller knows."""
    author = await _author(tx, post)
    if staff is None:
        space = await tx.session.get(Space, topic.space_id)
        assert space is not None
        staff = await is_staff(tx.session, space, post.author_id)
    return posts.post_view(post, author, viewer=None, moderator=False, staff=staff).model_dump(
        mode="json"
    )


async def notify(tx: Transaction, ctx: Context, user_id: int, name: str,
                 data: dict[str, Any]) -> None:
    await events.record(tx, ctx.events, f"user:{user_id}", name, data)


async def _author(tx: Transaction, post: Post) -> User:
    author = await tx.session.get(User, post.author_id)
    assert author is not None
    return author


async def _notice_author(tx: Transaction, ctx: Context, post: Post, topic: Topic,
                         action: str, reason: str | None) -> None:
    await notify(tx, ctx, post.author_id, "moderation.notice", {
        "action": action, "space_id": topic.space_id, "topic_id": topic.id,
        "post_id": post.id, "reason": reason,
    })


async def set_visibility(
    tx: Transaction,
    ctx: Context,
    post: Post,
    topic: Topic,
    *,
    hidden: bool,
    reason: str | None,
    by: Actor | None,
    notice: bool = True,
    author_staff: bool | None = None,
) -> bool:
    """Hide (keeping the post's place in the thread) or restore a post, emit
    post.hidden / post.restored on the topic and tell the author. Answers
    whether anything changed. No audit row: the caller writes it. Restoring a
    held post publishes it (post.created: readers never heard of it before)."""
    if post.hidden == hidden and (hidden or post.review is None):
        return False
    # A post held for review was never announced: readers learn of it only when
    # it is published (then as post.created), never of what happens to it before.
    announced = post.review is None
    post.hidden = hidden
    post.hidden_reason = reason if hidden else None
    post.hidden_by = by.id if hidden and by is not None else None
    if not hidden:
        post.review = None
    await tx.session.flush()
    name = "post.hidden" if hidden else "post.restored"
    if announced or not hidden:
        await events.record(
            tx, ctx.events, f"topic:{topic.id}", name if announced else "post.created",
            await public_post(tx, post, topic, staff=author_staff),
        )
    if notice:
        await _notice_author(tx, ctx, post, topic, name, reason)
    return True


async def _open_flags(tx: Transaction, post_id: int) -> Sequence[Flag]:
    return (
        await tx.session.scalars(
            select(Flag).where(Flag.post_id == post_id, Flag.resolved_at.is_(None))
            .order_by(Flag.id)
        )
    ).all()


async def _resolve_flags(tx: Transaction, ctx: Context, flags: Sequence[Flag],
                         outcome: FlagOutcome, reason: str | None) -> int:
    """Close the flags and tell each flagger the outcome on their user channel."""
    now = utcnow()
    for flag in flags:
        flag.resolved_at = now
        flag.resolution = outcome
        await notify(tx, ctx, flag.user_id, "flag.resolved", {
            "flag_id": flag.id, "post_id": flag.post_id, "outcome": outcome, "reason": reason,
        })
    await tx.session.flush()
    return len(flags)


def _rule(flags: Sequence[Flag]) -> str | None:
    """The rule a flag group points at: its most common reason (earliest on a tie)."""
    if not flags:
        return None
    counts = Counter(f.reason for f in flags)
    return max(counts, key=lambda r: (counts[r], -[f.reason for f in flags].index(r)))


def _auto_hidden(post: Post) -> bool:
    return post.hidden and post.hidden_by is None and post.review is None


# --- hooks called by the posts service -------------------------------------------


async def after_visibility_change(
    tx: Transaction, ctx: Context, access: SpaceAccess, post: Post, topic: Topic,
    *, hidden: bool, reason: str | None,
) -> None:
    """A moderator hid or restored a post through the posts service: audit it, tell
    the author, and close the post's open flags (hidden / dismissed)."""
    flags = await _open_flags(tx, post.id)
    await audit.record(
        tx, ctx, access, space_id=topic.space_id,
        action="post.hide" if hidden else "post.restore", target_type="post",
        target_id=post.id, reason=reason or "", rule=_rule(flags) if hidden else None,
    )
    await _notice_author(tx, ctx, post, topic, "post.hidden" if hidden else "post.restored",
                         reason)
    await _resolve_flags(tx, ctx, flags, "hidden" if hidden else "dismissed", reason)


async def after_flag(
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
    await set_visibility(tx, ctx, post, topic, hidden=True, reason=reason, by=None)
    await audit.record(
        tx, ctx, None, space_id=topic.space_id, action="post.hide", target_type="post",
        target_id=post.id, reason=reason, rule="flag_threshold", detail=f"{count} flags",
    )
    log.info("post hidden automatically", extra={"post_id": post.id, "flags": count})


# --- flags ---------------------------------------------------------------------


async def _settle(
    tx: Transaction, ctx: Context, access: SpaceAccess, post: Post, topic: Topic,
    *, action: str, reason: str,
) -> FlagResolution:
    """Hide a post (closing its flags as "hidden") or dismiss its flags (restoring it
    if it was hidden automatically). One audit row when anything changed."""
    actor = access.require_moderator()
    flags = await _open_flags(tx, post.id)
    if action == "hide":
        changed = await set_visibility(
            tx, ctx, post, topic, hidden=True, reason=reason or None, by=actor
        )
        if not changed and post.hidden_by is None:  # confirm an automatic hide
            post.hidden_by = actor.id
            post.hidden_reason = reason or post.hidden_reason
            changed = True
        outcome: FlagOutcome = "hidden"
        audit_action, rule = "post.hide", _rule(flags)
    else:
        changed = _auto_hidden(post) and await set_visibility(
            tx, ctx, post, topic, hidden=False, reason=reason or None, by=actor
        )
        outcome, audit_action, rule = "dismissed", "flags.dismiss", None
    resolved = await _resolve_flags(tx, ctx, flags, outcome, reason or None)
    if changed or resolved:
        await audit.record(
            tx, ctx, access, space_id=topic.space_id, action=audit_action, target_type="post",
            target_id=post.id, reason=reason, rule=rule,
            detail=f"{resolved} flag{'' if resolved == 1 else 's'}"
            + ("; restored" if action != "hide" and changed else ""),
        )
    return FlagResolution(post_id=post.id, outcome=outcome, flags_resolved=resolved)


OWN_POST = (
    "You cannot decide on your own post; another moderator or the organization's "
    "admins will."
)


def refuse_own_post(access: SpaceAccess, post: Post) -> None:
    """Nobody judges their own case: a moderator may not hide, restore, approve or
    reject their own post, nor settle the flags on it. The organization's admins
    and platform admins, who answer for the space, may."""
    actor = access.actor
    if actor is not None and actor.id == post.author_id and not access.can_administer:
        raise Forbidden(OWN_POST, code="own_post")


async def resolve_flag(
    ctx: Context, actor: Actor, flag_id: int, *, action: str, reason: str
) -> FlagResolution:
    """Resolve a flag, and with it every open flag on the same post."""
    async with ctx.db.write() as tx:
        flag = await tx.session.get(Flag, flag_id)
        if flag is None:
            raise NotFound("No such flag.")
        try:
            post, topic, access = await post_access(tx.session, actor, flag.post_id)
        except NotFound:
            raise NotFound("No such flag.") from None
        access.require_moderator()
        refuse_own_post(access, post)
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
            refuse_own_post(access, found[i][0])
        results = [
            await _settle(tx, ctx, access, *found[i], action=action, reason=reason) for i in ids
        ]
    log.info("bulk moderation", extra={"space_id": space_id, "count": len(results)})
    return results


# --- held posts ----------------------------------------------------------------


async def _held(tx: Transaction, actor: Actor, post_id: int) -> tuple[Post, Topic, SpaceAccess]:
    post, topic, access = await post_access(tx.session, actor, post_id)
    access.require_moderator()
    refuse_own_post(access, post)
    if post.review != "pending":
        raise Conflict("This post is not waiting for approval.", code="not_pending")
    return post, topic, access


async def publish(tx: Transaction, ctx: Context, post: Post, topic: Topic) -> None:
    """Make a held or rejected post visible to everyone and announce it (post.created)."""
    post.review = None
    post.hidden = False
    post.hidden_reason = None
    post.hidden_by = None
    await tx.session.flush()
    await events.record(
        tx, ctx.events, f"topic:{topic.id}", "post.created",
        await public_post(tx, post, topic),
    )


async def approve(ctx: Context, actor: Actor, post_id: int) -> PostView:
    async with ctx.db.write() as tx:
        post, topic, access = await _held(tx, actor, post_id)
        rule = post.review_rule
        await publish(tx, ctx, post, topic)
        await audit.record(tx, ctx, access, space_id=topic.space_id, action="post.approve",
                           target_type="post", target_id=post.id, rule=rule)
        await _notice_author(tx, ctx, post, topic, "post.approved", None)
        view = posts.post_view(post, await _author(tx, post), viewer=actor, moderator=True)
    log.info("held post approved", extra={"post_id": post_id})
    return view


async def reject(ctx: Context, actor: Actor, post_id: int, *, reason: str) -> PostView:
    async with ctx.db.write() as tx:
        post, topic, access = await _held(tx, actor, post_id)
        post.review = "rejected"
        post.hidden_reason = reason or REJECTED_REASON
        post.hidden_by = actor.id
        await tx.session.flush()
        await audit.record(tx, ctx, access, space_id=topic.space_id, action="post.reject",
                           target_type="post", target_id=post.id, reason=reason,
                           rule=post.review_rule)
        await _notice_author(tx, ctx, post, topic, "post.rejected", post.hidden_reason)
        view = posts.post_view(post, await _author(tx, post), viewer=actor, moderator=True)
    log.info("held post rejected", extra={"post_id": post_id})
    return view


# --- appeals: who answers them ------------------------------------------------


async def _deciders(session: AsyncSession, appeals: Sequence[Appeal]) -> dict[int, int | None]:
    """Who made each appealed decision: the moderator who hid or turned down the post
    (None when flags hid it), the one who imposed the ban."""
    post_ids = [a.subject_id for a in appeals if a.kind == "post"]
    ban_ids = [a.subject_id for a in appeals if a.kind == "ban"]
    by_post: dict[int, int | None] = {}
    by_ban: dict[int, int | None] = {}
    if post_ids:
        by_post = {i: u for i, u in (await session.execute(
            select(Post.id, Post.hidden_by).where(Post.id.in_(post_ids)))).all()}
    if ban_ids:
        by_ban = {i: u for i, u in (await session.execute(
            select(Sanction.id, Sanction.created_by).where(Sanction.id.in_(ban_ids)))).all()}
    return {a.id: (by_post if a.kind == "post" else by_ban).get(a.subject_id) for a in appeals}


async def _answerers(session: AsyncSession, space: Space) -> set[int]:
    """The people who answer the space's appeals: its moderators and its
    organization's admins (platform admins may too, but are not counted on)."""
    mods = select(SpaceModerator.user_id).where(SpaceModerator.space_id == space.id)
    admins = select(OrgAdmin.user_id).where(OrgAdmin.org_id == space.org_id)
    return set((await session.scalars(mods.union(admins))).all())


async def answer_refusals(
    session: AsyncSession, access: SpaceAccess, appeals: Sequence[Appeal]
) -> dict[int, Forbidden | None]:
    """Why the actor, a moderator of the space, may not answer each appeal (None: they
    may). Nobody answers their own appeal. Nobody answers an appeal of their own
    decision either, unless nobody else (another moderator of the space, an admin of
    its organization) could: then the appeal would wait for ever."""
    actor = access.require_moderator()
    deciders = await _deciders(session, appeals)
    answerers: set[int] | None = None
    refusals: dict[int, Forbidden | None] = {}
    for appeal in appeals:
        refusal = None
        if appeal.user_id == actor.id:
            refusal = Forbidden(
                "You cannot answer your own appeal: another moderator of the space or an "
                "admin of its organization answers it.", code="own_appeal")
        elif deciders[appeal.id] == actor.id:
            if answerers is None:
                answerers = await _answerers(session, access.space)
            if answerers - {actor.id, appeal.user_id}:
                refusal = Forbidden(
                    "You made the decision under appeal: another moderator of the space or "
                    "an admin of its organization answers it.", code="own_decision")
        refusals[appeal.id] = refusal
    return refusals


# --- the queue -----------------------------------------------------------------


def appeal_view(appeal: Appeal, user: User) -> AppealView:
    return AppealView(
        id=appeal.id, space_id=appeal.space_id, kind=appeal.kind,
        subject_id=appeal.subject_id, user=Author.model_validate(user), text=appeal.text,
        status=appeal.status,
        created_at=appeal.created_at, answered_at=appeal.answered_at, answer=appeal.answer,
    )


def _queue_appeal(
    appeal: Appeal, user: User, refusal: Forbidden | None, post: PostView | None
) -> QueueAppeal:
    return QueueAppeal(
        **appeal_view(appeal, user).model_dump(), can_answer=refusal is None,
        answer_refused=refusal.message if refusal is not None else None, post=post,
    )


async def queue(ctx: Context, actor: Actor, space_id: int) -> QueueView:
    """Flagged posts grouped per post (staff posts first, then most flags, then oldest
    first), held posts (oldest first) and open appeals (oldest first)."""
    async with ctx.db.read() as session:
        access = await space_access(session, actor, space_id)
        access.require_moderator()
        count = func.count(Flag.id).label("n")
        first = func.min(Flag.created_at).label("first")
        escalated = staff_of(space_id, access.space.org_id, Post.author_id).label("escalated")
        groups = (
            await session.execute(
                select(Flag.post_id, count, first, escalated)
                .join(Post, Post.id == Flag.post_id)
                .join(Topic, Topic.id == Post.topic_id)
                .where(Topic.space_id == space_id, Flag.resolved_at.is_(None))
                .group_by(Flag.post_id, Post.author_id)
                .order_by(escalated.desc(), count.desc(), first.asc(), Flag.post_id)
                .limit(QUEUE_MAX)
            )
        ).all()
        ids = [g.post_id for g in groups]
        author = aliased(User)
        flagged_posts = {
            p.id: (p, u)
            for p, u in (
                await session.execute(
                    select(Post, author).join(author, author.id == Post.author_id)
                    .where(Post.id.in_(ids))
                )
            ).all()
        }
        flags: dict[int, list[QueueFlag]] = defaultdict(list)
        for flag, by in (
            await session.execute(
                select(Flag, User).join(User, User.id == Flag.user_id)
                .where(Flag.post_id.in_(ids), Flag.resolved_at.is_(None)).order_by(Flag.id)
            )
        ).all():
            flags[flag.post_id].append(QueueFlag(
                id=flag.id, reason=flag.reason, note=flag.note,
                created_at=flag.created_at, by=Author.model_validate(by),
                established=by.created_at <= flagged_posts[flag.post_id][0].created_at,
            ))
        pending = (
            await session.execute(
                select(Post, User).join(User, User.id == Post.author_id)
                .join(Topic, Topic.id == Post.topic_id)
                .where(Topic.space_id == space_id, Post.review == "pending")
                .order_by(Post.id).limit(QUEUE_MAX)
            )
        ).all()
        appeals = (
            await session.execute(
                select(Appeal, User).join(User, User.id == Appeal.user_id)
                .where(Appeal.space_id == space_id, Appeal.status == "open")
                .order_by(Appeal.id).limit(QUEUE_MAX)
            )
        ).all()
        refusals = await answer_refusals(session, access, [a for a, _ in appeals])
        appealed = [a.subject_id for a, _ in appeals if a.kind == "post"]
        appealed_posts = {
            p.id: posts.post_view(p, u, viewer=actor, moderator=True)
            for p, u in (
                await session.execute(
                    select(Post, author).join(author, author.id == Post.author_id)
                    .where(Post.id.in_(appealed))
                )
            ).all()
        } if appealed else {}
    flagged = []
    for g in groups:
        post, user = flagged_posts[g.post_id]
        group = flags[g.post_id]
        flagged.append(FlaggedPost(
            post=posts.post_view(post, user, viewer=actor, moderator=True),
            flag_count=int(g.n), first_flagged_at=g.first,
            reasons=dict(Counter(f.reason for f in group)), flags=group,
            auto_hidden=_auto_hidden(post), escalated=bool(g.escalated),
        ))
    return QueueView(
        flagged=flagged,
        pending=[posts.post_view(p, u, viewer=actor, moderator=True) for p, u in pending],
        appeals=[
            _queue_appeal(a, u, refusals[a.id],
                          appealed_posts.get(a.subject_id) if a.kind == "post" else None)
            for a, u in appeals
        ],
    )
