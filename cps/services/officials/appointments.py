"""Naming and removing an organization's officials, and the public list of them.

The organization's admins (and platform admins) name and remove officials. An
official's posts carry `author.official` in every space of that organization,
computed when the post is read (`roster.official_of`), so removing an official
takes the mark off their earlier posts too. Org-level acts have no space for the
moderation audit trail (cps/services/audit, one row per space), so each naming
and removal is logged with who did it, as verifying an organization is."""

from __future__ import annotations

import logging

from sqlalchemy import delete, select

from cps.services.accounts.views import Author
from cps.services.context import Actor, Context
from cps.services.errors import Conflict, Forbidden, NotFound
from cps.services.officials.views import OfficialView
from cps.services.orgs.orgs import is_org_admin
from cps.storage import portable
from cps.storage.accountability import OrgOfficial
from cps.storage.database import Transaction
from cps.storage.models import Organization, User
from cps.storage.types import utcnow

log = logging.getLogger("cps.officials")


async def _administered(tx: Transaction, actor: Actor, org_id: int) -> Organization:
    """The organization, which `actor` administers: 404 if there is none, 403 if not theirs."""
    org = await tx.session.get(Organization, org_id)
    if org is None:
        raise NotFound("No such organization.")
    if not await is_org_admin(tx.session, actor, org_id):
        raise Forbidden("Only the organization's admins may name or remove its officials.")
    return org


async def name_official(ctx: Context, actor: Actor, org_id: int, user_id: int) -> OfficialView:
    """Name `user_id` an official of the organization (its admins; 409 if already one)."""
    async with ctx.db.write() as tx:
        await _administered(tx, actor, org_id)
        user = await tx.session.get(User, user_id)
        if user is None:
            raise NotFound("No such user.")
        now = utcnow()
        # One statement that does nothing when they are one already, so two admins
        # naming the same person at once cannot collide on the primary key.
        result = await tx.session.execute(
            portable.insert(tx.session, OrgOfficial)
            .values(org_id=org_id, user_id=user_id, created_by=actor.id, created_at=now)
            .on_conflict_do_nothing()
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("This user is already an official of this organization.",
                           code="already_official")
    log.info("official named", extra={"org_id": org_id, "user_id": user_id, "by": actor.id})
    return OfficialView(user=Author.model_validate(user), created_at=now)


async def remove_official(ctx: Context, actor: Actor, org_id: int, user_id: int) -> None:
    """Take the role away (its admins; 404 if they are not one). Their posts lose
    the mark at once: it is read with the posts, never stored on them."""
    async with ctx.db.write() as tx:
        await _administered(tx, actor, org_id)
        result = await tx.session.execute(
            delete(OrgOfficial).where(OrgOfficial.org_id == org_id,
                                      OrgOfficial.user_id == user_id)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise NotFound("This user is not an official of this organization.")
    log.info("official removed", extra={"org_id": org_id, "user_id": user_id, "by": actor.id})


async def list_officials(ctx: Context, org_id: int) -> list[OfficialView]:
    """The organization's officials, longest-serving first: public, as the people who
    answer in a city's name are."""
    async with ctx.db.read() as session:
        if await session.get(Organization, org_id) is None:
            raise NotFound("No such organization.")
        rows = (
            await session.execute(
                select(User, OrgOfficial.created_at)
                .join(OrgOfficial, OrgOfficial.user_id == User.id)
                .where(OrgOfficial.org_id == org_id)
                .order_by(OrgOfficial.created_at, User.id)
            )
        ).all()
    return [OfficialView(user=Author.model_validate(u), created_at=at) for u, at in rows]
