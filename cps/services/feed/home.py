"""The feed of the home page (every organization) or of one organization's page: its
spaces, the latest topics and the questions still waiting for an answer, in one
answer instead of one request per organization and space.

Only what the reader may see now: a private space (and its topics) appears to the
organization's admins, the space's moderators and members, and platform admins,
exactly as `GET /orgs/{id}/spaces` and `GET /spaces/{id}` decide. Four statements
whatever the number of organizations and spaces.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cps.services.context import Actor, Context
from cps.services.discussion.questions import WAITING
from cps.services.errors import NotFound
from cps.services.feed.views import Feed, FeedOrganization, FeedSpace, FeedTopic
from cps.services.orgs.orgs import list_orgs
from cps.storage.accountability import Question
from cps.storage.models import OrgAdmin, Organization, Space, SpaceMember, SpaceModerator, Topic

LATEST = 10
OPEN_QUESTIONS = 10


async def _visible_spaces(
    session: AsyncSession, actor: Actor | None, org_id: int | None
) -> list[Space]:
    stmt = select(Space).order_by(Space.id)
    if org_id is not None:
        stmt = stmt.where(Space.org_id == org_id)
    spaces = (await session.scalars(stmt)).all()
    if actor is not None and actor.is_platform_admin:
        return list(spaces)
    uid = actor.id if actor is not None else -1
    admin_of = set((await session.scalars(
        select(OrgAdmin.org_id).where(OrgAdmin.user_id == uid))).all())
    staff_of = set((await session.scalars(
        select(SpaceModerator.space_id).where(SpaceModerator.user_id == uid))).all())
    staff_of |= set((await session.scalars(
        select(SpaceMember.space_id).where(SpaceMember.user_id == uid))).all())
    return [s for s in spaces
            if s.visibility == "public" or s.org_id in admin_of or s.id in staff_of]


def _topic(topic: Topic, space: Space, org: Organization, status: str | None) -> FeedTopic:
    return FeedTopic(
        id=topic.id, title=topic.title, kind=topic.kind, post_count=topic.post_count,
        last_activity_at=topic.last_activity_at, space_id=space.id, space_name=space.name,
        org_id=org.id, org_name=org.name, org_verified=org.verified, question_status=status,
    )


async def feed(ctx: Context, actor: Actor | None, org_id: int | None = None) -> Feed:
    """Every organization (or only `org_id`'s) with the spaces `actor` may see, the
    latest topics of those spaces, and their questions still waiting for an answer."""
    orgs = await list_orgs(ctx, actor)
    if org_id is not None:
        orgs = [o for o in orgs if o.id == org_id]
        if not orgs:
            raise NotFound("No such organization.")
    async with ctx.db.read() as session:
        spaces = await _visible_spaces(session, actor, org_id)
        ids = [s.id for s in spaces]
        base = (
            select(Topic, Space, Organization, Question.status)
            .join(Space, Space.id == Topic.space_id)
            .join(Organization, Organization.id == Space.org_id)
            .outerjoin(Question, Question.topic_id == Topic.id)
            .where(Topic.space_id.in_(ids))
        )
        latest = (await session.execute(
            base.order_by(Topic.last_activity_at.desc(), Topic.id.desc()).limit(LATEST))).all()
        waiting = (await session.execute(
            base.where(Question.status.in_(sorted(WAITING)))
            .order_by(Topic.created_at.desc(), Topic.id.desc()).limit(OPEN_QUESTIONS))).all()
    by_org: dict[int, list[FeedSpace]] = {}
    for space in spaces:
        by_org.setdefault(space.org_id, []).append(
            FeedSpace(id=space.id, name=space.name, visibility=space.visibility))
    return Feed(
        organizations=[FeedOrganization(org=o, spaces=by_org.get(o.id, [])) for o in orgs],
        latest=[_topic(*row) for row in latest],
        open_questions=[_topic(*row) for row in waiting],
    )
