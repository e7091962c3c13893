"""Organizations: creation (creator becomes admin), reading with entitlements."""

from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cps.services import tiers
from cps.services.context import Actor, Context
from cps.services.errors import NotFound
from cps.services.views import OrgView
from cps.storage.models import OrgAdmin, Organization, Space, SpaceModerator

log = logging.getLogger("cps.orgs")


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
    view.entitlements = tiers.entitlements(org.tier, await usage(session, org.id))
    return view


async def create_org(
    ctx: Context, actor: Actor, *, name: str, kind: str, country: str, region: str = ""
) -> OrgView:
    async with ctx.db.write() as tx:
        org = Organization(
            name=name.strip(),
            kind=kind,
            country=country.strip(),
            region=region.strip(),
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
