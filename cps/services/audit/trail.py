"""The audit log of moderation acts, and the public moderation log drawn from it.

Every moderation act writes one row in the transaction that makes the change
(`record`), so an act and its row commit or roll back together. Rows are never
changed or removed: the database refuses UPDATE and DELETE on the table. The
public log shows the same rows with only the kind of act, the rule, the role
of who acted and when; each new row is also announced on the space's channel
(`moderation.logged`) so an open log page updates live.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from cps.services.accounts.views import Author
from cps.services.audit import details
from cps.services.audit.views import (
    ActorRole,
    AuditEntry,
    AuditPage,
    AuditTarget,
    PublicLogEntry,
    PublicLogPage,
)
from cps.services.context import Actor, Context
from cps.services.events import channels, journal, review
from cps.services.orgs.access import SpaceAccess, space_access
from cps.storage.database import Transaction
from cps.storage.models import ModerationAction, Post, Space, Topic, User
from cps.storage.types import utcnow

PAGE_MAX = 200


def role_of(access: SpaceAccess | None) -> ActorRole:
    """The strongest role the acting user holds in the space (None: the system)."""
    if access is None or access.actor is None:
        return "system"
    if access.is_platform_admin:
        return "platform_admin"
    if access.is_org_admin:
        return "org_admin"
    return "moderator"


def public_entry(row: ModerationAction) -> PublicLogEntry:
    role: ActorRole = row.actor_role  # type: ignore[assignment]
    return PublicLogEntry(
        id=row.id, action=row.action, rule=row.rule, role=role, created_at=row.created_at
    )


async def record(
    tx: Transaction,
    ctx: Context,
    access: SpaceAccess | None,
    *,
    space_id: int,
    action: str,
    target_type: str,
    target_id: int,
    reason: str = "",
    rule: str | None = None,
    detail: str = "",
) -> ModerationAction:
    """Write one audit row for an act by `access.actor` (the system when None)."""
    actor = access.actor if access is not None else None
    row = ModerationAction(
        space_id=space_id,
        actor_id=actor.id if actor else None,
        actor_role=role_of(access),
        action=action,
        target_type=target_type,
        target_id=target_id,
        rule=rule,
        reason=reason,
        detail=detail,
        created_at=utcnow(),
    )
    tx.session.add(row)
    await tx.session.flush()
    await journal.record(
        tx, ctx.events, channels.space(space_id), "moderation.logged",
        public_entry(row).model_dump(mode="json"),
    )
    # Every moderation act may settle something of the queue (a flag, a held post,
    # an appeal): its pages read it again.
    await review.queue_changed(tx, ctx, space_id, action)
    return row


async def entries(
    ctx: Context,
    actor: Actor,
    space_id: int,
    *,
    action: str | None = None,
    actor_id: int | None = None,
    since: datetime | None = None,
    before: int | None = None,
    limit: int = 50,
) -> AuditPage:
    """The audit log, newest first (the organization's admins and the space's moderators)."""
    limit = max(1, min(limit, PAGE_MAX))
    async with ctx.db.read() as session:
        access = await space_access(session, actor, space_id)
        access.require_moderator()
        who = aliased(User)
        stmt = (
            select(ModerationAction, who)
            .outerjoin(who, who.id == ModerationAction.actor_id)
            .where(ModerationAction.space_id == space_id)
        )
        if action is not None:
            stmt = stmt.where(ModerationAction.action == action)
        if actor_id is not None:
            stmt = stmt.where(ModerationAction.actor_id == actor_id)
        if since is not None:
            stmt = stmt.where(ModerationAction.created_at >= since)
        if before is not None:
            stmt = stmt.where(ModerationAction.id < before)
        stmt = stmt.order_by(ModerationAction.id.desc()).limit(limit + 1)
        rows = (await session.execute(stmt)).all()
        targets = await _targets(session, access.space, [row for row, _ in rows[:limit]])
    items = [
        AuditEntry(
            id=row.id,
            space_id=row.space_id,
            actor=Author.model_validate(user) if user is not None else None,
            role=row.actor_role,
            action=row.action,
            target_type=row.target_type,
            target_id=row.target_id,
            rule=row.rule,
            reason=row.reason,
            detail=row.detail,
            created_at=row.created_at,
            target=targets.get((row.target_type, row.target_id), AuditTarget()),
            until=details.until_of(row.detail),
            flags=details.flags_of(row.detail),
        )
        for row, user in rows[:limit]
    ]
    next_before = items[-1].id if len(rows) > limit else None
    return AuditPage(entries=items, next_before=next_before)


async def _targets(session: AsyncSession, space: Space, rows: Sequence[ModerationAction]
                   ) -> dict[tuple[str, int], AuditTarget]:
    """The names of what `rows` acted on, in `space` (already read for its access):
    one statement per kind of target."""
    space_id = space.id
    wanted: dict[str, set[int]] = {}
    for row in rows:
        wanted.setdefault(row.target_type, set()).add(row.target_id)
    out: dict[tuple[str, int], AuditTarget] = {}
    if ids := wanted.get("user"):
        for uid, name, handle in await session.execute(
                select(User.id, User.display_name, User.handle).where(User.id.in_(ids))):
            out["user", uid] = AuditTarget(name=name, handle=handle)
    if ids := wanted.get("topic"):
        for tid, title in await session.execute(select(Topic.id, Topic.title).where(
                Topic.id.in_(ids), Topic.space_id == space_id)):
            out["topic", tid] = AuditTarget(name=title, topic_id=tid)
    if ids := wanted.get("post"):
        for pid, tid, title in await session.execute(
                select(Post.id, Topic.id, Topic.title).join(Topic, Topic.id == Post.topic_id)
                .where(Post.id.in_(ids), Topic.space_id == space_id)):
            out["post", pid] = AuditTarget(name=title, topic_id=tid, post_id=pid)
    if space_id in wanted.get("space", set()):
        out["space", space_id] = AuditTarget(name=space.name)
    return out


async def public_log(
    ctx: Context, actor: Actor | None, space_id: int, *, before: int | None, limit: int
) -> PublicLogPage:
    """The public moderation log, newest first: anyone who can see the space."""
    limit = max(1, min(limit, PAGE_MAX))
    async with ctx.db.read() as session:
        await space_access(session, actor, space_id)
        stmt = select(ModerationAction).where(ModerationAction.space_id == space_id)
        if before is not None:
            stmt = stmt.where(ModerationAction.id < before)
        rows = (
            await session.scalars(stmt.order_by(ModerationAction.id.desc()).limit(limit + 1))
        ).all()
    items = [public_entry(row) for row in rows[:limit]]
    return PublicLogPage(entries=items, next_before=items[-1].id if len(rows) > limit else None)
