"""The moderation queue of a space: flagged posts, posts held for review, open appeals.

The items are read here for one space (`of_space`) and, by `overview`, for a page
across every space a person moderates: both go through `flagged`, `pending` and
`appeals_of`, which read a batch of items of any number of spaces in a fixed
number of statements (each post's organization, for its officials' badge, in the
statement that reads the posts)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Label, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute, aliased

from cps.services.accounts.views import Author
from cps.services.context import Actor, Context
from cps.services.discussion import posts
from cps.services.discussion.views import PostView
from cps.services.errors import Forbidden
from cps.services.moderation import appeals, decisions
from cps.services.moderation.views import FlaggedPost, QueueAppeal, QueueFlag, QueueView
from cps.services.officials.roster import badge, official_of
from cps.services.orgs.access import SpaceAccess, space_access, staff_of
from cps.storage.models import Appeal, Flag, Organization, Post, Space, Topic, User

QUEUE_MAX = 100


@dataclass(frozen=True)
class FlagGroup:
    """The open flags of one post, as counted by the statement that lists them."""

    post_id: int
    count: int
    first: datetime
    escalated: bool


def flag_groups() -> tuple[
    QueryableAttribute[int], Label[int], Label[datetime], Label[bool]
]:
    """The columns of a statement grouping open flags per post (it joins `Post`,
    `Topic` and `Space`): post id, flag count, first flag, whether the post is by
    staff of its space (such posts top a space's queue)."""
    return (
        Flag.post_id,
        func.count(Flag.id).label("n"),
        func.min(Flag.created_at).label("first"),
        staff_of(Topic.space_id, Space.org_id, Post.author_id).label("escalated"),
    )


def _queue_appeal(
    appeal: Appeal, user: User, refusal: Forbidden | None, post: PostView | None
) -> QueueAppeal:
    return QueueAppeal(
        **appeals.appeal_view(appeal, user).model_dump(), can_answer=refusal is None,
        answer_refused=refusal.message if refusal is not None else None, post=post,
    )


async def _posts_with_org(
    session: AsyncSession, actor: Actor, ids: Sequence[int]
) -> dict[int, tuple[Post, PostView]]:
    """The posts `ids` as their space's moderators see them, by id."""
    if not ids:
        return {}
    author = aliased(User)
    rows = (
        await session.execute(
            select(Post, author, Organization, official_of(Organization.id, author.id))
            .join(author, author.id == Post.author_id)
            .join(Topic, Topic.id == Post.topic_id)
            .join(Space, Space.id == Topic.space_id)
            .join(Organization, Organization.id == Space.org_id)
            .where(Post.id.in_(ids))
        )
    ).all()
    return {
        p.id: (p, posts.post_view(p, u, viewer=actor, moderator=True, official=badge(org, off)))
        for p, u, org, off in rows
    }


async def flagged(
    session: AsyncSession, actor: Actor, groups: Sequence[FlagGroup]
) -> list[FlaggedPost]:
    """The flagged posts of `groups`, in their order, with who flagged them and why."""
    ids = [g.post_id for g in groups]
    found = await _posts_with_org(session, actor, ids)
    flags: dict[int, list[QueueFlag]] = defaultdict(list)
    for flag, by in (
        await session.execute(
            select(Flag, User).join(User, User.id == Flag.user_id)
            .where(Flag.post_id.in_(ids), Flag.resolved_at.is_(None)).order_by(Flag.id)
        )
    ).all() if ids else []:
        flags[flag.post_id].append(QueueFlag(
            id=flag.id, reason=flag.reason, note=flag.note,
            created_at=flag.created_at, by=Author.model_validate(by),
            established=by.created_at <= found[flag.post_id][0].created_at,
        ))
    result = []
    for g in groups:
        post, view = found[g.post_id]
        group = flags[g.post_id]
        result.append(FlaggedPost(
            post=view, flag_count=g.count, first_flagged_at=g.first,
            reasons=dict(Counter(f.reason for f in group)), flags=group,
            auto_hidden=decisions.auto_hidden(post), escalated=g.escalated,
        ))
    return result


async def pending(session: AsyncSession, actor: Actor, ids: Sequence[int]) -> list[PostView]:
    """The held posts `ids`, in that order."""
    found = await _posts_with_org(session, actor, ids)
    return [found[i][1] for i in ids if i in found]


async def appeals_of(
    session: AsyncSession, actor: Actor, rows: Sequence[tuple[Appeal, User]],
    accesses: dict[int, SpaceAccess],
) -> list[QueueAppeal]:
    """The open appeals `rows` (with their appellants), each saying whether `actor`
    may answer it; `accesses` holds the actor's access to each appeal's space."""
    by_space: dict[int, list[Appeal]] = defaultdict(list)
    for appeal, _ in rows:
        by_space[appeal.space_id].append(appeal)
    refusals: dict[int, Forbidden | None] = {}
    for space_id, batch in by_space.items():
        refusals |= await appeals.answer_refusals(session, accesses[space_id], batch)
    appealed = await _posts_with_org(
        session, actor, [a.subject_id for a, _ in rows if a.kind == "post"]
    )
    return [
        _queue_appeal(a, u, refusals[a.id],
                      appealed[a.subject_id][1]
                      if a.kind == "post" and a.subject_id in appealed else None)
        for a, u in rows
    ]


async def of_space(ctx: Context, actor: Actor, space_id: int) -> QueueView:
    """Flagged posts grouped per post (staff posts first, then most flags, then oldest
    first), held posts (oldest first) and open appeals (oldest first). Each post's
    author says whether they are an official of the space's organization, read in
    the statement that reads the posts."""
    async with ctx.db.read() as session:
        access = await space_access(session, actor, space_id)
        access.require_moderator()
        post_id, count, first, escalated = flag_groups()
        groups = (
            await session.execute(
                select(post_id, count, first, escalated)
                .join(Post, Post.id == Flag.post_id)
                .join(Topic, Topic.id == Post.topic_id)
                .join(Space, Space.id == Topic.space_id)
                .where(Topic.space_id == space_id, Flag.resolved_at.is_(None))
                .group_by(Flag.post_id, Post.author_id, Topic.space_id, Space.org_id)
                .order_by(escalated.desc(), count.desc(), first.asc(), Flag.post_id)
                .limit(QUEUE_MAX)
            )
        ).all()
        held = (
            await session.scalars(
                select(Post.id).join(Topic, Topic.id == Post.topic_id)
                .where(Topic.space_id == space_id, Post.review == "pending")
                .order_by(Post.id).limit(QUEUE_MAX)
            )
        ).all()
        waiting = (
            await session.execute(
                select(Appeal, User).join(User, User.id == Appeal.user_id)
                .where(Appeal.space_id == space_id, Appeal.status == "open")
                .order_by(Appeal.id).limit(QUEUE_MAX)
            )
        ).all()
        return QueueView(
            flagged=await flagged(session, actor, [
                FlagGroup(g.post_id, int(g.n), g.first, bool(g.escalated)) for g in groups
            ]),
            pending=await pending(session, actor, held),
            appeals=await appeals_of(session, actor, [(a, u) for a, u in waiting],
                                     {space_id: access}),
        )
