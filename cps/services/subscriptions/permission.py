"""Who may follow a live channel, checked at subscribe and again when access changes."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cps.services.context import Actor, Context
from cps.services.errors import DomainError, Forbidden, NotFound, NotSignedIn
from cps.services.events.channels import ChannelName
from cps.services.orgs import standing
from cps.services.orgs.access import space_access, topic_access
from cps.storage.models import OrgAdmin, Sanction, Space, SpaceMember, SpaceModerator, Topic


async def authorize(ctx: Context, actor: Actor | None, channel: ChannelName) -> int | None:
    """Check that `actor` may follow `channel`. Answers the id of the space the
    channel belongs to (None for user channels), so access can be re-checked."""
    if channel.kind == "user":
        if actor is None or actor.id != channel.id:
            raise Forbidden("Only that user may follow their own channel.")
        return None
    async with ctx.db.read() as session:
        if channel.kind == "space":
            access = await space_access(session, actor, channel.id)
        elif channel.kind == "moderation":
            # A space's review queue: its moderators alone (404 as for the space
            # itself when it is invisible to the caller).
            access = await space_access(session, actor, channel.id)
            access.require_moderator()
        else:
            _, access = await topic_access(session, actor, channel.id)
        if actor is not None and not access.can_moderate:
            # A banned participant may still read over HTTP, but not follow live.
            await standing.refuse_banned(session, actor.id, access.space.id)
        return access.space.id


Request = tuple[ChannelName, Actor | None]


async def authorize_many(
    ctx: Context, requests: Collection[Request]
) -> dict[Request, int | DomainError | None]:
    """`authorize` for a burst of subscribes, in one read and a few statements
    whatever their number: the topics and the spaces named, the bans in force on
    the signed-in among them, and (only for a private space or a ban) their roles.
    Answers, per request, what `authorize` answers or the error it raises."""
    answers: dict[Request, int | DomainError | None] = {}
    for name, actor in requests:
        if name.kind == "user":
            answers[(name, actor)] = (
                None if actor is not None and actor.id == name.id
                else Forbidden("Only that user may follow their own channel."))
    rest = [r for r in requests if r[0].kind != "user"]
    if not rest:
        return answers
    topic_ids = {name.id for name, _ in rest if name.kind == "topic"}
    # A space's review queue (`moderation:{id}`) is read like the space, and
    # needs its staff.
    space_ids = {name.id for name, _ in rest if name.kind in ("space", "moderation")}
    queues = any(name.kind == "moderation" for name, _ in rest)
    async with ctx.db.read() as session:
        topic_space: dict[int, int] = {}
        spaces: dict[int, tuple[int, str]] = {}  # space id: (org id, visibility)
        if topic_ids:
            topics = await session.execute(
                select(Topic.id, Space.id, Space.org_id, Space.visibility)
                .join(Space, Space.id == Topic.space_id).where(Topic.id.in_(topic_ids)))
            for topic_id, in_space, org_id, visibility in topics.all():
                topic_space[topic_id] = in_space
                spaces[in_space] = (org_id, visibility)
        if space_ids - spaces.keys():
            more = await session.execute(
                select(Space.id, Space.org_id, Space.visibility)
                .where(Space.id.in_(space_ids - spaces.keys())))
            for in_space, org_id, visibility in more.all():
                spaces[in_space] = (org_id, visibility)
        users = {a.id for _, a in rest if a is not None and not a.is_platform_admin}
        roles = (await _roles(session, users, spaces, staff=queues) if users
                 else _Roles(set(), set()))
        for name, actor in rest:
            space_id = topic_space.get(name.id) if name.kind == "topic" else name.id
            answers[(name, actor)] = await _answer(
                session, name, actor, space_id, spaces.get(space_id or 0), roles)
    return answers


@dataclass
class _Roles:
    staff: set[tuple[int, int]]  # (space id, user id): moderator or admin of its org
    sees: set[tuple[int, int]]  # (space id, user id): staff or member
    banned: set[tuple[int, int]] = field(default_factory=set)


async def _roles(
    session: AsyncSession, users: set[int], spaces: dict[int, tuple[int, str]],
    *, staff: bool = False,
) -> _Roles:
    """The bans in force on `users` in `spaces`; and, when a space is private,
    somebody is banned or `staff` is asked for (a review queue's channel), who of
    them is staff or a member there."""
    bans = await session.execute(
        select(Sanction.space_id, Sanction.user_id).where(
            Sanction.kind == "ban", Sanction.space_id.in_(spaces), Sanction.user_id.in_(users),
            standing.in_force()))
    roles = _Roles(set(), set(), {(s, u) for s, u in bans.all()})
    if not staff and not roles.banned \
            and all(visibility == "public" for _, visibility in spaces.values()):
        return roles
    by_org: dict[int, list[int]] = {}
    for space_id, (org_id, _) in spaces.items():
        by_org.setdefault(org_id, []).append(space_id)
    admins = await session.execute(
        select(OrgAdmin.org_id, OrgAdmin.user_id)
        .where(OrgAdmin.org_id.in_(by_org), OrgAdmin.user_id.in_(users)))
    for org_id, user_id in admins.all():
        roles.staff.update((space_id, user_id) for space_id in by_org[org_id])
    moderators = await session.execute(
        select(SpaceModerator.space_id, SpaceModerator.user_id)
        .where(SpaceModerator.space_id.in_(spaces), SpaceModerator.user_id.in_(users)))
    roles.staff.update((s, u) for s, u in moderators.all())
    members = await session.execute(
        select(SpaceMember.space_id, SpaceMember.user_id)
        .where(SpaceMember.space_id.in_(spaces), SpaceMember.user_id.in_(users)))
    roles.sees.update(roles.staff, ((s, u) for s, u in members.all()))
    return roles


async def _answer(
    session: AsyncSession, name: ChannelName, actor: Actor | None, space_id: int | None,
    space: tuple[int, str] | None, roles: _Roles,
) -> int | DomainError:
    missing = NotFound("No such topic." if name.kind == "topic" else "No such space.")
    if space_id is None or space is None:
        return missing
    admin = actor is not None and actor.is_platform_admin
    if not (space[1] == "public" or admin
            or (actor is not None and (space_id, actor.id) in roles.sees)):
        return missing
    if actor is not None and not admin and (space_id, actor.id) in roles.banned \
            and (space_id, actor.id) not in roles.staff:
        try:  # the same refusal, with its end, as one subscribe gets
            await standing.refuse_banned(session, actor.id, space_id)
        except Forbidden as exc:
            return exc
    if name.kind == "moderation" and not admin:
        # A space's review queue: its moderators and its organization's admins.
        if actor is None:
            return NotSignedIn("Sign in to do this.")
        if (space_id, actor.id) not in roles.staff:
            return Forbidden("Only this space's moderators may do this.")
    return space_id
