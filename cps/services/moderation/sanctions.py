"""Mutes and bans: imposed per space by its moderators, for a time or for good.

A mute lets the user read but not post; a ban also stops them reacting and
flagging, and ends their live subscriptions to the space (an `access.changed`
event on their user channel makes their open sockets re-check, and
`subscriptions.permission.authorize` refuses a banned user). Moderators and admins of the
space cannot be sanctioned in it. Imposing a sanction of a kind the user
already has replaces it. Expiry is checked at use time (cps/services/orgs/standing.py).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from cps.services.accounts.views import Author
from cps.services.audit import details, trail
from cps.services.context import Actor, Context
from cps.services.errors import Forbidden, Invalid, NotFound
from cps.services.events import notify
from cps.services.moderation import decisions
from cps.services.moderation.views import SanctionView
from cps.services.orgs import standing
from cps.services.orgs.access import SpaceAccess, space_access
from cps.storage.database import Transaction
from cps.storage.models import OrgAdmin, Post, Sanction, SpaceModerator, Topic, User
from cps.storage.types import utcnow

log = logging.getLogger("cps.sanctions")

MAX_DURATION = 100 * 365 * 24 * 3600


def sanction_view(sanction: Sanction, user: User) -> SanctionView:
    now = utcnow()
    active = sanction.lifted_at is None and (
        sanction.expires_at is None or sanction.expires_at > now
    )
    return SanctionView(
        id=sanction.id, space_id=sanction.space_id, user=Author.model_validate(user),
        kind=sanction.kind,
        reason=sanction.reason, created_at=sanction.created_at,
        expires_at=sanction.expires_at, active=active,
    )


async def _target(session: AsyncSession, access: SpaceAccess, actor: Actor, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise Invalid({"user_id": "No user has this id."})
    if user.id == actor.id:
        raise Forbidden("You cannot mute or ban yourself.", code="cannot_sanction_self")
    staff = user.is_platform_admin or bool(
        await session.scalar(
            select(
                exists().where(OrgAdmin.org_id == access.org.id, OrgAdmin.user_id == user_id)
                | exists().where(
                    SpaceModerator.space_id == access.space.id, SpaceModerator.user_id == user_id
                )
            )
        )
    )
    if staff:
        raise Forbidden(
            "Moderators and admins of this space cannot be muted or banned in it.",
            code="cannot_sanction_moderator",
        )
    return user


async def _lift(tx: Transaction, actor: Actor, sanction: Sanction) -> None:
    sanction.lifted_at = utcnow()
    sanction.lifted_by = actor.id
    await tx.session.flush()


async def _hide_all_posts(
    tx: Transaction, ctx: Context, access: SpaceAccess, actor: Actor, user_id: int,
    *, reason: str, rule: str | None, ban_id: int,
) -> int:
    rows = (
        await tx.session.execute(
            select(Post, Topic).join(Topic, Topic.id == Post.topic_id)
            .where(
                Topic.space_id == access.space.id,
                Post.author_id == user_id,
                Post.hidden.is_(False),
                Post.deleted_at.is_(None),
            )
            .order_by(Post.id)
        )
    ).all()
    for post, topic in rows:
        await decisions.set_visibility(
            tx, ctx, post, topic, hidden=True, reason=reason, by=actor, notice=False
        )
        await trail.record(
            tx, ctx, access, space_id=access.space.id, action="post.hide", target_type="post",
            target_id=post.id, reason=reason, rule=rule, detail=f"with ban {ban_id}",
        )
    return len(rows)


async def impose(
    ctx: Context,
    actor: Actor,
    space_id: int,
    *,
    user_id: int,
    kind: str,
    reason: str,
    duration_seconds: int | None,
    rule: str | None = None,
    hide_posts: bool = False,
) -> tuple[SanctionView, int]:
    """Mute or ban a user in a space; answers the sanction and how many posts were hidden."""
    if duration_seconds is not None and not 1 <= duration_seconds <= MAX_DURATION:
        raise Invalid({"duration_seconds": f"From 1 to {MAX_DURATION} seconds, or omit it."})
    async with ctx.db.write() as tx:
        access = await space_access(tx.session, actor, space_id)
        access.require_moderator()
        user = await _target(tx.session, access, actor, user_id)
        replaced = (await standing.active(tx.session, space_id, user_id)).get(kind)
        if replaced is not None:
            await _lift(tx, actor, replaced)
        now = utcnow()
        sanction = Sanction(
            space_id=space_id, user_id=user_id, kind=kind, reason=reason, created_by=actor.id,
            created_at=now,
            expires_at=now + timedelta(seconds=duration_seconds) if duration_seconds else None,
        )
        tx.session.add(sanction)
        await tx.session.flush()
        await trail.record(
            tx, ctx, access, space_id=space_id, action=f"user.{kind}", target_type="user",
            target_id=user_id, reason=reason, rule=rule,
            detail=details.sanction(sanction.expires_at, replaced.id if replaced else None),
        )
        hidden = 0
        if kind == "ban" and hide_posts:
            hidden = await _hide_all_posts(
                tx, ctx, access, actor, user_id, reason=reason, rule=rule, ban_id=sanction.id
            )
        await notify.user(tx, ctx, user_id, "moderation.notice", {
            "action": "user.muted" if kind == "mute" else "user.banned", "space_id": space_id,
            "reason": reason, "expires_at": sanction.expires_at.isoformat()
            if sanction.expires_at else None,
        })
        if kind == "ban":
            await notify.user(tx, ctx, user_id, "access.changed", {"space_id": space_id})
        view = sanction_view(sanction, user)
    log.info("user sanctioned", extra={"space_id": space_id, "user_id": user_id, "kind": kind})
    return view, hidden


async def lift(ctx: Context, actor: Actor, space_id: int, user_id: int, *, kind: str) -> None:
    """Lift a mute or a ban before its time."""
    async with ctx.db.write() as tx:
        access = await space_access(tx.session, actor, space_id)
        access.require_moderator()
        sanction = (await standing.active(tx.session, space_id, user_id)).get(kind)
        if sanction is None:
            raise NotFound(f"This user has no {kind} in force here.")
        await _lift(tx, actor, sanction)
        await trail.record(
            tx, ctx, access, space_id=space_id, action=f"user.un{kind}", target_type="user",
            target_id=user_id, detail=f"lifts {sanction.id}",
        )
        await notify.user(tx, ctx, user_id, "moderation.notice", {
            "action": "user.unmuted" if kind == "mute" else "user.unbanned",
            "space_id": space_id, "reason": None, "expires_at": None,
        })
    log.info("sanction lifted", extra={"space_id": space_id, "user_id": user_id, "kind": kind})


async def in_force(ctx: Context, actor: Actor, space_id: int) -> list[SanctionView]:
    """The mutes and bans in force in a space (moderators)."""
    async with ctx.db.read() as session:
        (await space_access(session, actor, space_id)).require_moderator()
        rows = (
            await session.execute(
                select(Sanction, User).join(User, User.id == Sanction.user_id)
                .where(Sanction.space_id == space_id, standing.in_force())
                .order_by(Sanction.id)
            )
        ).all()
    return [sanction_view(s, u) for s, u in rows]
