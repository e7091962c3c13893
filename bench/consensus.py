"""The consensus map's recompute: 1,000 participants x 100 statements and 10,000 x 300.

Builds, in a fresh database migrated by Alembic (a temporary SQLite file, and a
`cps_bench_<random>` database created on the PostgreSQL at --pg-admin and dropped
afterwards), one round per size with three planted opinion groups and two planted
consensus statements: each participant votes on a share of the statements
(--density, default 0.6), their group's stance flipped with probability 0.1.

Then it runs the real recompute (`cps.services.consensus.recompute.recompute`: the
lease, reading the votes, the math in a worker thread, storing the map and its
event) inside the app's lifespan, --reps times per size, and prints p50/max of the
whole recompute and of the math alone, the machine and the database, checks the
map (the planted groups recovered, adjusted Rand index >= 0.9; the planted consensus
statements first) and PASS or FAIL against the targets: under 1 s for 1,000 x 100,
under 10 s for 10,000 x 300, for the median of --reps recomputes.

    python -m bench.consensus                        # both sizes, both databases
    python -m bench.consensus --databases sqlite     # SQLite only
    python -m bench.consensus --smoke                # 300 x 30, 2 runs: does it run?

Exit status: 0 on PASS, 1 on FAIL (too slow, or a wrong map), 2 when a database
could not be set up; with --smoke the time is not judged.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text, update

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fanout import database_kinds, database_options, on_each_database
from bench.machine import describe
from cps.app import create_app
from cps.config import load_settings
from cps.services.consensus import analysis, recompute
from cps.services.context import Context
from cps.storage.consensus import ConsensusRound, ConsensusStatement, ConsensusVote, vote_rows
from cps.storage.database import Database
from cps.storage.migrations import upgrade
from cps.storage.models import Organization, Space, Topic, User

SIZES = {"1,000 x 100": (1_000, 100, 1.0), "10,000 x 300": (10_000, 300, 10.0)}
GROUPS = 3
CONSENSUS = 2
NOISE = 0.1
CHUNK = 5_000  # rows per statement: each must finish within the 2 s statement timeout


@dataclass
class Built:
    round_id: int
    truth: dict[int, int]  # user id -> planted group
    votes: int


def _stances(rng: random.Random, statements: int) -> list[list[int]]:
    """Each group's stance per statement: the first CONSENSUS agreed by all, every
    other one splitting the groups."""
    stances = [[1] * statements for _ in range(GROUPS)]
    for j in range(CONSENSUS, statements):
        column = [rng.choice((-1, 1)) for _ in range(GROUPS)]
        while len(set(column)) < 2:
            column = [rng.choice((-1, 1)) for _ in range(GROUPS)]
        for g in range(GROUPS):
            stances[g][j] = column[g]
    return stances


async def build(db: Database, participants: int, statements: int, density: float,
                seed: int, first_user: int, round_id: int) -> Built:
    rng = random.Random(seed)
    now = datetime.now(UTC) - timedelta(minutes=5)
    stances = _stances(rng, statements)
    truth: dict[int, int] = {}
    votes = 0
    async with db.write() as tx:
        s = tx.session
        if round_id == 1:
            await s.execute(insert(User), [{
                "id": 1, "email": "mod@bench.example", "password_hash": "not a hash",
                "display_name": "Moderator", "handle": "moderator", "created_at": now}])
            await s.execute(insert(Organization), [{
                "id": 1, "name": "Bench City", "kind": "local_government", "country": "Korea",
                "tier": "premium", "created_by": 1, "created_at": now}])
            await s.execute(insert(Space), [{
                "id": 1, "org_id": 1, "name": "Square", "description": "",
                "visibility": "public", "topic_policy": "participants", "created_at": now}])
        await s.execute(insert(Topic), [{"id": round_id, "space_id": 1, "author_id": 1,
                                         "title": f"Round {round_id}", "created_at": now}])
        await s.execute(insert(ConsensusRound), [{
            "id": round_id, "topic_id": round_id, "prompt": "How?", "open_submissions": False,
            "created_by": 1, "created_at": now, "changed_at": now}])
        first_statement = (round_id - 1) * 1_000 + 1
        await s.execute(insert(ConsensusStatement), [{
            "id": first_statement + j, "round_id": round_id, "text": f"Statement {j}",
            "status": "accepted", "author_id": 1, "created_at": now}
            for j in range(statements)])
        users = [{"id": first_user + i, "email": f"p{first_user + i}@bench.example",
                  "password_hash": "not a hash", "display_name": f"P {first_user + i}",
                  "handle": f"p{first_user + i}", "created_at": now}
                 for i in range(participants)]
        for chunk in range(0, len(users), CHUNK):
            await s.execute(insert(User), users[chunk:chunk + CHUNK])
        rows: list[dict[str, Any]] = []
        for i in range(participants):
            user = first_user + i
            group = i % GROUPS
            truth[user] = group
            for j in range(statements):
                if rng.random() >= density:
                    continue
                vote = stances[group][j] * (-1 if rng.random() < NOISE else 1)
                rows.append({"statement_id": first_statement + j, "user_id": user,
                             "round_id": round_id, "vote": vote, "updated_at": now})
            if len(rows) >= CHUNK:
                await s.execute(insert(ConsensusVote), rows)
                votes += len(rows)
                rows = []
        if rows:
            await s.execute(insert(ConsensusVote), rows)
            votes += len(rows)
        if s.get_bind().dialect.name == "postgresql":
            for table in ("users", "organizations", "spaces", "topics", "consensus_rounds",
                          "consensus_statements"):
                await s.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"))
    async with db.write() as tx:
        await tx.session.execute(text("ANALYZE"))
    return Built(round_id=round_id, truth=truth, votes=votes)


def check(found: dict[str, Any], truth: dict[int, int]) -> tuple[float, bool]:
    """The adjusted Rand index of the stored map against the planted groups, and
    whether the planted consensus statements rank first."""
    from sklearn.metrics import adjusted_rand_score

    positions = {int(u): int(p[2]) for u, p in found["positions"].items()}
    placed = sorted(positions)
    ari = float(adjusted_rand_score([truth[u] for u in placed],
                                    [positions[u] for u in placed]))
    top = [c["statement_id"] for c in found["consensus"][:CONSENSUS]]
    firsts = set(range(1, 1 + CONSENSUS)) | {1_000 + s for s in range(1, 1 + CONSENSUS)}
    return ari, len(top) == CONSENSUS and all(s in firsts for s in top)


async def _stale(ctx: Context, round_id: int) -> None:
    """Make the round's map stale and out of the debounce, as a vote a while ago would."""
    async with ctx.db.write() as tx:
        await tx.session.execute(update(ConsensusRound).where(ConsensusRound.id == round_id)
                                 .values(changed_at=datetime.now(UTC),
                                         computed_at=datetime.now(UTC) - timedelta(seconds=5),
                                         lease_until=None))


async def run(url: str, label: str, args: argparse.Namespace,
              sizes: dict[str, tuple[int, int, float]]) -> bool:
    await upgrade(url)
    db = Database(url)
    built: dict[str, Built] = {}
    try:
        first_user = 2
        for n, (name, (participants, statements, _)) in enumerate(sizes.items(), start=1):
            started = time.perf_counter()
            built[name] = await build(db, participants, statements, args.density,
                                      args.seed + n, first_user, n)
            first_user += participants
            print(f"{label}: {name}: {built[name].votes:,} votes built in "
                  f"{time.perf_counter() - started:.1f} s")
        async with db.read() as session:
            version = await session.scalar(text(
                "SELECT version()" if label == "postgresql" else "SELECT sqlite_version()"))
    finally:
        await db.dispose()
    print(f"{label}: {str(version).split(',')[0]}")
    settings = load_settings({"CPS_DATABASE_URL": url,
                              "CPS_SECRET_KEY": "bench-secret-key-0123456789",
                              "CPS_PASSWORD_PROFILE": "test"})
    app = create_app(settings)
    passed = True
    async with app.router.lifespan_context(app) as state:
        assert state is not None
        ctx: Context = state["ctx"]
        for name, (_, statements, target) in sizes.items():
            b = built[name]
            walls: list[float] = []
            maths: list[float] = []
            reads: list[float] = []
            stored = ""
            for _ in range(args.reps):
                await _stale(ctx, b.round_id)
                started = time.perf_counter()
                assert await recompute.recompute(ctx, b.round_id) is None
                walls.append(time.perf_counter() - started)
                async with ctx.db.read() as session:
                    found = await session.get(ConsensusRound, b.round_id)
                    assert found is not None and found.result is not None
                    stored = found.result
                    ids = [int(i) for i in (await session.scalars(text(
                        "SELECT id FROM consensus_statements WHERE round_id = :r ORDER BY id"
                    ), {"r": b.round_id})).all()]
                    started = time.perf_counter()
                    votes = await vote_rows(session, b.round_id, ids)
                    reads.append(time.perf_counter() - started)
                started = time.perf_counter()
                analysis.compute(analysis.Matrix.of(votes, ids), analysis.State())
                maths.append(time.perf_counter() - started)
            ari, consensus_first = check(json.loads(stored), b.truth)
            walls.sort()
            maths.sort()
            reads.sort()
            p50 = walls[len(walls) // 2]
            fast = args.smoke or p50 < target  # the median of --reps runs
            right = ari >= 0.9 and consensus_first
            passed = passed and fast and right
            print(f"{label}: {name} ({statements} statements, {len(b.truth):,} people, "
                  f"{b.votes:,} votes): recompute p50 {p50 * 1000:.0f} ms, max "
                  f"{walls[-1] * 1000:.0f} ms (of which reading the votes p50 "
                  f"{reads[len(reads) // 2] * 1000:.0f} ms, the matrix and math p50 "
                  f"{maths[len(maths) // 2] * 1000:.0f} ms); ARI {ari:.3f}, consensus first: "
                  f"{consensus_first}; target {target:.0f} s: "
                  f"{'PASS' if fast and right else 'FAIL'}")
    return passed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--reps", type=int, default=3, help="timed recomputes per size")
    parser.add_argument("--density", type=float, default=0.6,
                        help="the share of statements each participant votes on")
    database_options(parser)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--smoke", action="store_true",
                        help="300 x 30, 2 recomputes: checks the benchmark runs and the map "
                             "is right, judges no time")
    args = parser.parse_args(argv)
    sizes = dict(SIZES)
    if args.smoke:
        sizes, args.reps = {"300 x 30": (300, 30, 1.0)}, 2
    kinds = database_kinds(parser, args)
    print("consensus: the recompute of a round's map (lease, read, math, store, event), "
          "in process")
    print(f"machine: {describe()}")
    return on_each_database(kinds, args.pg_admin, args.smoke,
                            lambda url, kind: asyncio.run(run(url, kind, args, sizes)))


if __name__ == "__main__":
    sys.exit(main())
