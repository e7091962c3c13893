"""The background recompute on both databases: debounced (at most one a second per
round), guarded by a lease (two processes never compute one round at once), announced
with `consensus.updated`, and a map that says only what a reader may see."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from cps.app import create_app
from cps.config import Settings
from cps.services.consensus import recompute
from cps.services.context import Context
from cps.storage.consensus import ConsensusRound, vote_rows
from cps.storage.types import utcnow
from tests.consensus.conftest import events_on, open_round
from tests.support import asgi
from tests.support.api import Api, User

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("settled")]

SEEDS = tuple(f"Statement {n}" for n in range(8))


async def _updates(ctx: Context, topic_id: int) -> list[dict[str, Any]]:
    return [e["data"] for e in await events_on(ctx, f"topic:{topic_id}")
            if e["name"] == "consensus.updated" and e["data"]["computed_at"] is not None]


async def _computed_at(ctx: Context, rid: int) -> datetime | None:
    async with ctx.db.read() as session:
        found = await session.get(ConsensusRound, rid)
        assert found is not None
        return found.computed_at


async def _voters(api: Api, n: int) -> list[User]:
    return [await api.user(f"Voter {i}") for i in range(n)]


async def test_a_burst_of_votes_is_computed_at_most_once_a_second(
        api: Api, world: dict[str, Any], ctx: Context) -> None:
    t = world["topic"]["id"]
    opened = await open_round(api, world["mod"], t, SEEDS)
    rid = opened["id"]
    voters = await _voters(api, 4)
    started = asyncio.get_running_loop().time()
    for i, voter in enumerate(voters):
        for j, statement in enumerate(opened["statements"]):
            await api.ok("PUT", f"/consensus/{rid}/statements/{statement['id']}/vote", voter,
                         {"vote": ("agree", "disagree", "pass")[(i + j) % 3]})
    await recompute.settle(ctx)
    elapsed = asyncio.get_running_loop().time() - started
    updates = await _updates(ctx, t)
    assert 1 <= len(updates) <= int(elapsed) + 2, (len(updates), elapsed)
    assert len({u["computed_at"] for u in updates}) == len(updates)
    seen = (await api.ok("GET", f"/consensus/{rid}", voters[0]))["round"]
    # The last recompute saw every vote: four people placed (fewer than 15 voted).
    assert seen["computed_at"] == updates[-1]["computed_at"]
    assert len(seen["points"]) == 4 and seen["me"] is not None
    assert seen["participants"] == 4


async def test_a_round_leased_by_another_process_is_left_to_it(
        api: Api, world: dict[str, Any], ctx: Context) -> None:
    opened = await open_round(api, world["mod"], world["topic"]["id"])
    rid = opened["id"]
    await api.ok("GET", f"/consensus/{rid}")  # a first read asks for the first map
    await recompute.settle(ctx)
    first = await _computed_at(ctx, rid)
    assert first is not None
    async with ctx.db.write() as tx:
        await tx.session.execute(update(ConsensusRound).where(ConsensusRound.id == rid).values(
            lease_until=utcnow() + timedelta(seconds=30), version=ConsensusRound.version + 1))
    wait = await recompute.recompute(ctx, rid)
    assert wait is not None and 0 < wait <= 1
    assert await _computed_at(ctx, rid) == first  # (a read here would poke a recompute)
    # A lease that ran out (its process stopped) is taken over.
    async with ctx.db.write() as tx:
        await tx.session.execute(update(ConsensusRound).where(ConsensusRound.id == rid).values(
            lease_until=utcnow() - timedelta(seconds=1)))
    await asyncio.sleep(1.0)  # past the debounce of the first recompute
    assert await recompute.recompute(ctx, rid) is None
    assert await _computed_at(ctx, rid) != first


async def test_two_processes_poked_together_compute_once(
        api: Api, world: dict[str, Any], ctx: Context, settings: Settings) -> None:
    t = world["topic"]["id"]
    opened = await open_round(api, world["mod"], t, SEEDS)
    rid = opened["id"]
    await recompute.settle(ctx)
    await asyncio.sleep(1.0)
    await api.ok("PUT", f"/consensus/{rid}/statements/{opened['statements'][0]['id']}/vote",
                 world["citizen"], {"vote": "agree"})
    await recompute.settle(ctx)
    before = len(await _updates(ctx, t))
    await asyncio.sleep(1.0)
    # Make the map stale without poking, then poke it in two processes at once.
    async with ctx.db.write() as tx:
        await tx.session.execute(update(ConsensusRound).where(ConsensusRound.id == rid)
                                 .values(version=ConsensusRound.version + 1))
    async with asgi.running(create_app(settings)) as state:
        other: Context = state["ctx"]
        recompute.poke(ctx, rid)
        recompute.poke(other, rid)
        await asyncio.gather(recompute.settle(ctx), recompute.settle(other))
    assert len(await _updates(ctx, t)) == before + 1


async def test_the_map_says_nothing_of_who_voted_what(
        api: Api, world: dict[str, Any], ctx: Context) -> None:
    opened = await open_round(api, world["mod"], world["topic"]["id"], SEEDS)
    rid = opened["id"]
    voters = await _voters(api, 5)
    for i, voter in enumerate(voters):
        for statement in opened["statements"]:
            await api.ok("PUT", f"/consensus/{rid}/statements/{statement['id']}/vote", voter,
                         {"vote": "agree" if i % 2 else "disagree"})
    await recompute.settle(ctx)
    for reader in (None, world["mod"], world["admin"], world["platform_admin"]):
        seen = (await api.ok("GET", f"/consensus/{rid}", reader))["round"]
        assert seen["me"] is None
        assert all(set(p) == {"x", "y", "group"} for p in seen["points"])
        assert all(s["my_vote"] is None for s in seen["statements"])
        text = str(seen)
        assert not any(f"'{v.id}'" in text or v.display_name in text for v in voters)
    # Each voter sees their own point among the others.
    for voter in voters[:2]:
        seen = (await api.ok("GET", f"/consensus/{rid}", voter))["round"]
        assert seen["me"] in seen["points"]
    # The points come sorted by group and place, never in the order people voted.
    points = seen["points"]
    assert points == sorted(points, key=lambda p: (p["group"], p["x"], p["y"]))


async def test_the_votes_are_read_back_as_they_were_cast(
        api: Api, world: dict[str, Any], ctx: Context) -> None:
    """The recompute's bulk read (a binary COPY on PostgreSQL, the DBAPI cursor on
    SQLite) gives back every vote of the round's statements, signs included."""
    opened = await open_round(api, world["mod"], world["topic"]["id"], SEEDS[:3])
    rid = opened["id"]
    ids = [s["id"] for s in opened["statements"]]
    cast = {(world["citizen"].id, ids[0], 1), (world["citizen"].id, ids[1], -1),
            (world["other"].id, ids[1], 0), (world["other"].id, ids[2], -1)}
    words = {1: "agree", -1: "disagree", 0: "pass"}
    for user, sid, vote in cast:
        voter = world["citizen"] if user == world["citizen"].id else world["other"]
        await api.ok("PUT", f"/consensus/{rid}/statements/{sid}/vote", voter,
                     {"vote": words[vote]})
    async with ctx.db.read() as session:
        rows = await vote_rows(session, rid, ids)
        only_two = await vote_rows(session, rid, ids[:2])
        none = await vote_rows(session, rid, [])
    assert {tuple(int(x) for x in r) for r in rows} == cast
    assert rows.shape == (4, 3) and none.shape[1] == 3
    # On PostgreSQL the read keeps to the statements asked for; SQLite reads the round.
    assert {tuple(int(x) for x in r) for r in only_two} >= {c for c in cast if c[1] != ids[2]}


async def test_a_recompute_that_fails_is_tried_again(
        api: Api, world: dict[str, Any], ctx: Context, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """A busy database (a statement timeout) must not leave the map stale until the
    next vote: the task tries again a moment later."""
    opened = await open_round(api, world["mod"], world["topic"]["id"])
    rid = opened["id"]
    await api.ok("GET", f"/consensus/{rid}")
    await recompute.settle(ctx)
    before = await _computed_at(ctx, rid)
    real = recompute.recompute
    failed: list[int] = []

    async def busy_once(ctx_: Context, round_id: int) -> float | None:
        if not failed:
            failed.append(round_id)
            raise TimeoutError("the database is busy")
        return await real(ctx_, round_id)

    monkeypatch.setattr(recompute, "RETRY_AFTER", 0.05)
    monkeypatch.setattr(recompute, "recompute", busy_once)
    await asyncio.sleep(1.0)  # past the debounce
    await api.ok("PUT", f"/consensus/{rid}/statements/{opened['statements'][0]['id']}/vote",
                 world["citizen"], {"vote": "agree"})
    await recompute.settle(ctx)
    assert failed == [rid]
    assert "consensus recompute failed" in caplog.text
    assert await _computed_at(ctx, rid) != before
    seen = (await api.ok("GET", f"/consensus/{rid}", world["citizen"]))["round"]
    assert seen["statements"][0]["agree"] == 1


async def test_a_stopping_app_gives_its_lease_back(
        api: Api, world: dict[str, Any], ctx: Context, settings: Settings,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A process that stops mid-recompute gives the round's lease back, so another
    process recomputes at once instead of a minute later."""
    opened = await open_round(api, world["mod"], world["topic"]["id"], SEEDS)
    rid = opened["id"]
    await recompute.settle(ctx)
    real = recompute._compute

    def slow(*args: Any) -> Any:
        time.sleep(0.5)
        return real(*args)

    monkeypatch.setattr(recompute, "_compute", slow)
    async with ctx.db.write() as tx:
        await tx.session.execute(update(ConsensusRound).where(ConsensusRound.id == rid)
                                 .values(version=ConsensusRound.version + 1))
    await asyncio.sleep(1.0)  # past the debounce
    async with asgi.running(create_app(settings)) as state:
        other: Context = state["ctx"]
        recompute.poke(other, rid)
        for _ in range(100):  # until the other process holds the lease
            if await _lease(ctx, rid) is not None:
                break
            await asyncio.sleep(0.02)
        assert await _lease(ctx, rid) is not None
    assert await _lease(ctx, rid) is None
    monkeypatch.setattr(recompute, "_compute", real)
    assert await recompute.recompute(ctx, rid) is None  # at once, not after the lease


async def _lease(ctx: Context, rid: int) -> datetime | None:
    async with ctx.db.read() as session:
        found = await session.get(ConsensusRound, rid)
        assert found is not None
        return found.lease_until
