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
`julianday` milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    null,
    select,
    tuple_,
    type_coerce,
    union,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.selectable import CTE

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
# What figures may be grouped by: a column, or an expression (a scalar subquery).
Key = ColumnElement[Any] | QueryableAttribute[int]


def _seconds(session: AsyncSession, later: Moment, earlier: Moment) -> ColumnElement[float]:
    if session.get_bind().dialect.name == "postgresql":
        # date_part answers a double (extract, a numeric: slower to sort).
        return cast(func.date_part("epoch", later - earlier), Float)
    # julianday keeps milliseconds (a day is 86,400,000 of them): the difference of
    # two is exact to a few microseconds, well within what the reports show.
    return type_coerce((func.julianday(later) - func.julianday(earlier)) * 86400.0, Float)


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


def _questions(*columns: ColumnElement[Any] | QueryableAttribute[Any],
               scope: ColumnElement[bool], since: datetime, until: datetime) -> Select[Any]:
    return (
        select(*columns)
        .select_from(Question)
        .join(Space, Space.id == Question.space_id)
        .where(*_in_period(scope, since, until))
    )


def _row(row: Sequence[Any]) -> Figures:
    """A row of (asked, ... declined, the four percentiles) as Figures."""
    return Figures(*(int(n) for n in row[:7]),
                   *(None if s is None else float(s) for s in row[7:11]))


async def figures(
    session: AsyncSession,
    scope: ColumnElement[bool],
    *,
    since: datetime,
    until: datetime,
    now: datetime,
    by: Key | None = None,
) -> dict[int | None, Figures]:
    """The figures of the questions asked from `since` (included) to `until`
    (excluded) that `scope` (an expression on `Question` and its `Space`) keeps,
    as of `now`: all of them together under the key None, and, with `by` (a
    column of `Question` or `Space`, or an expression on them, never null in
    scope), each value of `by` that has a question."""
    if session.get_bind().dialect.name == "postgresql":
        rows = (await session.execute(_postgresql(session, scope, by, since, until, now))).all()
        return {row[0]: _row(row[1:]) for row in rows} | (
            {} if any(row[0] is None for row in rows) else {None: Figures()})
    found: dict[int | None, Figures] = {}
    for group in ([None] if by is None else [None, by]):
        stmt = _sqlite(session, scope, group, since, until, now)
        for row in (await session.execute(stmt)).all():
            found[None if group is None else int(row[0])] = _row(row[1:])
    found.setdefault(None, Figures())
    return found


def _postgresql(session: AsyncSession, scope: ColumnElement[bool], by: Key | None,
                since: datetime, until: datetime, now: datetime) -> Select[Any]:
    # One pass: the counts and the percentiles (both percentiles of a duration
    # share its sorted values: PostgreSQL keeps one state for aggregates of the same
    # input). Without `by`, one group of everything; with it, the grouping sets
    # (by) and ().
    percentiles = [
        func.percentile_cont(float(p)).within_group(seconds)
        for seconds in (_seconds(session, _acknowledged_at(), Question.asked_at),
                        _seconds(session, Question.answered_at, Question.asked_at))
        for p in PERCENTILES
    ]
    # percentile_cont skips the nulls: the questions that did not reach the step.
    key: Key = by if by is not None else null()
    stmt = _questions(key, *_counts(now), *percentiles, scope=scope, since=since, until=until)
    if by is None:
        return stmt
    return stmt.group_by(func.grouping_sets(tuple_(by), tuple_()))


def _sqlite(session: AsyncSession, scope: ColumnElement[bool], by: Key | None,
            since: datetime, until: datetime, now: datetime) -> Select[Any]:
    group: ColumnElement[int] = (by if by is not None else literal(0, Integer)).label("g")
    counts = (
        _questions(group, *_counts(now), scope=scope, since=since, until=until)
        .group_by(group)
        .cte("counts")
        .prefix_with("MATERIALIZED")
    )
    durations: dict[str, Moment] = {
        "acknowledged": _acknowledged_at(),
        "answered": Question.answered_at,
    }
    percentiles = {
        name: _sqlite_percentiles(name, _seconds(session, moment, Question.asked_at),
                                  moment.is_not(None), counts, group, scope, since, until)
        for name, moment in durations.items()
    }
    ack, ans = percentiles["acknowledged"], percentiles["answered"]
    return (
        select(counts.c.g, *(counts.c[c.name] for c in _counts(now)),
               *(ack.c[f"p{i}"] for i in range(len(PERCENTILES))),
               *(ans.c[f"p{i}"] for i in range(len(PERCENTILES))))
        .select_from(counts)
        .outerjoin(ack, ack.c.g == counts.c.g)
        .outerjoin(ans, ans.c.g == counts.c.g)
    )


def _sqlite_percentiles(name: str, seconds: ColumnElement[float], reached: ColumnElement[bool],
                        counts: CTE, group: ColumnElement[int], scope: ColumnElement[bool],
                        since: datetime, until: datetime) -> Any:
    """Per group, each percentile of `seconds` over the questions that `reached`
    step `name` (their number is `counts.c[name]`).

    The durations are numbered within their group, in order (one sort); of those,
    only the rows at the two ranks around each percentile's position are kept,
    found through an index of the wanted (group, rank) pairs (a few per group),
    and weighed in the final sum. Joining every numbered row to its group's
    count instead would compare each with every group."""
    n: ColumnElement[int] = counts.c[name]

    def below(p: Fraction) -> ColumnElement[int]:
        # i = a * (n - 1) // b for p = a / b: whole numbers, no rounding.
        return (p.numerator * (n - 1)) // p.denominator

    def share(p: Fraction) -> ColumnElement[Any]:
        return ((p.numerator * (n - 1)) % p.denominator) * 1.0 / p.denominator

    wanted = union(*(
        select(counts.c.g, (below(p) + step).label("k")).where(n > 0)
        for p in PERCENTILES for step in (0, 1)
    ))
    # The durations first, then their numbers: so each is computed once a row.
    durations = (
        _questions(group, seconds.label("s"), scope=scope, since=since, until=until)
        .where(reached)
        .subquery(f"durations_{name}")
    )
    numbered = select(
        durations.c.g, durations.c.s,
        (func.row_number().over(partition_by=durations.c.g, order_by=durations.c.s) - 1)
        .label("k"),
    ).subquery(f"numbered_{name}")
    kept = (
        select(numbered.c.g, numbered.c.s, numbered.c.k)
        .where(tuple_(numbered.c.g, numbered.c.k).in_(select(wanted.subquery())))
        .subquery(f"kept_{name}")
    )
    weighed = [
        func.sum(case(
            (kept.c.k == below(p), kept.c.s * (1.0 - share(p))),
            (kept.c.k == below(p) + 1, kept.c.s * share(p)),
            else_=0.0,
        )).label(f"p{i}")
        for i, p in enumerate(PERCENTILES)
    ]
    return (
        select(counts.c.g, *weighed)
        .select_from(counts)
        .join(kept, kept.c.g == counts.c.g)
        .group_by(counts.c.g)
        .subquery(f"percentiles_{name}")
    )
