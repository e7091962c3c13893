"""A person as a space's moderators see them before acting on them.

Muting or banning is done to a person, chosen by name, not to a number: the
card says who they are (name, handle, stakeholder type), their latest posts in
this space and every sanction they had in it, and whether they are staff (who
cannot be sanctioned here). Only the space's moderators may read it; it says
nothing of other spaces and never the person's email.
"""

from __future__ import annotations

from sqlalchemy import func, select

from cps.services.accounts.views import Author
from cps.services.context import Actor, Context
from cps.services.errors import NotFound
from cps.services.moderation.sanctions import sanction_view
from cps.services.moderation.views import PersonCard, RecentPost
from cps.services.orgs.access import is_staff, space_access
from cps.storage.models import Post, Sanction, Topic, User

RECENT = 5
EXCERPT = 280


async def card(ctx: Context, actor: Actor, space_id: int, user_id: int) -> PersonCard:
    async with ctx.db.read() as session:
        access = await space_access(session, actor, space_id)
        access.require_moderator()
        user = await session.get(User, user_id)
        if user is None:
            raise NotFound("No such person.")
        in_space = (Topic.space_id == space_id) & (Post.author_id == user_id)
        recent = (
            await session.execute(
                select(Post, Topic.title).join(Topic, Topic.id == Post.topic_id)
                .where(in_space).order_by(Post.created_at.desc(), Post.id.desc())
                .limit(RECENT)
            )
        ).all()
        count = await session.scalar(
            select(func.count(Post.id)).join(Topic, Topic.id == Post.topic_id).where(in_space)
        )
        sanctions = (
            await session.scalars(
                select(Sanction)
                .where(Sanction.space_id == space_id, Sanction.user_id == user_id)
                .order_by(Sanction.created_at.desc(), Sanction.id.desc())
            )
        ).all()
        staff = await is_staff(session, access.space, user_id)
    return PersonCard(
        user=Author.model_validate(user), member_since=user.created_at, staff=staff,
        posts_in_space=int(count or 0),
        recent_posts=[
            RecentPost(id=p.id, topic_id=p.topic_id, topic_title=title,
                       created_at=p.created_at,
                       excerpt="" if p.deleted_at is not None else p.body[:EXCERPT],
                       hidden=p.hidden, deleted=p.deleted_at is not None,
                       pending=p.review == "pending")
            for p, title in recent
        ],
        sanctions=[sanction_view(s, user) for s in sanctions],
    )
