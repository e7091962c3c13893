"""The moderation queue of a space: flagged posts, posts held for review, open appeals."""

from __future__ import annotations

from collections import Counter, defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from cps.services.accounts.views import Author
from cps.services.context import Actor, Context
from cps.services.discussion import posts
from cps.services.discussion.views import PostView
from cps.services.errors import Forbidden
from cps.services.moderation import appeals, decisions
from cps.services.moderation.views import FlaggedPost, QueueAppeal, QueueFlag, QueueView
from cps.services.officials.roster import badge, official_of
from cps.services.orgs.access import space_access, staff_of
from cps.storage.models import Appeal, Flag, Post, Topic, User

QUEUE_MAX = 100


def _queue_appeal(
    appeal: Appeal, user: User, refusal: Forbidden | None, post: PostView | None
) -> QueueAppeal:
    return QueueAppeal(
        **appeals.appeal_view(appeal, user).model_dump(), can_answer=refusal is None,
        answer_refused=refusal.message if refusal is not None else None, post=post,
    )


async def of_space(ctx: Context, actor: Actor, space_id: int) -> QueueView:
    """Flagged posts grouped per post (staff posts first, then most flags, then oldest
    first), held posts (oldest first) and open appeals (oldest first). Each post's
    author says whether they are an official of the space's organization, read in
    the statement that reads the posts."""
    async with ctx.db.read() as session:
        access = await space_access(session, actor, space_id)
        access.require_moderator()
        count = func.count(Flag.id).label("n")
        first = func.min(Flag.created_at).label("first")
        escalated = staff_of(space_id, access.space.org_id, Post.author_id).label("escalated")
        groups = (
            await session.execute(
                select(Flag.post_id, count, first, escalated)
                .join(Post, Post.id == Flag.post_id)
                .join(Topic, Topic.id == Post.topic_id)
                .where(Topic.space_id == space_id, Flag.resolved_at.is_(None))
                .group_by(Flag.post_id, Post.author_id)
                .order_by(escalated.desc(), count.desc(), first.asc(), Flag.post_id)
                .limit(QUEUE_MAX)
            )
        ).all()
        ids = [g.post_id for g in groups]
        author = aliased(User)
        org = access.org
        flagged_posts = {
            p.id: (p, u, badge(org, official))
            for p, u, official in (
                await session.execute(
                    select(Post, author, official_of(org.id, author.id))
                    .join(author, author.id == Post.author_id)
                    .where(Post.id.in_(ids))
                )
            ).all()
        }
        flags: dict[int, list[QueueFlag]] = defaultdict(list)
        for flag, by in (
            await session.execute(
                select(Flag, User).join(User, User.id == Flag.user_id)
                .where(Flag.post_id.in_(ids), Flag.resolved_at.is_(None)).order_by(Flag.id)
            )
        ).all():
            flags[flag.post_id].append(QueueFlag(
                id=flag.id, reason=flag.reason, note=flag.note,
                created_at=flag.created_at, by=Author.model_validate(by),
                established=by.created_at <= flagged_posts[flag.post_id][0].created_at,
            ))
        pending = (
            await session.execute(
                select(Post, User, official_of(org.id, User.id))
                .join(User, User.id == Post.author_id)
                .join(Topic, Topic.id == Post.topic_id)
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
        refusals = await appeals.answer_refusals(session, access, [a for a, _ in waiting])
        appealed = [a.subject_id for a, _ in waiting if a.kind == "post"]
        appealed_posts = {
            p.id: posts.post_view(p, u, viewer=actor, moderator=True,
                                  official=badge(org, official))
            for p, u, official in (
                await session.execute(
                    select(Post, author, official_of(org.id, author.id))
                    .join(author, author.id == Post.author_id)
                    .where(Post.id.in_(appealed))
                )
            ).all()
        } if appealed else {}
    flagged = []
    for g in groups:
        post, user, post_official = flagged_posts[g.post_id]
        group = flags[g.post_id]
        flagged.append(FlaggedPost(
            post=posts.post_view(post, user, viewer=actor, moderator=True,
                                 official=post_official),
            flag_count=int(g.n), first_flagged_at=g.first,
            reasons=dict(Counter(f.reason for f in group)), flags=group,
            auto_hidden=decisions.auto_hidden(post), escalated=bool(g.escalated),
        ))
    return QueueView(
        flagged=flagged,
        pending=[posts.post_view(p, u, viewer=actor, moderator=True, official=badge(org, off))
                 for p, u, off in pending],
        appeals=[
            _queue_appeal(a, u, refusals[a.id],
                          appealed_posts.get(a.subject_id) if a.kind == "post" else None)
            for a, u in waiting
        ],
    )
