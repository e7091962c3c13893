"""The responsiveness reports on a big network: GET /api/v1/spaces/{id}/responsiveness,
/orgs/{id}/responsiveness and /responsiveness over 100,000 questions.

Builds, in a fresh database migrated by Alembic (a temporary SQLite file, and a
`cps_bench_<random>` database created on the PostgreSQL at --pg-admin and dropped
afterwards), 50 organizations with 200 spaces between them (one in ten private)
and 100,000 questions asked over the default period of the reports (the last
90 days, so every report aggregates all the questions in its scope: the worst
case), in every state of their life, with times to acknowledge and to answer
drawn from skewed distributions; a few organizations have fewer than five
questions, so the network report has unranked lines too. The organizations are
of unequal size (a few big cities, many small ones).

Then it asks the real app (its lifespan, middleware, routes and services, in
process over ASGI through httpx, as bench/thread_read.py does) for each report,
the space and the organization being the biggest, many times each, checks the
figures against the ones the data set was built with, and prints p50/p95/max
per report, the SQL statements one report took, the machine and the database,
and PASS or FAIL against the target: p95 under 200 ms for every report on every
database.

    python -m bench.responsiveness                          # 100,000 questions, both databases
    python -m bench.responsiveness --databases sqlite       # SQLite only
    python -m bench.responsiveness --smoke                  # 2,000 questions, 5 reads: does it run?

Exit status: 0 on PASS, 1 on FAIL (a slow report or a wrong figure), 2 when a
database could not be set up; with --smoke the time is not judged.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fanout import database_kinds, database_options, on_each_database
from bench.machine import describe
from bench.thread_read import percentile, serving
from cps.storage import database as database_module
from cps.storage.accountability import Question
from cps.storage.database import Database
from cps.storage.migrations import upgrade
from cps.storage.models import Organization, Space, Topic, User

TARGET_MS = 200.0
TARGET_DAYS = 14
CHUNK = 5_000

# Where questions end up, with their weights: (status, acknowledged, answered).
LIVES = (
    (("open", False, False), 10),
    (("acknowledged", True, False), 10),
    (("answered", True, True), 30),
    (("in_progress", True, True), 15),
    (("done", True, True), 28),
    (("declined", True, False), 7),
)


@dataclass
class Expected:
    """What the data set holds, to check the reports against."""

    asked: int = 0
    acknowledged: int = 0
    answered: int = 0
    within: int = 0
    done: int = 0
    declined: int = 0
    answer_hours: list[float] = field(default_factory=list)


@dataclass
class DataSet:
    questions: int
    orgs: int
    spaces: int
    private_spaces: int
    biggest_org: int
    biggest_space: int
    network: Expected  # public spaces
    org: Expected  # the biggest organization's public spaces
    space: Expected


def _hours(rng: random.Random, mean: float) -> float:
    """A skewed duration (most quick, a long tail), whole seconds, at least one."""
    return max(1, round(rng.expovariate(1 / mean) * 3600)) / 3600


def _org_sizes(rng: random.Random, orgs: int, spaces: int, questions: int,
               tiny: int) -> list[tuple[int, int]]:
    """(spaces, questions) per organization: weights falling with the rank (a few
    big cities, many small ones); the last `tiny` have one space and 3 questions."""
    weights = [1 / (rank + 1) ** 0.8 for rank in range(orgs - tiny)]
    total = sum(weights)
    big_spaces = spaces - tiny
    space_counts = [max(1, round(big_spaces * w / total)) for w in weights]
    space_counts[0] += big_spaces - sum(space_counts)
    big_questions = questions - 3 * tiny
    question_counts = [round(big_questions * w / total) for w in weights]
    question_counts[0] += big_questions - sum(question_counts)
    return list(zip(space_counts, question_counts, strict=True)) + [(1, 3)] * tiny


async def build(db: Database, questions: int, orgs: int, spaces: int, seed: int,
                span_days: int = 90) -> DataSet:
    """The data set, in one transaction with multi-row inserts and ids chosen here:
    questions asked over the last `span_days` days (the reports' default period is
    the last 90; the figures expected are of the questions asked in it)."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    period_start = datetime(now.year, now.month, now.day, tzinfo=UTC) - timedelta(days=89)
    oldest = min(period_start, now - timedelta(days=span_days))
    span = (now - oldest).total_seconds() - 3600
    sizes = _org_sizes(rng, orgs, spaces, questions, tiny=min(3, orgs - 1))
    lives, weights = zip(*LIVES, strict=True)
    network, org_figures, space_figures = Expected(), Expected(), Expected()
    private_count = 0
    async with db.write() as tx:
        s = tx.session
        await s.execute(insert(User), [
            {"id": i, "email": f"asker{i}@bench.example", "password_hash": "not a hash",
             "display_name": f"Asker {i}", "handle": f"asker{i}", "stakeholder_type": "citizen",
             "is_platform_admin": False, "created_at": oldest}
            for i in range(1, 101)])
        await s.execute(insert(Organization), [
            {"id": o, "name": f"City {o:02d}", "kind": "local_government",
             "country": rng.choice(("Korea", "Japan", "France", "Kenya", "Brazil")),
             "tier": "free", "created_by": 1, "created_at": oldest}
            for o in range(1, len(sizes) + 1)])
        space_rows: list[dict[str, Any]] = []
        topic_id = 0
        biggest_space = (0, 0)  # (questions, id)
        for org_id, (org_spaces, org_questions) in enumerate(sizes, start=1):
            first = len(space_rows) + 1
            for n in range(org_spaces):
                # One space in ten private, never an organization's first.
                private = n > 0 and rng.random() < 0.1
                private_count += private
                space_rows.append({
                    "id": first + n, "org_id": org_id, "name": f"Space {first + n}",
                    "description": "", "visibility": "private" if private else "public",
                    "topic_policy": "participants", "created_at": oldest,
                    "response_target_days": TARGET_DAYS})
            # Spaces of unequal size too: the first gets the most.
            space_weights = [1 / (n + 1) for n in range(org_spaces)]
            per_space: dict[int, int] = {}
            topics: list[dict[str, Any]] = []
            rows: list[dict[str, Any]] = []
            for _ in range(org_questions):
                space = first + rng.choices(range(org_spaces), space_weights)[0]
                per_space[space] = per_space.get(space, 0) + 1
                topic_id += 1
                asked = oldest + timedelta(seconds=rng.uniform(0, span))
                asked = asked.replace(microsecond=0)
                status, acknowledged, answered = rng.choices(lives, weights)[0]
                ack_at = asked + timedelta(hours=_hours(rng, 30)) if acknowledged else None
                answer_at = None
                if answered:
                    assert ack_at is not None
                    answer_at = ack_at + timedelta(hours=_hours(rng, 120))
                    if answer_at > now:  # not yet: still acknowledged
                        status, answer_at = "acknowledged", None
                if ack_at is not None and ack_at > now:
                    status, ack_at = "open", None
                due = asked + timedelta(days=TARGET_DAYS)
                acknowledged = ack_at or answer_at  # answering acknowledges
                topics.append({
                    "id": topic_id, "space_id": space, "author_id": rng.randint(1, 100),
                    "title": f"Question {topic_id}", "kind": "question", "pinned": False,
                    "locked": False, "archived": False, "post_count": 1, "created_at": asked,
                    "last_activity_at": answer_at or asked})
                rows.append({
                    "topic_id": topic_id, "space_id": space, "org_id": org_id,
                    "public": space_rows[space - 1]["visibility"] == "public", "status": status,
                    "asked_by": topics[-1]["author_id"], "asked_at": asked, "due_at": due,
                    "acknowledged_at": ack_at, "answered_at": answer_at,
                    "closed_at": answer_at if status == "done" else None,
                    "reason": "Not ours to decide" if status == "declined" else None,
                    "seconds_to_acknowledge": None if acknowledged is None
                    else (acknowledged - asked).total_seconds(),
                    "seconds_to_answer": None if answer_at is None
                    else (answer_at - asked).total_seconds()})
            if org_id == 1:
                biggest_space = max((count, space) for space, count in per_space.items()
                                    if not space_rows[space - 1]["visibility"] == "private")
            public = {r["id"] for r in space_rows[first - 1:] if r["visibility"] == "public"}
            for row in rows:
                if row["space_id"] not in public or row["asked_at"] < period_start:
                    continue
                targets = [network] + ([org_figures] if org_id == 1 else []) + (
                    [space_figures] if row["space_id"] == biggest_space[1] else [])
                for expected in targets:
                    _count(expected, row)
            await s.execute(insert(Space), space_rows[first - 1:])
            for chunk in range(0, len(topics), CHUNK):
                await s.execute(insert(Topic), topics[chunk:chunk + CHUNK])
                await s.execute(insert(Question), rows[chunk:chunk + CHUNK])
        if s.get_bind().dialect.name == "postgresql":
            for table in ("users", "organizations", "spaces", "topics"):
                await s.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"))
    async with db.write() as tx:  # fresh statistics for the planner
        await tx.session.execute(text("ANALYZE"))
    return DataSet(questions, len(sizes), len(space_rows), private_count, 1, biggest_space[1],
                   network, org_figures, space_figures)


def _count(expected: Expected, row: dict[str, Any]) -> None:
    expected.asked += 1
    expected.acknowledged += row["acknowledged_at"] is not None
    if row["answered_at"] is not None:
        expected.answered += 1
        expected.within += row["answered_at"] <= row["due_at"]
        expected.answer_hours.append(
            (row["answered_at"] - row["asked_at"]).total_seconds() / 3600)
    expected.done += row["status"] == "done"
    expected.declined += row["status"] == "declined"


def _linear(values: list[float], p: float) -> float | None:
    """Linear interpolation between the closest ranks (docs/accountability.md)."""
    if not values:
        return None
    ordered = sorted(values)
    position = p * (len(ordered) - 1)
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (position - below) * (ordered[above] - ordered[below])


def check(name: str, body: dict[str, Any], expected: Expected) -> list[str]:
    """The report's figures against the data set's: the problems found."""
    got = (body["asked"], body["acknowledged"], body["answered"],
           body["answered_within_target"], body["done"], body["declined"])
    want = (expected.asked, expected.acknowledged, expected.answered, expected.within,
            expected.done, expected.declined)
    problems = [f"{name}: counts {got} instead of {want}"] if got != want else []
    for key, p in (("median_hours_to_answer", 0.5), ("p90_hours_to_answer", 0.9)):
        value = _linear(expected.answer_hours, p)
        if value is None or body[key] is None or abs(body[key] - value) > 0.001:
            problems.append(f"{name}: {key} {body[key]} instead of {value}")
    return problems


@dataclass
class Result:
    wall_ms: list[float]  # sorted
    # Sorted: this process's CPU time (all threads, SQLite's work included; not
    # PostgreSQL's, which runs in its server), blind to other load on the machine.
    cpu_ms: list[float]
    statements: int
    problems: list[str]


async def measure(client: httpx.AsyncClient, statements: list[str], url: str,
                  expected: Expected, reps: int, warmup: int) -> Result:
    for _ in range(warmup):
        (await client.get(url)).raise_for_status()
    wall: list[float] = []
    cpu: list[float] = []
    count = 0
    response = None
    for _ in range(reps):
        statements.clear()
        started, cpu_started = time.perf_counter(), time.process_time()
        response = await client.get(url)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        count = len(statements)
    assert response is not None
    response.raise_for_status()
    body = response.json()
    problems = check(url, body, expected)
    if url.endswith("/responsiveness") and "orgs" in body:
        unranked = [o for o in body["orgs"] if o["rank"] is None]
        if any(o["asked"] >= 5 for o in unranked) or not unranked:
            problems.append(f"{url}: the unranked lines are wrong: {unranked}")
    return Result(sorted(wall), sorted(cpu), count, problems)


async def run(url: str, label: str, args: argparse.Namespace) -> tuple[dict[str, Result], bool]:
    await upgrade(url)
    # Building: statements of a thousand rows each, on a machine that may be busy,
    # under a timeout of 10 minutes (the app the reports ask keeps its 2 s).
    timeout, database_module.STATEMENT_TIMEOUT = database_module.STATEMENT_TIMEOUT, 600.0
    try:
        db = Database(url)
    finally:
        database_module.STATEMENT_TIMEOUT = timeout
    started = time.perf_counter()
    try:
        data = await build(db, args.questions, args.orgs, args.spaces, args.seed,
                           args.span_days)
        async with db.read() as session:
            version = (await session.scalar(text(
                "SELECT version()" if label == "postgresql" else "SELECT sqlite_version()")))
    finally:
        await db.dispose()
    print(f"\n{label}: {str(version).split(',')[0]}")
    print(f"data: {data.questions:,} questions asked over {args.span_days} days in {data.orgs} "
          f"organizations, {data.spaces} spaces ({data.private_spaces} private); in the "
          f"reports' 90 days: {data.network.asked:,} in public spaces, {data.org.asked:,} in "
          f"the biggest organization's, {data.space.asked:,} in its biggest space; built in "
          f"{time.perf_counter() - started:.1f} s")
    reports = {
        "space": (f"/api/v1/spaces/{data.biggest_space}/responsiveness", data.space),
        "org": (f"/api/v1/orgs/{data.biggest_org}/responsiveness", data.org),
        "network": ("/api/v1/responsiveness", data.network),
    }
    results: dict[str, Result] = {}
    load_before = os.getloadavg()[0]
    async with serving(url) as (client, statements):
        for name, (path, expected) in reports.items():
            results[name] = await measure(client, statements, path, expected, args.reps,
                                          args.warmup)
    return results, report(results, args.reps, (load_before, os.getloadavg()[0]),
                           smoke=args.smoke)


def report(results: dict[str, Result], reps: int, load: tuple[float, float], *,
           smoke: bool) -> bool:
    print(f"{'report':<9}{'reads':>6}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'cpu p50':>9}"
          f"{'cpu p95':>9}{'statements':>12}")
    worst = 0.0
    for name, r in results.items():
        p95 = percentile(r.wall_ms, 95)
        worst = max(worst, p95)
        print(f"{name:<9}{reps:>6}{percentile(r.wall_ms, 50):>9.1f}{p95:>9.1f}"
              f"{r.wall_ms[-1]:>9.1f}{percentile(r.cpu_ms, 50):>9.1f}"
              f"{percentile(r.cpu_ms, 95):>9.1f}{r.statements:>12}")
    print("statements: those SQLAlchemy runs; on SQLite each percentile of a report is one "
          "more, a walk run on the driver (cps/storage/responsiveness.py): 4 for a space or "
          "an organization, 4 per organization and 4 more for the network")
    problems = [p for r in results.values() for p in r.problems]
    for problem in problems:
        print(f"WRONG: {problem}")
    cores = os.cpu_count() or 1
    print(f"load average (1 min) {load[0]:.2f} before, {load[1]:.2f} after, on {cores} cores"
          + ("; the machine was busy: wall times include waiting for a CPU"
             if max(load) > cores / 2 else ""))
    passed = worst < TARGET_MS and not problems
    verdict = "SMOKE (not judged)" if smoke else ("PASS" if passed else "FAIL")
    print(f"{verdict}: worst p95 {worst:.1f} ms against {TARGET_MS:.0f} ms; "
          + ("every figure as built" if not problems else f"{len(problems)} wrong figures"))
    return not problems if smoke else passed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--orgs", type=int, default=50)
    parser.add_argument("--spaces", type=int, default=200)
    parser.add_argument("--reps", type=int, default=50, help="timed reads per report")
    parser.add_argument("--warmup", type=int, default=5)
    database_options(parser)
    parser.add_argument("--span-days", type=int, default=90,
                        help="the questions are asked over the last N days (default 90, the "
                             "reports' default period: every report sees all of them)")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--smoke", action="store_true",
                        help="2,000 questions, 10 organizations, 5 reads: checks the "
                             "benchmark runs and the figures are right, judges no time")
    args = parser.parse_args(argv)
    if args.smoke:
        args.questions, args.orgs, args.spaces, args.reps, args.warmup = 2_000, 10, 30, 5, 1
    kinds = database_kinds(parser, args)
    if args.span_days < 90:
        parser.error("--span-days must be at least 90 (the reports' default period)")
    if args.orgs < 5 or args.spaces < args.orgs:
        parser.error("--orgs must be at least 5, and --spaces at least --orgs")

    print("responsiveness: GET /api/v1/{spaces/{id}/,orgs/{id}/,}responsiveness, "
          "in-process ASGI, the default period (90 days)")
    print(f"machine: {describe()}")
    return on_each_database(kinds, args.pg_admin, args.smoke,
                            lambda url, kind: bool(asyncio.run(run(url, kind, args))[1]))


if __name__ == "__main__":
    sys.exit(main())
