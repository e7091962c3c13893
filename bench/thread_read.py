"""Reading a big thread: GET /api/v1/topics/{id}/posts, 100 posts a page.

Builds, in a temporary SQLite database migrated by Alembic, one topic of
10,000 posts (replies to random earlier posts, up to 8 levels deep, some
with reactions) beside a few smaller topics, then asks the real app (its
lifespan, middleware, routes and services, in process over ASGI through
httpx) for the page at the start, in the middle and at the end of the
thread, many times each. Prints p50/p95/max per position, the SQL
statements each page took, the machine, and PASS or FAIL against the
target: p95 under 50 ms at every position, and the same number of
statements whatever the page.

    python -m bench.thread_read             # 10,000 posts, 300 reads per position
    python -m bench.thread_read --smoke     # 500 posts, 20 reads: does it still run?

Exit status: 0 on PASS, 1 on FAIL; with --smoke the time is not judged, and
it fails only if a page is wrong or its statement count depends on the page.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event, insert, select, update
from starlette.types import ASGIApp, Receive, Scope, Send

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.machine import describe
from cps.app import create_app
from cps.config import load_settings
from cps.services.discussion import markdown
from cps.services.discussion.posts import PATH_WIDTH
from cps.storage.database import Database
from cps.storage.migrations import upgrade
from cps.storage.models import Organization, Post, Reaction, Space, Topic, User

TARGET_MS = 50.0
PAGE = 100
MAX_DEPTH = 8
REACTIONS = ("like", "agree", "disagree", "insightful", "thanks")
STAKEHOLDERS = ("citizen", "business", "civil_society", "academia", "government")
WORDS = (
    "bus lane parking sensor budget open data flood warning street light market hall "
    "bike crossing school air quality waste collection solar roof water leak park "
    "bench shade pavement permit fee council resident panel startup pilot report"
).split()


def _segment(post_id: int) -> str:
    return str(post_id).zfill(PATH_WIDTH)


def _bodies(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """Markdown bodies of a few sentences, rendered once each."""
    bodies = []
    for _ in range(count):
        sentences = [
            " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 16))).capitalize() + "."
            for _ in range(rng.randint(1, 5))
        ]
        if rng.random() < 0.3:
            sentences.append(f"**Proposal:** {rng.choice(WORDS)} first, then {rng.choice(WORDS)}.")
        body = " ".join(sentences)
        bodies.append((body, markdown.render(body)))
    return bodies


def _thread_rows(
    rng: random.Random, topic_id: int, first_id: int, count: int, authors: Sequence[int],
    bodies: Sequence[tuple[str, str]], start: datetime,
) -> list[dict[str, Any]]:
    """`count` posts: an opening post, then replies to random earlier posts
    (often recent ones, so that deep chains form), never deeper than MAX_DEPTH."""
    rows: list[dict[str, Any]] = []
    for i in range(count):
        post_id = first_id + i
        if i == 0:
            parent = None
        elif rng.random() < 0.15:
            parent = rows[0]
        else:
            window = rows[-50:] if rng.random() < 0.7 else rows
            parent = rng.choice(window)
            while parent["depth"] >= MAX_DEPTH:
                parent = rows[0]
        body, html = rng.choice(bodies)
        rows.append({
            "id": post_id,
            "topic_id": topic_id,
            "author_id": rng.choice(authors),
            "parent_id": parent["id"] if parent else None,
            "depth": parent["depth"] + 1 if parent else 0,
            "path": (parent["path"] if parent else "") + _segment(post_id),
            "body": body,
            "html": html,
            "client_id": None,
            "created_at": start + timedelta(seconds=i),
            "edited_at": None,
            "deleted_at": None,
            "hidden": rng.random() < 0.01,
            "hidden_reason": None,
            "hidden_by": None,
        })
    return rows


async def build(db: Database, posts: int, other_topics: int, seed: int) -> dict[str, Any]:
    """The data set, written in one transaction with multi-row inserts."""
    rng = random.Random(seed)
    now = datetime.now(UTC) - timedelta(days=30)
    bodies = _bodies(rng, 200)
    async with db.write() as tx:
        s = tx.session
        users = [
            {"email": f"reader{i}@bench.example", "password_hash": "not a hash",
             "display_name": f"Reader {i}", "handle": f"reader{i}",
             "stakeholder_type": STAKEHOLDERS[i % 5],
             "is_platform_admin": False, "created_at": now}
            for i in range(60)
        ]
        await s.execute(insert(User), users)
        authors = list((await s.scalars(select(User.id))).all())
        org_id = await s.scalar(insert(Organization).values(
            name="Bench City", kind="local_government", country="Korea", tier="free",
            created_by=authors[0], created_at=now,
        ).returning(Organization.id))
        space_id = await s.scalar(insert(Space).values(
            org_id=org_id, name="Bench", description="", visibility="public",
            topic_policy="participants", created_at=now,
        ).returning(Space.id))
        sizes = [posts] + [max(10, posts // 10)] * other_topics
        next_id, big_topic, max_depth, reactions = 1, 0, 0, 0
        for n, size in enumerate(sizes):
            topic_id = await s.scalar(insert(Topic).values(
                space_id=space_id, author_id=authors[0], title=f"Topic {n}", pinned=False,
                locked=False, archived=False, post_count=size, created_at=now,
                last_activity_at=now,
            ).returning(Topic.id))
            assert topic_id is not None
            rows = _thread_rows(rng, topic_id, next_id, size, authors, bodies, now)
            next_id += size
            for chunk in range(0, len(rows), 2000):
                await s.execute(insert(Post), rows[chunk:chunk + 2000])
            reaction_rows = [
                {"post_id": row["id"], "user_id": user, "kind": rng.choice(REACTIONS),
                 "created_at": now}
                for row in rows if rng.random() < 0.3
                for user in rng.sample(authors, rng.randint(1, 4))
            ]
            for chunk in range(0, len(reaction_rows), 2000):
                await s.execute(insert(Reaction), reaction_rows[chunk:chunk + 2000])
            if n == 0:
                big_topic = topic_id
                max_depth = max(r["depth"] for r in rows)
                reactions = len(reaction_rows)
        await s.execute(update(Topic).where(Topic.id == big_topic).values(post_count=posts))
        paths = list((await s.scalars(
            select(Post.path).where(Post.topic_id == big_topic).order_by(Post.path)
        )).all())
    return {"topic_id": big_topic, "paths": paths, "max_depth": max_depth,
            "reactions": reactions, "other_posts": sum(sizes[1:])}


class _WithState:
    """Gives every request the lifespan state, as uvicorn does."""

    def __init__(self, app: ASGIApp, state: dict[str, Any]) -> None:
        self.app, self.state = app, state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app({**scope, "state": dict(self.state)}, receive, send)


@asynccontextmanager
async def serving(database_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, list[str]]]:
    """The app with its lifespan running, a client, and the SQL it runs."""
    settings = load_settings({
        "CPS_DATABASE_URL": database_url, "CPS_SECRET_KEY": "bench-secret-key-0123456789",
        "CPS_PASSWORD_PROFILE": "test",
    })
    app = create_app(settings)
    statements: list[str] = []
    async with app.router.lifespan_context(app) as state:
        assert state is not None
        engine = state["ctx"].db.engine.sync_engine

        def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", record)
        transport = httpx.ASGITransport(app=_WithState(app, dict(state)))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            yield client, statements


def percentile(ordered: Sequence[float], q: float) -> float:
    """Nearest rank, as bench/common.py computes it."""
    rank = max(0, min(len(ordered) - 1, int(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


@dataclass
class Result:
    wall_ms: list[float]  # sorted
    cpu_ms: list[float]  # sorted: this process's CPU time (all threads), blind to other load
    statements: list[str]


async def measure(
    client: httpx.AsyncClient, statements: list[str], url: str, expected: Sequence[str],
    reps: int, warmup: int,
) -> Result:
    """Timings of `reps` reads and the statements of one; checks the page's content."""
    for _ in range(warmup):
        await client.get(url)
    wall, cpu = [], []
    page_statements: list[str] = []
    for _ in range(reps):
        statements.clear()
        started, cpu_started = time.perf_counter(), time.process_time()
        response = await client.get(url)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        page_statements = list(statements)
    response.raise_for_status()
    got = [p["id"] for p in response.json()["posts"]]
    want = [int(path[-PATH_WIDTH:]) for path in expected]
    if got != want:
        raise SystemExit(f"wrong page for {url}: {got[:3]}... instead of {want[:3]}...")
    return Result(sorted(wall), sorted(cpu), page_statements)


async def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--reps", type=int, default=300, help="timed reads per position")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--other-topics", type=int, default=3,
                        help="smaller topics beside the big one (a tenth of its size each)")
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--sql", action="store_true", help="print the statements of a page")
    parser.add_argument("--smoke", action="store_true",
                        help="500 posts and 20 reads: checks the benchmark runs, judges nothing")
    args = parser.parse_args(argv)
    if args.smoke:
        args.posts, args.reps, args.warmup = 500, 20, 2
    if args.posts < 3 * PAGE:
        parser.error(f"--posts must be at least {3 * PAGE}")

    print("thread read: GET /api/v1/topics/{id}/posts?limit=100, in-process ASGI, SQLite")
    print(f"machine: {describe()}")
    with tempfile.TemporaryDirectory(prefix="cps-bench-") as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        await upgrade(url)
        db = Database(url)
        started = time.perf_counter()
        try:
            data = await build(db, args.posts, args.other_topics, args.seed)
        finally:
            await db.dispose()
        print(
            f"data: one topic of {args.posts:,} posts (deepest reply: depth {data['max_depth']}, "
            f"{data['reactions']:,} reactions), {args.other_topics} more topics with "
            f"{data['other_posts']:,} posts; built in {time.perf_counter() - started:.1f} s"
        )
        paths: list[str] = data["paths"]
        middle = len(paths) // 2
        positions = {
            "start": ("", paths[:PAGE]),
            "middle": (paths[middle - 1], paths[middle:middle + PAGE]),
            "end": (paths[-PAGE - 1], paths[-PAGE:]),
        }
        base = f"/api/v1/topics/{data['topic_id']}/posts?limit={PAGE}"
        results: dict[str, Result] = {}
        load_before = os.getloadavg()[0]
        async with serving(url) as (client, statements):
            for name, (cursor, expected) in positions.items():
                full = f"{base}&cursor={cursor}" if cursor else base
                results[name] = await measure(
                    client, statements, full, expected, args.reps, args.warmup
                )
    load = (load_before, os.getloadavg()[0])
    return report(results, args.reps, load, smoke=args.smoke, show_sql=args.sql)


def report(
    results: dict[str, Result], reps: int, load: tuple[float, float], *, smoke: bool,
    show_sql: bool,
) -> int:
    print(f"{'page':<8}{'reads':>6}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}"
          f"{'cpu p50':>9}{'cpu p95':>9}{'statements':>12}")
    worst = 0.0
    for name, r in results.items():
        p95 = percentile(r.wall_ms, 95)
        worst = max(worst, p95)
        print(f"{name:<8}{reps:>6}{percentile(r.wall_ms, 50):>8.2f}{p95:>8.2f}{r.wall_ms[-1]:>8.2f}"
              f"{percentile(r.cpu_ms, 50):>9.2f}{percentile(r.cpu_ms, 95):>9.2f}"
              f"{len(r.statements):>12}")
    if show_sql:
        for statement in next(iter(results.values())).statements:
            print("  sql: " + " ".join(statement.split()))
    cores = os.cpu_count() or 1
    print(f"load average (1 min) {load[0]:.2f} before, {load[1]:.2f} after, on {cores} cores"
          + ("; the machine was busy: wall times include waiting for a CPU"
             if max(load) > cores / 2 else ""))
    counts = {len(r.statements) for r in results.values()}
    same = len(counts) == 1
    passed = worst < TARGET_MS and same
    verdict = "PASS" if passed else "FAIL"
    print(
        f"{'SMOKE (not judged)' if smoke else verdict}: worst p95 {worst:.2f} ms against "
        f"{TARGET_MS:.0f} ms; statements per page "
        + (f"{counts.pop()} at every position" if same else f"differ: {sorted(counts)}")
    )
    return 0 if smoke and same else (0 if passed else 1)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
