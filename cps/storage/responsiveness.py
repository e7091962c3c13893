"""The responsiveness figures of questions, aggregated in the database
(docs/accountability.md, Responsiveness).

One statement answers the counts and the percentiles of a set of questions,
grouped by a column (an organization) or not at all. The two databases count
alike; they differ in how they take a percentile:

- PostgreSQL: `percentile_cont(p) WITHIN GROUP (ORDER BY seconds)`, in the same
  pass as the counts.
- SQLite has no percentile function: each duration is numbered in its group
  (`ROW_NUMBER() OVER (PARTITION BY group ORDER BY seconds)`, with the group's
  `COUNT(*) OVER`), and the two rows around the percentile's position are
  weighed by one `SUM`.

Both take the same percentile, by linear interpolation between the closest
ranks: of n sorted durations x[0..n-1], the p-th is x[i] + f * (x[i+1] - x[i])
where i + f = p * (n - 1) (i whole, 0 <= f < 1). The median is p = 0.5 (the
mean of the two middle values for an even count), p90 is p = 0.9. SQLite finds
i and f with whole numbers (p as a fraction), so no rounding moves a row.

Durations are in seconds: PostgreSQL's timestamps keep microseconds, SQLite's
`julianday` milliseconds (its difference is rounded to the millisecond, where
it is exact).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any, Final

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from cps.storage.accountability import Question
from cps.storage.models import Space

MEDIAN: Final = Fraction(1, 2)
P90: Final = Fraction(9, 10)
PERCENTILES: Final = (MEDIAN, P90)

# Where a question stands still: asked, or acknowledged, and not answered yet.
WAITING: Final = ("open", "acknowledged")


@dataclass(frozen=True)
class Figures:
    """What the reports count, for one group of questions. Durations in seconds,
    None when no question of the group reached that step."""

    asked: int = 0
    acknowledged: int = 0
    answered: int = 0
    answered_within_target: int = 0
    overdue: int = 0
    done: int = 0
    declined: int = 0
    median_seconds_to_acknowledge: float | None = None
    p90_seconds_to_acknowledge: float | None = None
    median_seconds_to_answer: float | None = None
    p90_seconds_to_answer: float | None = None


def _acknowledged_at() -> ColumnElement[Any]:
    # Answering acknowledges: a question answered without the acknowledged step
    # counts as acknowledged when it was answered.
    return func.coalesce(Question.acknowledged_at, Question.answered_at)


Moment = ColumnElement[Any] | QueryableAttribute[Any]


def _seconds(session: AsyncSession, later: Moment, earlier: Moment) -> ColumnElement[float]:
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.extract("epoch", later - earlier), Float)
    return cast(func.round((func.julianday(later) - func.julianday(earlier)) * 86400.0, 3),
                Float)


def _counts(now: datetime) -> list[ColumnElement[Any]]:
    def number(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.count(case((condition, 1)))

    return [
        func.count().label("asked"),
        func.count(_acknowledged_at()).label("acknowledged"),
        func.count(Question.answered_at).label("answered"),
        number(Question.answered_at <= Question.due_at).label("answered_within_target"),
        number(and_(Question.status.in_(WAITING), Question.due_at < now)).label("overdue"),
        number(Question.status == "done").label("done"),
        number(Question.status == "declined").label("declined"),
    ]


def _in_period(scope: ColumnElement[bool], since: datetime,
               until: datetime) -> list[ColumnElement[bool]]:
    return [scope, Question.asked_at >= since, Question.asked_at < until]


async def figures(
    session: AsyncSession,
    scope: ColumnElement[bool],
    *,
    since: datetime,
    until: datetime,
    now: datetime,
    by: QueryableAttribute[int] | None = None,
) -> dict[int, Figures]:
    """The figures of the questions asked from `since` (included) to `until`
    (excluded) that `scope` (an expression on `Question` and its `Space`) keeps,
    as of `now`, by the value of `by` (a column of `Question` or `Space`), or all
    together under the key 0. A group without a question has no entry."""
    group: ColumnElement[int] = (by if by is not None else literal(0, Integer)).label("g")
    if session.get_bind().dialect.name == "postgresql":
        stmt = _postgresql(session, scope, group, since, until, now)
    else:
        stmt = _sqlite(session, scope, group, since, until, now)
    rows = (await session.execute(stmt)).all()
    return {int(row[0]): Figures(*(int(n) for n in row[1:8]),
                                 *(None if s is None else float(s) for s in row[8:12]))
            for row in rows}


def _postgresql(session: AsyncSession, scope: ColumnElement[bool], group: ColumnElement[int],
                since: datetime, until: datetime, now: datetime) -> Select[Any]:
    to_acknowledge = _seconds(session, _acknowledged_at(), Question.asked_at)
    to_answer = _seconds(session, Question.answered_at, Question.asked_at)
    # percentile_cont skips the nulls: the questions that did not reach the step.
    percentiles = [
        func.percentile_cont(float(p)).within_group(seconds)
        for seconds in (to_acknowledge, to_answer) for p in PERCENTILES
    ]
    return (
        select(group, *_counts(now), *percentiles)
        .select_from(Question)
        .join(Space, Space.id == Question.space_id)
        .where(*_in_period(scope, since, until))
        .group_by(group)
    )


def _sqlite(session: AsyncSession, scope: ColumnElement[bool], group: ColumnElement[int],
            since: datetime, until: datetime, now: datetime) -> Select[Any]:
    base = (
        select(
            group,
            _seconds(session, _acknowledged_at(), Question.asked_at).label("ack"),
            _seconds(session, Question.answered_at, Question.asked_at).label("ans"),
        )
        .select_from(Question)
        .join(Space, Space.id == Question.space_id)
        .where(*_in_period(scope, since, until))
        .cte("base")
    )
    counts = (
        select(group, *_counts(now))
        .select_from(Question)
        .join(Space, Space.id == Question.space_id)
        .where(*_in_period(scope, since, until))
        .group_by(group)
        .subquery("counts")
    )

    def ranked(name: str) -> Any:
        seconds = base.c[name]
        return (
            select(
                base.c.g,
                seconds.label("s"),
                (func.row_number().over(partition_by=base.c.g, order_by=seconds) - 1)
                .label("k"),
                func.count().over(partition_by=base.c.g).label("n"),
            )
            .where(seconds.is_not(None))
            .subquery(f"ranked_{name}")
        )

    def interpolated(rows: Any, p: Fraction) -> ColumnElement[float]:
        # i + f = p * (n - 1), with p = a / b: i = a * (n - 1) // b, f = (a * (n - 1) % b) / b.
        scaled = p.numerator * (rows.c.n - 1)
        below = scaled // p.denominator
        share = (scaled % p.denominator) * 1.0 / p.denominator
        return func.sum(case(
            (rows.c.k == below, rows.c.s * (1.0 - share)),
            (rows.c.k == below + 1, rows.c.s * share),
            else_=0.0,
        ))

    tables = {}
    for name in ("ack", "ans"):
        rows = ranked(name)
        tables[name] = (
            select(rows.c.g, *(interpolated(rows, p).label(f"p{i}")
                               for i, p in enumerate(PERCENTILES)))
            .group_by(rows.c.g)
            .subquery(f"percentiles_{name}")
        )
    ack, ans = tables["ack"], tables["ans"]
    return (
        select(counts.c.g, *(c for c in counts.c if c.name != "g"),
               ack.c.p0, ack.c.p1, ans.c.p0, ans.c.p1)
        .select_from(counts)
        .outerjoin(ack, ack.c.g == counts.c.g)
        .outerjoin(ans, ans.c.g == counts.c.g)
    )
