"""The responsiveness reports of a space, an organization and the network: the
period they cover, who may see them, what they count and how the network ranks
its organizations (docs/accountability.md, Responsiveness).

The figures are aggregated in the database (`cps.storage.responsiveness`);
this module chooses the questions, turns seconds into hours and ranks.

- **Period:** whole UTC days, both ends included; by default the last 90 days,
  today included. A question counts when it was asked in the period, and then
  with everything that happened to it since, up to now.
- **Who may see:** every report is public. A space's report is refused (404) to
  whoever may not read the space, as the space itself is. An organization's and
  the network's reports count the questions of PUBLIC spaces only, for every
  reader alike: a figure anyone may quote is one anyone may check, and a
  members-only space's questions are not questions to the public.
- **Ranking:** organizations with at least `RANKED_FROM` questions in the period,
  by the share of their questions answered within target (highest first), then
  by their median time to answer (fastest first; none answered comes last).
  Equal on both, they share a rank, and the next rank skips (1, 2, 2, 4); they
  are listed by name. The others follow, with no rank, in the same order. An
  organization asked nothing in the period is not listed.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from typing import Final

from sqlalchemy import ColumnElement, and_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from cps.services.accounts.views import Author
from cps.services.context import Actor, Context
from cps.services.errors import Invalid, NotFound
from cps.services.officials.roster import official_of
from cps.services.orgs.access import space_access
from cps.services.responsiveness.views import (
    AnswererResponsiveness,
    NetworkReport,
    OrgResponsiveness,
    Period,
    QuestionResponsiveness,
    ReportOrg,
    Responsiveness,
    ResponsivenessReport,
)
from cps.storage import responsiveness
from cps.storage.accountability import Question, QuestionChange
from cps.storage.models import Organization, Topic, User
from cps.storage.responsiveness import Figures
from cps.storage.types import utcnow

DEFAULT_DAYS: Final = 90
RANKED_FROM: Final = 5
# Hours are given to the thousandth (3.6 seconds): both databases agree there.
HOURS_DIGITS: Final = 3

PUBLIC: Final = Question.public == true()


def period(first: date | None, last: date | None, today: date) -> Period:
    """The period from `first` to `last` (both included); `last` defaults to
    `today`, `first` to DEFAULT_DAYS days ending on `last`."""
    last = last if last is not None else today
    first = first if first is not None else last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise Invalid({"from": "The period's first day (from) comes after its last (to)."})
    return Period(from_=first, to=last)


def today() -> date:
    return utcnow().date()


def _bounds(covered: Period) -> tuple[datetime, datetime]:
    since = datetime.combine(covered.from_, time(), UTC)
    until = datetime.combine(covered.to + timedelta(days=1), time(), UTC)
    return since, until


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, HOURS_DIGITS)


def figures_view(figures: Figures) -> Responsiveness:
    return Responsiveness(
        asked=figures.asked,
        acknowledged=figures.acknowledged,
        answered=figures.answered,
        answered_within_target=figures.answered_within_target,
        overdue=figures.overdue,
        done=figures.done,
        declined=figures.declined,
        median_hours_to_acknowledge=_hours(figures.median_seconds_to_acknowledge),
        p90_hours_to_acknowledge=_hours(figures.p90_seconds_to_acknowledge),
        median_hours_to_answer=_hours(figures.median_seconds_to_answer),
        p90_hours_to_answer=_hours(figures.p90_seconds_to_answer),
    )


def _report(covered: Period, figures: Figures) -> ResponsivenessReport:
    return ResponsivenessReport(period=covered, **figures_view(figures).model_dump())


async def for_space(ctx: Context, actor: Actor | None, space_id: int,
                    covered: Period) -> ResponsivenessReport:
    """The space's report; NotFound to whoever may not read the space."""
    since, until = _bounds(covered)
    async with ctx.db.read() as session:
        await space_access(session, actor, space_id)
        found = await responsiveness.figures(session, Question.space_id == space_id,
                                             since=since, until=until, now=utcnow())
    return _report(covered, found[None])


async def for_org(ctx: Context, org_id: int, covered: Period) -> ResponsivenessReport:
    """The organization's report, over its public spaces."""
    since, until = _bounds(covered)
    async with ctx.db.read() as session:
        if await session.get(Organization, org_id) is None:
            raise NotFound("No such organization.")
        scope: ColumnElement[bool] = and_(Question.org_id == org_id, PUBLIC)
        found = await responsiveness.figures(session, scope, since=since, until=until,
                                             now=utcnow())
    return _report(covered, found[None])


async def for_network(ctx: Context, covered: Period) -> NetworkReport:
    """Every organization's public questions: the totals, and each organization
    asked something in the period, ranked."""
    since, until = _bounds(covered)
    now = utcnow()
    async with ctx.db.read() as session:
        found = await responsiveness.figures(session, PUBLIC, since=since, until=until,
                                             now=now, by=Question.org_id)
        by_org = {org_id: figures for org_id, figures in found.items() if org_id is not None}
        orgs = (
            await session.execute(
                select(Organization.id, Organization.name, Organization.country)
                .where(Organization.id.in_(list(by_org)))
            )
        ).all() if by_org else []
    lines = [(ReportOrg(id=org_id, name=name, country=country),
              figures_view(by_org[org_id])) for org_id, name, country in orgs]
    return NetworkReport(period=covered, orgs=ranked(lines),
                         **figures_view(found[None]).model_dump())


# --- month by month, for the reports' charts ----------------------------------------

MONTHS_DEFAULT: Final = 12
MONTHS_MAX: Final = 24


def last_months(count: int, today: date) -> list[Period]:
    """The last `count` calendar months (UTC), oldest first; the current one ends today.
    (The HTTP edge declares and enforces 1 to MONTHS_MAX.)"""
    periods = []
    year, month = today.year, today.month
    for _ in range(count):
        first = date(year, month, 1)
        following = date(year + month // 12, month % 12 + 1, 1)
        periods.append(Period(from_=first, to=min(following - timedelta(days=1), today)))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return periods[::-1]


async def _by_month(session: AsyncSession, scope: ColumnElement[bool],
                    months: list[Period]) -> list[ResponsivenessReport]:
    now = utcnow()
    reports = []
    for covered in months:
        since, until = _bounds(covered)
        found = await responsiveness.figures(session, scope, since=since, until=until, now=now)
        reports.append(_report(covered, found[None]))
    return reports


async def space_months(ctx: Context, actor: Actor | None, space_id: int,
                       months: list[Period]) -> list[ResponsivenessReport]:
    """The space's report for each of `months`; NotFound to whoever may not read it."""
    async with ctx.db.read() as session:
        await space_access(session, actor, space_id)
        return await _by_month(session, Question.space_id == space_id, months)


async def org_months(ctx: Context, org_id: int,
                     months: list[Period]) -> list[ResponsivenessReport]:
    """The organization's report (its public spaces) for each of `months`."""
    async with ctx.db.read() as session:
        if await session.get(Organization, org_id) is None:
            raise NotFound("No such organization.")
        return await _by_month(session, and_(Question.org_id == org_id, PUBLIC), months)


async def network_months(ctx: Context, months: list[Period]) -> list[ResponsivenessReport]:
    """The network's totals (public spaces) for each of `months`."""
    async with ctx.db.read() as session:
        return await _by_month(session, PUBLIC, months)


# --- the premium analytics' splits (cps/services/reports/analytics.py) ---------------


async def by_question(session: AsyncSession, scope: ColumnElement[bool], *, since: datetime,
                      until: datetime) -> list[QuestionResponsiveness]:
    """Each question asked from `since` to `until` in `scope` (an expression on
    `Space`), with its figures, the newest first."""
    found = await responsiveness.figures(session, scope, since=since, until=until,
                                         now=utcnow(), by=Question.topic_id)
    ids = sorted((key for key in found if key is not None), reverse=True)
    rows = (await session.execute(
        select(Topic.id, Topic.title).where(Topic.id.in_(ids)))).all() if ids else []
    titles = {topic_id: title for topic_id, title in rows}
    return [QuestionResponsiveness(topic_id=topic_id, title=titles[topic_id],
                                   **figures_view(found[topic_id]).model_dump())
            for topic_id in ids]


async def by_answerer(session: AsyncSession, scope: ColumnElement[bool], org_id: int, *,
                      since: datetime, until: datetime) -> list[AnswererResponsiveness]:
    """Each person who answered questions asked from `since` to `until` in
    `scope`, with the figures of those questions (the answered ones: how many of
    them within target, how fast), the most answers first. Who answered is who
    took the `answered` step: the official whose post answered, or whoever
    marked it answered."""
    answerer = (
        select(QuestionChange.by_user)
        .where(QuestionChange.topic_id == Question.topic_id,
               QuestionChange.to_status == "answered")
        .limit(1)
        .scalar_subquery()
    )
    found = await responsiveness.figures(
        session, and_(scope, Question.answered_at.is_not(None), answerer.is_not(None)),
        since=since, until=until, now=utcnow(), by=answerer)
    ids = [key for key in found if key is not None]
    people = (await session.execute(
        select(User.id, User.display_name, User.handle, User.stakeholder_type,
               official_of(org_id, User.id)).where(User.id.in_(ids)))).all() if ids else []
    lines = [AnswererResponsiveness(
        user=Author(id=user_id, display_name=name, handle=handle, stakeholder_type=kind),
        official=bool(official), **figures_view(found[user_id]).model_dump())
        for user_id, name, handle, kind, official in people]
    return sorted(lines, key=lambda line: (-line.answered, line.user.display_name.casefold(),
                                           line.user.id))


def _order(line: tuple[ReportOrg, Responsiveness]) -> tuple[Fraction, float, str, int]:
    org, figures = line
    share = Fraction(figures.answered_within_target, max(figures.asked, 1))
    median = figures.median_hours_to_answer
    return -share, math.inf if median is None else median, org.name.casefold(), org.id


def ranked(lines: list[tuple[ReportOrg, Responsiveness]]) -> list[OrgResponsiveness]:
    """The organizations in the order of the network report, each with its rank
    (None below RANKED_FROM questions); equals share a rank (1, 2, 2, 4)."""
    ordered = sorted(lines, key=_order)
    out: list[OrgResponsiveness] = []
    previous: tuple[Fraction, float] | None = None
    rank = 0
    for org, figures in (line for line in ordered if line[1].asked >= RANKED_FROM):
        standing = _order((org, figures))[:2]
        if standing != previous:
            rank, previous = len(out) + 1, standing
        out.append(OrgResponsiveness(org=org, rank=rank, **figures.model_dump()))
    out.extend(OrgResponsiveness(org=org, rank=None, **figures.model_dump())
               for org, figures in ordered if figures.asked < RANKED_FROM)
    return out
