"""The review queue across every space a person moderates, and its counts per space.

A moderator of 24 spaces works one queue instead of 24 consoles. The queue is one
statement: the open flag groups, held posts and open appeals of the spaces the
caller moderates (`orgs.access.moderated_by`, the same rule as every moderation
act, in SQL), oldest first, optionally narrowed to one organization or space,
paged by a cursor. Each item names its space and organization. The page's items
are then read in full by `queue` (the same reading as a space's own queue).
Whoever moderates nothing gets an empty queue: a filter naming a space they do
not moderate narrows to nothing, and says nothing of that space.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    Integer,
    Subquery,
    and_,
    distinct,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)

from cps.services.context import Actor, Context
from cps.services.errors import Invalid
from cps.services.moderation import queue
from cps.services.moderation.views import (
    PlaceOrg,
    PlaceSpace,
    QueueItem,
    QueueItemKind,
    QueuePage,
    SpaceWork,
    WorkList,
)
from cps.services.orgs.access import SpaceAccess, moderated_by, moderates_anything, space_access
from cps.storage.models import Appeal, Flag, OrgAdmin, Organization, Post, Space, Topic, User
from cps.storage.types import ID_MAX

PAGE_MAX = 50
# The moderation home lists at most this many spaces (a platform admin moderates
# every space of the instance; the queue itself has no such limit).
SPACES_MAX = 500
_KINDS: tuple[QueueItemKind, ...] = ("flagged", "pending", "appeal")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


def _items(actor: Actor, org_id: int | None, space_id: int | None) -> Subquery:
    """Every item waiting in the spaces `actor` moderates: (rank of its kind, its
    reference: a post id or an appeal id, when it entered the queue, its space)."""
    where: list[ColumnElement[bool]] = [moderated_by(actor)]
    if org_id is not None:
        where.append(Space.org_id == org_id)
    if space_id is not None:
        where.append(Space.id == space_id)
    flags = (
        select(literal(0, Integer).label("rank"), Flag.post_id.label("ref"),
               func.min(Flag.created_at).label("at"), Space.id.label("space_id"))
        .join(Post, Post.id == Flag.post_id)
        .join(Topic, Topic.id == Post.topic_id)
        .join(Space, Space.id == Topic.space_id)
        .where(Flag.resolved_at.is_(None), *where)
        .group_by(Flag.post_id, Space.id)
    )
    held = (
        select(literal(1, Integer), Post.id, Post.created_at, Space.id)
        .join(Topic, Topic.id == Post.topic_id)
        .join(Space, Space.id == Topic.space_id)
        .where(Post.review == "pending", *where)
    )
    waiting = (
        select(literal(2, Integer), Appeal.id, Appeal.created_at, Space.id)
        .join(Space, Space.id == Appeal.space_id)
        .where(Appeal.status == "open", *where)
    )
    return union_all(flags, held, waiting).subquery("items")


def _cursor(at: datetime, rank: int, ref: int) -> str:
    return f"{(at - _EPOCH) // _US}.{rank}.{ref}"


def _decode(cursor: str) -> tuple[datetime, int, int]:
    parts = cursor.split(".")
    if not (len(parts) == 3 and all(p.isascii() and p.isdigit() for p in parts)
            and len(parts[0]) <= 17 and parts[1] in ("0", "1", "2")
            and len(parts[2]) <= 10 and int(parts[2]) <= ID_MAX):
        raise Invalid({"cursor": "Not a cursor this server gave out."})
    return _EPOCH + int(parts[0]) * _US, int(parts[1]), int(parts[2])


def _place(space: Space, org: Organization) -> tuple[PlaceOrg, PlaceSpace]:
    return (PlaceOrg(id=org.id, name=org.name),
            PlaceSpace(id=space.id, name=space.name,
                       visibility="private" if space.visibility == "private" else "public"))


async def page(ctx: Context, actor: Actor, *, org_id: int | None = None,
               space_id: int | None = None, cursor: str | None = None,
               limit: int = 20) -> QueuePage:
    """One page of the queue, oldest first: what waits longest is done first."""
    limit = max(1, min(limit, PAGE_MAX))
    items = _items(actor, org_id, space_id)
    stmt = (
        select(items.c.rank, items.c.ref, items.c.at, Space, Organization)
        .join(Space, Space.id == items.c.space_id)
        .join(Organization, Organization.id == Space.org_id)
    )
    if cursor:
        at, rank, ref = _decode(cursor)
        stmt = stmt.where(or_(
            items.c.at > at,
            and_(items.c.at == at, or_(items.c.rank > rank,
                                       and_(items.c.rank == rank, items.c.ref > ref))),
        ))
    stmt = stmt.order_by(items.c.at, items.c.rank, items.c.ref).limit(limit + 1)
    async with ctx.db.read() as session:
        rows = (await session.execute(stmt)).all()
        more = len(rows) > limit
        rows = rows[:limit]
        refs: dict[int, list[int]] = {0: [], 1: [], 2: []}
        for row in rows:
            refs[row.rank].append(row.ref)
        post_id, count, first, escalated = queue.flag_groups()
        groups = (
            await session.execute(
                select(post_id, count, first, escalated)
                .join(Post, Post.id == Flag.post_id)
                .join(Topic, Topic.id == Post.topic_id)
                .join(Space, Space.id == Topic.space_id)
                .where(Flag.post_id.in_(refs[0]), Flag.resolved_at.is_(None))
                .group_by(Flag.post_id, Post.author_id, Topic.space_id, Space.org_id)
            )
        ).all() if refs[0] else []
        flagged = {
            f.post.id: f for f in await queue.flagged(session, actor, [
                queue.FlagGroup(g.post_id, int(g.n), g.first, bool(g.escalated))
                for g in groups
            ])
        }
        held = {p.id: p for p in await queue.pending(session, actor, refs[1])}
        waiting = (
            await session.execute(
                select(Appeal, User).join(User, User.id == Appeal.user_id)
                .where(Appeal.id.in_(refs[2])).order_by(Appeal.id)
            )
        ).all() if refs[2] else []
        accesses: dict[int, SpaceAccess] = {}
        for appeal, _ in waiting:
            if appeal.space_id not in accesses:
                accesses[appeal.space_id] = await space_access(session, actor, appeal.space_id)
        answered = {
            a.id: a for a in await queue.appeals_of(
                session, actor, [(a, u) for a, u in waiting], accesses)
        }
    result = []
    for row in rows:
        org, space = _place(row.Space, row.Organization)
        kind = _KINDS[row.rank]
        item = QueueItem(kind=kind, at=row.at, org=org, space=space)
        if kind == "flagged" and row.ref in flagged:
            item.flagged = flagged[row.ref]
        elif kind == "pending" and row.ref in held:
            item.pending = held[row.ref]
        elif kind == "appeal" and row.ref in answered:
            item.appeal = answered[row.ref]
        else:
            continue  # settled between the two statements of this read
        result.append(item)
    last = rows[-1] if rows else None
    return QueuePage(
        items=result,
        next_cursor=_cursor(last.at, last.rank, last.ref) if more and last else None,
    )


async def work(ctx: Context, actor: Actor) -> WorkList:
    """The spaces `actor` moderates (by organization, then name) with how many
    flagged posts, held posts and open appeals wait in each."""
    flags = (
        select(func.count(distinct(Flag.post_id)))
        .join(Post, Post.id == Flag.post_id).join(Topic, Topic.id == Post.topic_id)
        .where(Topic.space_id == Space.id, Flag.resolved_at.is_(None))
        .scalar_subquery()
    )
    held = (
        select(func.count(Post.id)).join(Topic, Topic.id == Post.topic_id)
        .where(Topic.space_id == Space.id, Post.review == "pending")
        .scalar_subquery()
    )
    waiting = (
        select(func.count(Appeal.id))
        .where(Appeal.space_id == Space.id, Appeal.status == "open")
        .scalar_subquery()
    )
    administers = exists().where(OrgAdmin.org_id == Space.org_id, OrgAdmin.user_id == actor.id)
    stmt = (
        select(Space, Organization, flags.label("flagged"), held.label("pending"),
               waiting.label("appeals"), administers.label("administers"))
        .join(Organization, Organization.id == Space.org_id)
        .where(moderated_by(actor))
        .order_by(Organization.name, Organization.id, Space.name, Space.id)
        .limit(SPACES_MAX)
    )
    async with ctx.db.read() as session:
        rows = (await session.execute(stmt)).all()
    spaces = []
    for row in rows:
        org, space = _place(row.Space, row.Organization)
        spaces.append(SpaceWork(org=org, space=space, flagged=int(row.flagged),
                                pending=int(row.pending), appeals=int(row.appeals),
                                can_administer=actor.is_platform_admin
                                or bool(row.administers)))
    return WorkList(spaces=spaces)


async def moderates(ctx: Context, actor: Actor) -> bool:
    """Whether `actor` moderates any space: the pages offer the queue only then (the
    server checks every act anyway)."""
    async with ctx.db.read() as session:
        return await moderates_anything(session, actor)
