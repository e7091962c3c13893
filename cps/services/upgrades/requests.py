"""Tier changes: upgrade requests, the platform's decisions, direct changes, history.

Check, then do, then notify: every change of an organization's tier writes a
`TierChange` row and, in the same transaction, an `org.tier_changed` event on
the `user:{id}` channel of each of the organization's admins and of each
platform admin (a decision on a request also sends `upgrade_request.decided`,
to the organization's admins). The organization row is locked
while its tier is read and changed, so a decision, a direct change and a new
request on one organization never interleave. What a tier allows is asked of
`cps.services.tiers.plans`; nothing here compares tier names itself.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from cps.services.accounts.views import Author
from cps.services.context import Actor, Context
from cps.services.errors import Conflict, Forbidden, Invalid, NotFound
from cps.services.events import notify
from cps.services.notifications import acts
from cps.services.orgs.orgs import is_org_admin, usage
from cps.services.orgs.views import OrgView
from cps.services.tiers import plans
from cps.services.upgrades.views import RequestStatus, TierChangeView, UpgradeRequestView
from cps.storage import portable
from cps.storage.database import Transaction
from cps.storage.models import OrgAdmin, Organization, TierChange, UpgradeRequest, User
from cps.storage.types import utcnow

log = logging.getLogger("cps.upgrades")

STATUSES: tuple[RequestStatus, ...] = ("pending", "approved", "rejected")


# --- reading -----------------------------------------------------------------


async def _request_views(
    session: AsyncSession, *where: ColumnElement[bool]
) -> list[UpgradeRequestView]:
    requester = aliased(User)
    decider = aliased(User)
    rows = (
        await session.execute(
            select(UpgradeRequest, Organization.name, requester, decider)
            .join(Organization, Organization.id == UpgradeRequest.org_id)
            .join(requester, requester.id == UpgradeRequest.requested_by)
            .outerjoin(decider, decider.id == UpgradeRequest.decided_by)
            .where(*where)
            .order_by(UpgradeRequest.id)
        )
    ).all()
    return [
        UpgradeRequestView(
            id=req.id,
            org_id=req.org_id,
            org_name=org_name,
            tier=req.tier,
            note=req.note,
            status=req.status,
            requested_by=Author.model_validate(by),
            created_at=req.created_at,
            decided_by=Author.model_validate(dec) if dec is not None else None,
            decided_at=req.decided_at,
            reason=req.reason,
        )
        for req, org_name, by, dec in rows
    ]


async def _request_view(session: AsyncSession, request_id: int) -> UpgradeRequestView:
    views = await _request_views(session, UpgradeRequest.id == request_id)
    if not views:
        raise NotFound("No such upgrade request.")
    return views[0]


def _change_view(change: TierChange, by: User) -> TierChangeView:
    return TierChangeView(
        id=change.id,
        org_id=change.org_id,
        from_tier=change.from_tier,
        to_tier=change.to_tier,
        changed_by=Author.model_validate(by),
        reason=change.reason,
        request_id=change.request_id,
        created_at=change.created_at,
    )


async def _org_or_404(session: AsyncSession, org_id: int, *, lock: bool = False) -> Organization:
    """The organization; with `lock`, its row stays locked until commit on
    PostgreSQL (SQLite runs one writer at a time already)."""
    stmt = select(Organization).where(Organization.id == org_id)
    org = await session.scalar(portable.for_update(session, stmt) if lock else stmt)
    if org is None:
        raise NotFound("No such organization.")
    return org


async def _require_org_admin(session: AsyncSession, actor: Actor, org_id: int) -> None:
    if not await is_org_admin(session, actor, org_id):
        raise Forbidden("Only the organization's admins and platform admins may do this.")


def _require_tier_name(tier: str) -> None:
    if not plans.is_tier(tier):
        raise Invalid({"tier": f"Expected one of {', '.join(plans.TIERS)}."})


def _require_platform_admin(actor: Actor) -> None:
    if not actor.is_platform_admin:
        raise Forbidden("Only platform admins may do this.")


async def list_org_requests(ctx: Context, actor: Actor, org_id: int) -> list[UpgradeRequestView]:
    """An organization's upgrade requests, oldest first (its admins, platform admins)."""
    async with ctx.db.read() as session:
        await _org_or_404(session, org_id)
        await _require_org_admin(session, actor, org_id)
        return await _request_views(session, UpgradeRequest.org_id == org_id)


async def list_requests(
    ctx: Context, actor: Actor, status: str | None
) -> list[UpgradeRequestView]:
    """Every organization's upgrade requests, oldest first (platform admins)."""
    _require_platform_admin(actor)
    if status is not None and status not in STATUSES:
        raise Invalid({"status": "Expected pending, approved or rejected."})
    async with ctx.db.read() as session:
        where = [UpgradeRequest.status == status] if status is not None else []
        return await _request_views(session, *where)


async def tier_history(ctx: Context, actor: Actor, org_id: int) -> list[TierChangeView]:
    """Every change of an organization's tier, oldest first."""
    async with ctx.db.read() as session:
        await _org_or_404(session, org_id)
        await _require_org_admin(session, actor, org_id)
        rows = (
            await session.execute(
                select(TierChange, User)
                .join(User, User.id == TierChange.changed_by)
                .where(TierChange.org_id == org_id)
                .order_by(TierChange.id)
            )
        ).all()
    return [_change_view(change, by) for change, by in rows]


# --- changing ----------------------------------------------------------------


async def _notify_admins(
    ctx: Context, tx: Transaction, org_id: int, name: str, data: dict[str, Any],
    *, platform: bool = False,
) -> None:
    """Tell the organization's admins; with `platform`, every platform admin too
    (their organization table updates live), each once."""
    admins = set(
        (
            await tx.session.scalars(select(OrgAdmin.user_id).where(OrgAdmin.org_id == org_id))
        ).all()
    )
    if platform:
        admins |= set(
            (await tx.session.scalars(select(User.id).where(User.is_platform_admin))).all()
        )
    for user_id in sorted(admins):
        await notify.user(tx, ctx, user_id, name, data)


async def _tell_platform_admins(ctx: Context, tx: Transaction,
                                view: UpgradeRequestView) -> None:
    """`upgrade_request.changed` on every platform admin's own channel (a request made
    or decided): their list of pending requests follows without a reload. Only they
    hear it; only its owner may follow `user:{id}`."""
    platform_admins = (
        await tx.session.scalars(select(User.id).where(User.is_platform_admin))
    ).all()
    for user_id in sorted(platform_admins):
        await notify.user(tx, ctx, user_id, "upgrade_request.changed",
                          {"upgrade_request": view.model_dump(mode="json")})


async def _change_tier(
    ctx: Context,
    tx: Transaction,
    org: Organization,
    actor: Actor,
    *,
    to_tier: str,
    reason: str,
    request_id: int | None,
) -> TierChangeView:
    change = TierChange(
        org_id=org.id,
        from_tier=org.tier,
        to_tier=to_tier,
        changed_by=actor.id,
        reason=reason,
        request_id=request_id,
    )
    org.tier = to_tier
    tx.session.add(change)
    await tx.session.flush()
    by = await tx.session.get(User, actor.id)
    assert by is not None
    view = _change_view(change, by)
    await _notify_admins(
        ctx,
        tx,
        org.id,
        "org.tier_changed",
        {"org_id": org.id, "org_name": org.name, "tier_change": view.model_dump(mode="json")},
        platform=True,
    )
    if request_id is None:  # a decided request told its admins already
        await acts.tier_decided(tx, ctx, org, by=actor.id, decision="changed",
                                from_tier=change.from_tier, to_tier=to_tier, reason=reason)
    log.info(
        "tier changed",
        extra={"org_id": org.id, "from": change.from_tier, "to": to_tier, "by": actor.id,
               "request_id": request_id},
    )
    return view


async def request_upgrade(
    ctx: Context, actor: Actor, org_id: int, *, tier: str, note: str
) -> UpgradeRequestView:
    """An organization admin asks for a higher tier; one pending request per organization."""
    _require_tier_name(tier)
    try:
        async with ctx.db.write() as tx:
            org = await _org_or_404(tx.session, org_id, lock=True)
            await _require_org_admin(tx.session, actor, org_id)
            if not plans.is_upgrade(org.tier, tier):
                raise Invalid(
                    {"tier": f"This organization is on the {org.tier} tier; request a higher one."}
                )
            pending = await tx.session.scalar(
                select(UpgradeRequest.id).where(
                    UpgradeRequest.org_id == org_id, UpgradeRequest.status == "pending"
                )
            )
            if pending is not None:
                raise _already_pending()
            request = UpgradeRequest(
                org_id=org_id, requested_by=actor.id, tier=tier, note=note, status="pending"
            )
            tx.session.add(request)
            await tx.session.flush()
            view = await _request_view(tx.session, request.id)
            await _tell_platform_admins(ctx, tx, view)
    except IntegrityError:
        # The partial unique index: a concurrent request won.
        raise _already_pending() from None
    log.info("upgrade requested", extra={"org_id": org_id, "tier": tier, "by": actor.id})
    return view


def _already_pending() -> Conflict:
    return Conflict(
        "This organization already has a pending upgrade request.", code="request_pending"
    )


async def _decide(
    ctx: Context, actor: Actor, request_id: int, *, approve: bool, reason: str
) -> UpgradeRequestView:
    _require_platform_admin(actor)
    async with ctx.db.write() as tx:
        stmt = select(UpgradeRequest).where(UpgradeRequest.id == request_id)
        request = await tx.session.scalar(portable.for_update(tx.session, stmt))
        if request is None:
            raise NotFound("No such upgrade request.")
        org = await _org_or_404(tx.session, request.org_id, lock=True)
        if request.status != "pending":
            raise Conflict(f"This request was already {request.status}.", code="already_decided")
        if approve and not plans.is_upgrade(org.tier, request.tier):
            raise Conflict(
                f"The organization is already on the {org.tier} tier; reject this request instead.",
                code="request_superseded",
            )
        request.status = "approved" if approve else "rejected"
        request.decided_by = actor.id
        request.decided_at = utcnow()
        request.reason = reason
        await tx.session.flush()
        view = await _request_view(tx.session, request.id)
        await _notify_admins(
            ctx, tx, org.id, "upgrade_request.decided",
            {"upgrade_request": view.model_dump(mode="json")},
        )
        await _tell_platform_admins(ctx, tx, view)
        await acts.tier_decided(tx, ctx, org, by=actor.id, decision=view.status,
                                from_tier=org.tier, to_tier=request.tier, reason=reason)
        if approve:
            await _change_tier(
                ctx, tx, org, actor, to_tier=request.tier, reason=reason, request_id=request.id
            )
    log.info(
        "upgrade request decided",
        extra={"request_id": request_id, "status": view.status, "by": actor.id},
    )
    return view


async def approve(ctx: Context, actor: Actor, request_id: int, reason: str) -> UpgradeRequestView:
    """A platform admin grants a pending request: the tier changes at once."""
    return await _decide(ctx, actor, request_id, approve=True, reason=reason)


async def reject(ctx: Context, actor: Actor, request_id: int, reason: str) -> UpgradeRequestView:
    """A platform admin turns a pending request down, saying why."""
    return await _decide(ctx, actor, request_id, approve=False, reason=reason)


async def set_tier(ctx: Context, actor: Actor, org_id: int, *, tier: str, reason: str) -> OrgView:
    """A platform admin sets any tier directly (an offline payment, a downgrade).
    A downgrade deletes nothing: what is over the new quotas stays."""
    _require_platform_admin(actor)
    _require_tier_name(tier)
    async with ctx.db.write() as tx:
        org = await _org_or_404(tx.session, org_id, lock=True)
        if org.tier == tier:
            raise Conflict(f"This organization is already on the {tier} tier.",
                           code="tier_unchanged")
        await _change_tier(ctx, tx, org, actor, to_tier=tier, reason=reason, request_id=None)
        view = OrgView.model_validate(org)
        view.is_admin = True
        view.entitlements = plans.entitlements(org.tier, await usage(tx.session, org.id))
    return view
