"""The analytics dashboard (capability "analytics"): participation over time, the
stakeholder mix and response times, for an organization or one space.

The window is the last `days` UTC days, today included (from 00:00 UTC of the
first day until now). The numbers are SQL aggregates on either database: posts
per UTC day and per stakeholder type with their distinct authors, summed from
the participation rollup (`participation_days`, a row per person, space and day,
kept by triggers in the transaction that writes a post: migration 5c1e0a7d9b42),
so a window of 100,000 posts reads a few hundred rows; one row per topic opened
in the window with its first reply (the index `ix_posts_topic_created` finds it
without reading the posts); one row per flag. Only the percentiles and the zero
days are filled in here (docs/scaling.md, bench/reports.py).

What counts: a post counts as participation when it was published, even if it
was later hidden or deleted (it happened); a post still held for review
(pending) or rejected by a moderator does not count, nor does a topic whose
opening post is held or rejected. Stakeholder types are the participants'
current ones.

Response time of a topic opened in the window: from the topic's creation to
its first counted reply by someone other than its author. Median is the middle
value (the mean of the two middle ones for an even count); p90 is the
nearest-rank 90th percentile (the smallest time at least 90 % of answered
topics were answered within). Flag handling time: from a flag to its
resolution by a moderator, for flags raised in the window.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Final, get_args

from sqlalchemy import ColumnElement, and_, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from cps.services.accounts.views import StakeholderType
from cps.services.context import Actor, Context
from cps.services.errors import Forbidden, NotFound
from cps.services.orgs import orgs
from cps.services.orgs.access import space_access
from cps.services.reports.views import (
    AnalyticsView,
    DayActivity,
    FlagHandling,
    ResponseTimes,
    StakeholderShare,
    Totals,
)
from cps.services.responsiveness import report as responsiveness
from cps.services.tiers import plans
from cps.storage.models import (
    Flag,
    Organization,
    ParticipationDay,
    Post,
    Space,
    Topic,
    User,
)
from cps.storage.types import utcnow

DAYS_DEFAULT: Final = 30
DAYS_MAX: Final = 365
STAKEHOLDER_TYPES: Final[tuple[str, ...]] = get_args(StakeholderType)

# --- what the dashboard shows (also the API's response schema) ----------------------


# --- who may look ---------------------------------------------------------------------


async def for_org(ctx: Context, actor: Actor, org_id: int, days: int) -> AnalyticsView:
    """An organization's dashboard (its admins, platform admins; the tier has "analytics")."""
    async with ctx.db.read() as session:
        org = await session.get(Organization, org_id)
        if org is None:
            raise NotFound("No such organization.")
        if not await orgs.is_org_admin(session, actor, org_id):
            raise Forbidden("Only the organization's admins may see its analytics.")
        plans.require(org.tier, "analytics")
        return await _compute(session, Space.org_id == org_id, org_id, None, days)


async def for_space(ctx: Context, actor: Actor, space_id: int, days: int) -> AnalyticsView:
    """A space's dashboard (its moderators, the organization's admins, platform admins)."""
    async with ctx.db.read() as session:
        access = await space_access(session, actor, space_id)
        access.require_moderator()
        plans.require(access.org.tier, "analytics")
        return await _compute(session, Space.id == space_id, access.org.id, space_id, days)


# --- the numbers ----------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float | None:
    """Nearest rank: the smallest value with at least `share` of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _durations(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    return statistics.median(values), percentile(values, 0.9)


async def _compute(
    session: AsyncSession,
    scope: ColumnElement[bool],
    org_id: int,
    space_id: int | None,
    days: int,
) -> AnalyticsView:
    now = utcnow()
    first_day = now.date() - timedelta(days=days - 1)
    since = datetime(first_day.year, first_day.month, first_day.day, tzinfo=UTC)
    # Posts per day and per stakeholder type, from the participation rollup (a row
    # per person, space and day: cps/storage/models.py ParticipationDay) instead of
    # the posts themselves.
    rollup = (
        select()
        .select_from(ParticipationDay)
        .join(Space, Space.id == ParticipationDay.space_id)
        .where(scope, ParticipationDay.day >= first_day, ParticipationDay.posts > 0)
    )
    people = func.count(distinct(ParticipationDay.author_id))
    per_day = (
        await session.execute(
            rollup.add_columns(
                ParticipationDay.day, func.sum(ParticipationDay.posts), people,
                func.sum(ParticipationDay.hidden),
            ).group_by(ParticipationDay.day)
        )
    ).all()
    per_kind = (
        await session.execute(
            rollup.add_columns(User.stakeholder_type, func.sum(ParticipationDay.posts), people)
            .join(User, User.id == ParticipationDay.author_id)
            .group_by(User.stakeholder_type)
        )
    ).all()

    # Topics opened in the window whose opening post counts, with their first reply
    # by someone else (one row per topic). Both are index seeks, not scans of the
    # topic's posts: the opening post has the topic's smallest path (a path starts
    # with its root's zero-padded id, and the opening post is the first root), and the
    # first reply is the first row of the topic's posts in time order that counts.
    opening = aliased(Post)
    reply = aliased(Post)
    topics = (
        await session.execute(
            select(
                Topic.created_at,
                select(reply.created_at)
                .where(reply.topic_id == Topic.id, reply.author_id != Topic.author_id,
                       reply.review.is_(None))
                .order_by(reply.created_at).limit(1)
                .correlate(Topic).scalar_subquery(),
            )
            .join(Space, Space.id == Topic.space_id)
            .join(opening, and_(
                opening.topic_id == Topic.id,
                opening.path == select(func.min(Post.path))
                .where(Post.topic_id == Topic.id).correlate(Topic).scalar_subquery()))
            .where(scope, Topic.created_at >= since, opening.review.is_(None))
        )
    ).all()
    flags = (
        await session.execute(
            select(Flag.created_at, Flag.resolved_at)
            .join(Post, Post.id == Flag.post_id)
            .join(Topic, Topic.id == Post.topic_id)
            .join(Space, Space.id == Topic.space_id)
            .where(scope, Flag.created_at >= since)
        )
    ).all()

    # `day` is a Date column: a date on both databases (SQLite's text is parsed).
    posts_on = {d: (int(n), int(people)) for d, n, people, _ in per_day}
    topics_on = Counter(opened.date() for opened, _ in topics)
    participation = [
        DayActivity(day=d, posts=posts_on.get(d, (0, 0))[0], topics=topics_on[d],
                    participants=posts_on.get(d, (0, 0))[1])
        for d in (first_day + timedelta(days=i) for i in range(days))
    ]
    by_kind = {kind: (int(n), int(people)) for kind, n, people in per_kind}
    stakeholders = [
        StakeholderShare(stakeholder_type=kind,
                         participants=by_kind.get(kind, (0, 0))[1],
                         posts=by_kind.get(kind, (0, 0))[0])
        for kind in STAKEHOLDER_TYPES
    ]
    waits = [max(0.0, (first - opened).total_seconds())
             for opened, first in topics if first is not None]
    median, p90 = _durations(waits)
    handled = [(done - raised).total_seconds() for raised, done in flags if done is not None]
    flag_median, flag_p90 = _durations(handled)

    return AnalyticsView(
        scope="space" if space_id is not None else "org",
        org_id=org_id,
        space_id=space_id,
        days=days,
        since=since,
        until=now,
        totals=Totals(
            topics=len(topics),
            posts=sum(int(n) for _, n, _, _ in per_day),
            # Each participant has one stakeholder type: the groups do not overlap.
            participants=sum(people for _, people in by_kind.values()),
            flags=len(flags),
            hidden_posts=sum(int(h) for _, _, _, h in per_day),
        ),
        participation=participation,
        stakeholders=stakeholders,
        response_times=ResponseTimes(
            median_seconds=median, p90_seconds=p90,
            answered=len(waits), unanswered=len(topics) - len(waits),
        ),
        flag_handling=FlagHandling(
            median_seconds=flag_median, p90_seconds=flag_p90,
            resolved=len(handled), open=len(flags) - len(handled),
        ),
        responsiveness_by_topic=await responsiveness.by_question(
            session, scope, since=since, until=now),
        responsiveness_by_official=await responsiveness.by_answerer(
            session, scope, org_id, since=since, until=now),
    )
