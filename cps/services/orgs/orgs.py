"""Organizations: creation (creator becomes admin) under a name no other
organization's looks like, reading with entitlements, and the platform's
confirmation of who an organization is (`verified`)."""

from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cps.services.accounts import names
from cps.services.context import Actor, Context
from cps.services.errors import Conflict, Forbidden, Invalid, NotFound
from cps.services.orgs.views import OrgView
from cps.services.tiers import plans
from cps.storage import portable
from cps.storage.models import OrgAdmin, Organization, Space, SpaceModerator

log = logging.getLogger("cps.orgs")

# PostgreSQL: one organization is named at a time (a transaction-scoped advisory
# lock), so two look-alike names cannot both pass the check. SQLite writers are
# serialized already.
_NAMING_LOCK = 0x4350_534F_5247  # "CPSORG"
NAME_TAKEN = (
    "An organization with this name, or one that looks the same, is already a member. "
    "Names are compared without regard to case, accents, spaces, punctuation and "
    "look-alike characters (such as 1 for l, or a Cyrillic letter for a Latin one); "
    "choose a name that is clearly different."
)


async def usage(session: AsyncSession, org_id: int) -> dict[str, int]:
    """What an organization uses of each quota (per-space quotas: its fullest space)."""
    public_spaces = await session.scalar(
        select(func.count()).select_from(Space).where(
            Space.org_id == org_id, Space.visibility == "public"
        )
    )
    per_space = (
        select(func.count().label("n"))
        .select_from(SpaceModerator)
        .join(Space, Space.id == SpaceModerator.space_id)
        .where(Space.org_id == org_id)
        .group_by(SpaceModerator.space_id)
        .subquery()
    )
    most_moderators = await session.scalar(select(func.max(per_space.c.n)))
    return {
        "public_spaces": int(public_spaces or 0),
        "moderators_per_space": int(most_moderators or 0),
    }


async def is_org_admin(session: AsyncSession, actor: Actor | None, org_id: int) -> bool:
    if actor is None:
        return False
    if actor.is_platform_admin:
        return True
    found = await session.scalar(
        select(OrgAdmin.user_id).where(OrgAdmin.org_id == org_id, OrgAdmin.user_id == actor.id)
    )
    return found is not None


async def _view(session: AsyncSession, actor: Actor | None, org: Organization) -> OrgView:
    view = OrgView.model_validate(org)
    view.is_admin = await is_org_admin(session, actor, org.id)
    view.entitlements = plans.entitlements(org.tier, await usage(session, org.id))
    return view


async def _refuse_look_alike(session: AsyncSession, name: str) -> None:
    """409 name_taken when an organization's name is confusable with `name`
    (names.org_name_keys); the answer says the rule, not which organization."""
    await portable.advisory_lock(session, _NAMING_LOCK)
    wanted = names.org_name_keys(name)
    for existing in (await session.scalars(select(Organization.name))).all():
        if wanted & names.org_name_keys(existing):
            raise Conflict(NAME_TAKEN, code="name_taken")


async def create_org(
    ctx: Context, actor: Actor, *, name: str, kind: str, country: str, region: str = ""
) -> OrgView:
    name = names.clean(name, "name", max_length=200)
    country = names.clean(country, "country", max_length=100)
    region = names.normalise(region)
    if len(region) > 60:
        raise Invalid({"region": "At most 60 characters."})
    async with ctx.db.write() as tx:
        await _refuse_look_alike(tx.session, name)
        org = Organization(
            name=name,
            kind=kind,
            country=country,
            region=region,
            tier="free",
            created_by=actor.id,
        )
        tx.session.add(org)
        await tx.session.flush()
        tx.session.add(OrgAdmin(org_id=org.id, user_id=actor.id))
        await tx.session.flush()
        view = await _view(tx.session, actor, org)
    log.info("organization created", extra={"org_id": org.id, "user_id": actor.id})
    return view


async def get_org(ctx: Context, actor: Actor | None, org_id: int) -> OrgView:
    async with ctx.db.read() as session:
        org = await session.get(Organization, org_id)
        if org is None:
            raise NotFound("No such organization.")
        return await _view(session, actor, org)


async def list_orgs(ctx: Context, actor: Actor | None) -> list[OrgView]:
    async with ctx.db.read() as session:
        orgs = (await session.scalars(select(Organization).order_by(Organization.name))).all()
        admin_of = set()
        if actor is not None:
            admin_of = set(
                (
                    await session.scalars(
                        select(OrgAdmin.org_id).where(OrgAdmin.user_id == actor.id)
                    )
                ).all()
            )
    views = []
    for org in orgs:
        view = OrgView.model_validate(org)
        view.is_admin = org.id in admin_of or bool(actor and actor.is_platform_admin)
        views.append(view)
    return views


async def set_verified(ctx: Context, actor: Actor, org_id: int, *, verified: bool) -> OrgView:
    """A platform admin confirms (or withdraws the confirmation) that the
    organization is who its name says. Logged with who did it."""
    if not actor.is_platform_admin:
        raise Forbidden("Only platform admins may verify organizations.")
    async with ctx.db.write() as tx:
        org = await tx.session.get(Organization, org_id)
        if org is None:
            raise NotFound("No such organization.")
        was = org.verified
        org.verified = verified
        await tx.session.flush()
        view = await _view(tx.session, actor, org)
    log.info(
        "organization verified" if verified else "organization unverified",
        extra={"org_id": org_id, "by": actor.id, "verified": verified, "was": was},
    )
    return view
