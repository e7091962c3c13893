"""The responsiveness figures of questions, aggregated in the database
(docs/accountability.md, Responsiveness).

The counts are one grouped statement on both databases; the percentiles of the
times to acknowledge and to answer (stored on each question, in seconds) are
taken differently:

- PostgreSQL: `percentile_cont(p) WITHIN GROUP (ORDER BY seconds)`, in the same
  pass as the counts, with grouping sets for the whole and each group.
- SQLite has no percentile function. For the whole of a scope and per
  organization (the reports), each percentile walks an index of that duration
  in order (cps/storage/accountability.py: all questions, or per organization)
  to its rank (`ORDER BY seconds LIMIT 2 OFFSET rank`): the rows before it are
  read from the index and skipped, never sorted; the counts of the first
  statement give each rank. For any other grouping (the premium splits: by
  question, by who answered) each duration is numbered in its group
  (`ROW_NUMBER() OVER (PARTITION BY group ORDER BY seconds)`) and the rows at
  the two ranks around each percentile are weighed by one `SUM`.

Both take the same percentile, by linear interpolation between the closest
ranks: of n sorted durations x[0..n-1], the p-th is x[i] + f * (x[i+1] - x[i])
where i + f = p * (n - 1) (i whole, 0 <= f < 1). The median is p = 0.5 (the
mean of the two middle values for an even count), p90 is p = 0.9. i and f are
found with whole numbers (p as a fraction), so no rounding moves a row.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any, Final

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    case,
    func,
    literal,
    null,
    select,
    tuple_,
    union,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.selectable import CTE
from sqlalchemy.sql.util import find_tables

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


# What figures may be grouped by: a column, or an expression (a scalar subquery).
Key = ColumnElement[Any] | QueryableAttribute[int]

# The two durations, by name: the stored seconds and the count that says how
# many questions of a group reached the step (the name of the `_counts` column).
DURATIONS: Final[dict[str, tuple[QueryableAttribute[float | None], str]]] = {
    "acknowledge": (Question.seconds_to_acknowledge, "acknowledged"),
    "answer": (Question.seconds_to_answer, "answered"),
}


def _counts(now: datetime) -> list[ColumnElement[Any]]:
    def number(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.count(case((condition, 1)))

    return [
        func.count().label("asked"),
        # Set from the times at each step: acknowledged (or answered), answered.
        func.count(Question.seconds_to_acknowledge).label("acknowledged"),
        func.count(Question.seconds_to_answer).label("answered"),
        number(Question.answered_at <= Question.due_at).label("answered_within_target"),
        number(and_(Question.status.in_(WAITING), Question.due_at < now)).label("overdue"),
        number(Question.status == "done").label("done"),
        number(Question.status == "declined").label("declined"),
    ]


def _in_period(scope: ColumnElement[bool], since: datetime,
               until: datetime) -> list[ColumnElement[bool]]:
    return [scope, Question.asked_at >= since, Question.asked_at < until]


def _questions(*columns: ColumnElement[Any] | QueryableAttribute[Any],
               scope: ColumnElement[bool], since: datetime, until: datetime,
               spaces: bool = True) -> Select[Any]:
    """The questions of `scope` asked in the period, joined to their spaces when
    `spaces` (the scope may then name `Space`)."""
    stmt = select(*columns).select_from(Question)
    if spaces:
        stmt = stmt.join(Space, Space.id == Question.space_id)
    return stmt.where(*_in_period(scope, since, until))


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
    scope), each value of `by` that has a question.

    Grouped by `Question.org_id`, the network report, SQLite walks the
    durations' indexes of all questions and of each organization."""
    if session.get_bind().dialect.name == "postgresql":
        rows = (await session.execute(_postgresql(scope, by, since, until, now))).all()
        return {row[0]: _row(row[1:]) for row in rows} | (
            {} if any(row[0] is None for row in rows) else {None: Figures()})
    if by is None or by is Question.org_id:
        if Space.__table__ in find_tables(scope):
            raise ValueError("A report walked by organization is scoped on Question alone.")
        return await _sqlite_walk(session, scope, by is not None, since, until, now)
    found: dict[int | None, Figures] = {}
    for group in (None, by):
        stmt = _sqlite_numbered(scope, group, since, until, now)
        for row in (await session.execute(stmt)).all():
            found[None if group is None else int(row[0])] = _row(row[1:])
    found.setdefault(None, Figures())
    return found


def _postgresql(scope: ColumnElement[bool], by: Key | None,
                since: datetime, until: datetime, now: datetime) -> Select[Any]:
    # One pass: the counts and the percentiles (both percentiles of a duration
    # share its sorted values: PostgreSQL keeps one state for aggregates of the same
    # input). Without `by`, one group of everything; with it, the grouping sets
    # (by) and ().
    percentiles = [
        func.percentile_cont(float(p)).within_group(seconds)
        for seconds, _ in DURATIONS.values()
        for p in PERCENTILES
    ]
    # percentile_cont skips the nulls: the questions that did not reach the step.
    key: Key = by if by is not None else null()
    stmt = _questions(key, *_counts(now), *percentiles, scope=scope, since=since, until=until)
    if by is None:
        return stmt
    return stmt.group_by(func.grouping_sets(tuple_(by), tuple_()))


def _below(p: Fraction, n: Any) -> Any:
    """i of i + f = p * (n - 1), for a number or an SQL expression n: whole numbers,
    no rounding (p = a / b)."""
    return (p.numerator * (n - 1)) // p.denominator


def _share(p: Fraction, n: Any) -> Any:
    """f of i + f = p * (n - 1)."""
    return ((p.numerator * (n - 1)) % p.denominator) * 1.0 / p.denominator


async def _sqlite_walk(session: AsyncSession, scope: ColumnElement[bool], per_org: bool,
                       since: datetime, until: datetime, now: datetime,
                       ) -> dict[int | None, Figures]:
    """The counts in one statement (per organization, or of everything), then
    each percentile as the two durations at its rank, read by walking an ordered
    index (`ORDER BY LIMIT 2 OFFSET`) and weighed in SQL."""
    group: ColumnElement[int] = (Question.org_id if per_org else literal(0, Integer)).label("g")
    counting = _questions(group, *_counts(now), scope=scope, since=since, until=until,
                          spaces=False)
    counted = (await session.execute(
        counting.group_by(group) if per_org else counting)).all()
    names = [c.name for c in _counts(now)]
    counts: dict[int | None, dict[str, int]] = {
        (int(row[0]) if per_org else None): dict(zip(names, map(int, row[1:]), strict=True))
        for row in counted
    }
    if per_org:  # the whole is the sum of the organizations
        counts[None] = {name: sum(c[name] for c in counts.values()) for name in names}
    # The period keeps nearly every row: said so with `likely()`, SQLite's planner
    # walks the duration's index of public questions (or an organization's) in
    # order rather than searching by date and sorting what it found; a scope
    # naming one space still leads it to that space's rows, few to sort.
    period = [func.likely(Question.asked_at >= since), func.likely(Question.asked_at < until)]
    walks = {
        (name, whole): (
            select(seconds)
            .where(*period, seconds.is_not(None), scope,
                   *([] if whole else [Question.org_id == bindparam("g")]))
            .order_by(seconds)
            .limit(2)
            .offset(bindparam("k"))
        )
        for name, (seconds, _) in DURATIONS.items()
        for whole in (True, False)
    }
    # A walk reads a few index rows: what it costs is the statement around it. Each
    # shape is compiled once and run on the driver's connection (in this session's
    # transaction), a few hundred of them for the network.
    run = {key: await _prepared(session, walk) for key, walk in walks.items()}
    taken: dict[tuple[int | None, str, int], float] = {}
    for name, (_, reached) in DURATIONS.items():
        for g, n in ((g, c[reached]) for g, c in counts.items() if c[reached] > 0):
            for i, p in enumerate(PERCENTILES):
                pair = [float(v) for (v,) in await run[(name, g is None)](
                    {"g": g, "k": _below(p, n)}) if v is not None]
                if pair:  # one read: the counts and the walks agree
                    taken[(g, name, i)] = pair[0] + _share(p, n) * (pair[-1] - pair[0])
    return {
        g: Figures(*(c[name] for name in names),
                   *(taken.get((g, name, i)) for name in DURATIONS
                     for i in range(len(PERCENTILES))))
        for g, c in ({None: {name: 0 for name in names}} | counts).items()
    }


Rows = Sequence[Sequence[Any]]


async def _prepared(session: AsyncSession, stmt: Select[Any],
                    ) -> Callable[[dict[str, Any]], Awaitable[Rows]]:
    """`stmt` compiled once for the session's dialect, as a function of the values
    of its unvalued bind parameters that runs it on the session's connection
    through the driver (aiosqlite), with every parameter processed as its type says
    (a date as SQLite stores it)."""
    connection = await session.connection()
    dialect = connection.dialect
    compiled = stmt.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    names = list(compiled.positiontup or ())
    binds = {name: compiled.binds[name] for name in names}
    processors = {name: bind.type.bind_processor(dialect) for name, bind in binds.items()}
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None

    def value(name: str, given: dict[str, Any]) -> Any:
        raw = given[name] if name in given else binds[name].effective_value
        processor = processors[name]
        return raw if processor is None else processor(raw)

    async def run(given: dict[str, Any]) -> Rows:
        cursor = await driver.execute(compiled.string, [value(n, given) for n in names])
        rows: Rows = await cursor.fetchall()
        await cursor.close()
        return rows

    return run


def _sqlite_numbered(scope: ColumnElement[bool], by: Key | None,
                     since: datetime, until: datetime, now: datetime) -> Select[Any]:
    group: ColumnElement[int] = (by if by is not None else literal(0, Integer)).label("g")
    counts = (
        _questions(group, *_counts(now), scope=scope, since=since, until=until)
        .group_by(group)
        .cte("counts")
        .prefix_with("MATERIALIZED")
    )
    percentiles = {
        name: _sqlite_percentiles(name, seconds, counts.c[reached], counts, group, scope,
                                  since, until)
        for name, (seconds, reached) in DURATIONS.items()
    }
    ack, ans = percentiles["acknowledge"], percentiles["answer"]
    return (
        select(counts.c.g, *(counts.c[c.name] for c in _counts(now)),
               *(ack.c[f"p{i}"] for i in range(len(PERCENTILES))),
               *(ans.c[f"p{i}"] for i in range(len(PERCENTILES))))
        .select_from(counts)
        .outerjoin(ack, ack.c.g == counts.c.g)
        .outerjoin(ans, ans.c.g == counts.c.g)
    )


def _sqlite_percentiles(name: str, seconds: QueryableAttribute[float | None],
                        n: ColumnElement[int], counts: CTE, group: ColumnElement[int],
                        scope: ColumnElement[bool], since: datetime, until: datetime) -> Any:
    """Per group, each percentile of `seconds` over the questions that reached
    the step (their number in the group is `n`).

    The durations are numbered within their group, in order (one sort); of those,
    only the rows at the two ranks around each percentile's position are kept,
    found through an index of the wanted (group, rank) pairs (a few per group),
    and weighed in the final sum. Joining every numbered row to its group's
    count instead would compare each with every group."""
    wanted = union(*(
        select(counts.c.g, (_below(p, n) + step).label("k")).where(n > 0)
        for p in PERCENTILES for step in (0, 1)
    ))
    durations = (
        _questions(group, seconds.label("s"), scope=scope, since=since, until=until)
        .where(seconds.is_not(None))
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
            (kept.c.k == _below(p, n), kept.c.s * (1.0 - _share(p, n))),
            (kept.c.k == _below(p, n) + 1, kept.c.s * _share(p, n)),
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
