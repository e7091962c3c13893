"""Spaces: creation under the tier's quotas, visibility, moderators and members."""

from __future__ import annotations

import logging

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cps.services.accounts import names
from cps.services.accounts.views import Author
from cps.services.context import Actor, Context
from cps.services.errors import Conflict, Forbidden, Invalid, NotFound
from cps.services.events import notify
from cps.services.orgs import standing
from cps.services.orgs.access import SpaceAccess, space_access
from cps.services.orgs.orgs import is_org_admin
from cps.services.orgs.views import MemberView, SpaceView, Standing
from cps.services.tiers import plans
from cps.storage import portable
from cps.storage.database import Transaction
from cps.storage.models import (
    OrgAdmin,
    Organization,
    Space,
    SpaceMember,
    SpaceModerator,
    User,
)

log = logging.getLogger("cps.spaces")


def _view(access: SpaceAccess) -> SpaceView:
    view = SpaceView.model_validate(access.space)
    view.can_moderate = access.can_moderate
    view.can_administer = access.can_administer
    return view


async def _lock_org(session: AsyncSession, org_id: int) -> Organization:
    """Load the organization, locking its row until commit on PostgreSQL so quota
    checks cannot race (SQLite writers are already serialized)."""
    stmt = select(Organization).where(Organization.id == org_id)
    org = await session.scalar(portable.for_update(session, stmt))
    if org is None:
        raise NotFound("No such organization.")
    return org


async def create_space(
    ctx: Context, actor: Actor, org_id: int, *, name: str, description: str, visibility: str
) -> SpaceView:
    name = names.clean(name, "name", max_length=200)
    async with ctx.db.write() as tx:
        org = await _lock_org(tx.session, org_id)
        if not await is_org_admin(tx.session, actor, org_id):
            raise Forbidden("Only the organization's admins may create spaces.")
        if visibility == "private":
            plans.require(org.tier, "private_spaces")
        else:
            used = await tx.session.scalar(
                select(func.count()).select_from(Space).where(
                    Space.org_id == org_id, Space.visibility == "public"
                )
            )
            plans.check_quota(org.tier, "public_spaces", int(used or 0))
        space = Space(
            org_id=org_id,
            name=name,
            description=description,
            visibility=visibility,
            topic_policy="participants",
        )
        tx.session.add(space)
        await tx.session.flush()
        view = SpaceView.model_validate(space)
        view.can_moderate = view.can_administer = True
    log.info("space created", extra={"space_id": space.id, "org_id": org_id})
    return view


async def get_space(ctx: Context, actor: Actor | None, space_id: int) -> SpaceView:
    """The space as `actor` sees it, with their own ban or mute in force here."""
    async with ctx.db.read() as session:
        view = _view(await space_access(session, actor, space_id))
        if actor is not None:
            sanctions = await standing.active(session, space_id, actor.id)
            found = sanctions.get("ban") or sanctions.get("mute")
            if found is not None:
                view.standing = Standing(kind="ban" if found.kind == "ban" else "mute",
                                         expires_at=found.expires_at, reason=found.reason)
    return view


async def list_spaces(ctx: Context, actor: Actor | None, org_id: int) -> list[SpaceView]:
    async with ctx.db.read() as session:
        if await session.get(Organization, org_id) is None:
            raise NotFound("No such organization.")
        spaces = (
            await session.scalars(select(Space).where(Space.org_id == org_id).order_by(Space.id))
        ).all()
        admin = await is_org_admin(session, actor, org_id)
        uid = actor.id if actor else -1
        moderated = set(
            (
                await session.scalars(
                    select(SpaceModerator.space_id).where(SpaceModerator.user_id == uid)
                )
            ).all()
        )
        member_of = set(
            (
                await session.scalars(
                    select(SpaceMember.space_id).where(SpaceMember.user_id == uid)
                )
            ).all()
        )
    views = []
    for space in spaces:
        if space.visibility == "private" and not (
            admin or space.id in moderated or space.id in member_of
        ):
            continue
        view = SpaceView.model_validate(space)
        view.can_moderate = admin or space.id in moderated
        view.can_administer = admin
        views.append(view)
    return views


async def _access_changed(tx: Transaction, ctx: Context, user_id: int, space_id: int) -> None:
    """Tell the user's live connections to re-check what they follow in the space."""
    await notify.user(tx, ctx, user_id, "access.changed",
                         {"space_id": space_id})


async def _require_user(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise Invalid({"user_id": "No user has this id."})
    return user


async def add_moderator(ctx: Context, actor: Actor, space_id: int, user_id: int) -> MemberView:
    async with ctx.db.write() as tx:
        access = await space_access(tx.session, actor, space_id)
        access.require_admin()
        org = await _lock_org(tx.session, access.org.id)
        user = await _require_user(tx.session, user_id)
        existing = await tx.session.get(SpaceModerator, (space_id, user_id))
        if existing is not None:
            return MemberView(user=Author.model_validate(user), added_at=existing.created_at)
        count = await tx.session.scalar(
            select(func.count()).select_from(SpaceModerator).where(
                SpaceModerator.space_id == space_id
            )
        )
        plans.check_quota(org.tier, "moderators_per_space", int(count or 0))
        row = SpaceModerator(space_id=space_id, user_id=user_id)
        tx.session.add(row)
        await tx.session.flush()
    log.info("moderator added", extra={"space_id": space_id, "user_id": user_id})
    return MemberView(user=Author.model_validate(user), added_at=row.created_at)


async def remove_moderator(ctx: Context, actor: Actor, space_id: int, user_id: int) -> None:
    """An org admin takes a moderator's role away; their open sockets re-check access."""
    await _remove_role(ctx, actor, space_id, user_id, SpaceModerator)


async def add_member(ctx: Context, actor: Actor, space_id: int, user_id: int) -> MemberView:
    async with ctx.db.write() as tx:
        access = await space_access(tx.session, actor, space_id)
        access.require_moderator()
        if access.space.visibility != "private":
            raise Conflict(
                "Public spaces are open to everyone; members are for private spaces.",
                code="space_is_public",
            )
        user = await _require_user(tx.session, user_id)
        existing = await tx.session.get(SpaceMember, (space_id, user_id))
        if existing is not None:
            return MemberView(user=Author.model_validate(user), added_at=existing.created_at)
        row = SpaceMember(space_id=space_id, user_id=user_id)
        tx.session.add(row)
        try:
            await tx.session.flush()
        except IntegrityError:
            raise Conflict("This user is already a member.", code="already_member") from None
    log.info("member added", extra={"space_id": space_id, "user_id": user_id})
    return MemberView(user=Author.model_validate(user), added_at=row.created_at)


async def remove_member(ctx: Context, actor: Actor, space_id: int, user_id: int) -> None:
    """A moderator removes a member of a private space; their subscriptions there end."""
    await _remove_role(ctx, actor, space_id, user_id, SpaceMember)


async def _remove_role(
    ctx: Context,
    actor: Actor,
    space_id: int,
    user_id: int,
    model: type[SpaceModerator] | type[SpaceMember],
) -> None:
    what = "moderator" if model is SpaceModerator else "member"
    async with ctx.db.write() as tx:
        access = await space_access(tx.session, actor, space_id)
        if model is SpaceModerator:
            access.require_admin()
        else:
            access.require_moderator()
        result = await tx.session.execute(
            delete(model).where(model.space_id == space_id, model.user_id == user_id)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            raise NotFound(f"This user is not a {what} of this space.")
        await _access_changed(tx, ctx, user_id, space_id)
    log.info(f"{what} removed", extra={"space_id": space_id, "user_id": user_id})


async def _people(
    ctx: Context,
    actor: Actor | None,
    space_id: int,
    model: type[SpaceModerator] | type[SpaceMember],
) -> list[MemberView]:
    async with ctx.db.read() as session:
        await space_access(session, actor, space_id)
        rows = (
            await session.execute(
                select(User, model.created_at)
                .join(model, model.user_id == User.id)
                .where(model.space_id == space_id)
                .order_by(model.created_at)
            )
        ).all()
    return [MemberView(user=Author.model_validate(u), added_at=at) for u, at in rows]


async def list_moderators(ctx: Context, actor: Actor | None, space_id: int) -> list[MemberView]:
    return await _people(ctx, actor, space_id, SpaceModerator)


async def list_members(ctx: Context, actor: Actor, space_id: int) -> list[MemberView]:
    async with ctx.db.read() as session:
        (await space_access(session, actor, space_id)).require_moderator()
    return await _people(ctx, actor, space_id, SpaceMember)


async def admins_of(session: AsyncSession, org_id: int) -> list[int]:
    return list(
        (await session.scalars(select(OrgAdmin.user_id).where(OrgAdmin.org_id == org_id))).all()
    )
