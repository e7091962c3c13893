"""Recomputing a round's map in the background (docs/consensus.md, "Recompute").

A vote, an accepted statement or a read that finds the map stale calls `poke`. It
starts one task per round in this process (a poke while it runs asks it to go
again); the request that poked does not wait. The task:

1. takes the round's lease in a short write transaction: not when the map is up to
   date (`version == computed_version`: `count_change` counts every vote and accepted
   statement), not within DEBOUNCE of the last recompute
   (it sleeps the rest and tries again), not while another process holds the lease
   (`lease_until` in the future: it tries again later). So at most one recompute per
   round a second, and never two at once in any number of processes;
2. reads the votes on the accepted statements and the stable state as of that
   moment (`computed_at` is that moment), computes the map in a worker thread
   (`analysis.compute`), and stores it with the new state, giving the lease back and
   recording `consensus.updated {round_id, computed_at}` on the topic's channel;
3. goes again when something changed meanwhile.

A process that stops mid-way leaves a lease that runs out after LEASE; the next
poke (a vote, or any read of the round) recomputes then.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from datetime import datetime, timedelta
from typing import Final

import anyio.to_thread
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cps.services.consensus import analysis
from cps.services.context import Context
from cps.services.events import channels, journal
from cps.storage import portable
from cps.storage.consensus import ConsensusRound, ConsensusStatement, vote_rows
from cps.storage.database import Database
from cps.storage.types import utcnow

log = logging.getLogger("cps.consensus")

DEBOUNCE: Final = timedelta(seconds=1)
LEASE: Final = timedelta(seconds=60)
EVENT: Final = "consensus.updated"
RETRIES: Final = 3  # attempts in a row that fail before the task gives up (a later poke
RETRY_AFTER: Final = 1.0  # starts again); seconds before the next, times the failures

# This process's recompute tasks, per database (one app, one database) and round.
_tasks: weakref.WeakKeyDictionary[Database, dict[int, asyncio.Task[None]]] = (
    weakref.WeakKeyDictionary())
_again: weakref.WeakKeyDictionary[Database, set[int]] = weakref.WeakKeyDictionary()


def stamp(moment: datetime) -> str:
    """A time as the API writes it (ISO 8601, UTC, "Z")."""
    return moment.isoformat().replace("+00:00", "Z")


def is_stale(found: ConsensusRound) -> bool:
    return found.computed_version is None or found.version > found.computed_version


async def count_change(session: AsyncSession, round_id: int, now: datetime) -> bool:
    """Count a change to an open round's votes (one UPDATE, which holds the round's row
    only until the commit: the recompute's lease waits for it, so a snapshot never
    misses a change counted before it). False when the round was closed meanwhile."""
    counted = await session.execute(
        update(ConsensusRound)
        .where(ConsensusRound.id == round_id, ConsensusRound.closed_at.is_(None))
        .values(version=ConsensusRound.version + 1, changed_at=now)
        .execution_options(synchronize_session=False))
    return bool(getattr(counted, "rowcount", 0))


def poke(ctx: Context, round_id: int) -> None:
    """Have the round's map recomputed soon, in this process, without waiting."""
    tasks = _tasks.setdefault(ctx.db, {})
    running = tasks.get(round_id)
    if running is not None and not running.done():
        _again.setdefault(ctx.db, set()).add(round_id)
        return
    tasks[round_id] = asyncio.get_running_loop().create_task(
        _run(ctx, round_id), name=f"consensus-recompute-{round_id}")


async def stop(ctx: Context) -> None:
    """Cancel this process's recomputes (the app is stopping): a lease taken is given
    back, so another process recomputes at once instead of after LEASE."""
    pending = [t for t in _tasks.get(ctx.db, {}).values() if not t.done()]
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


async def settle(ctx: Context) -> None:
    """Wait until no recompute of this process is pending (tests; a clean stop)."""
    while pending := [t for t in _tasks.get(ctx.db, {}).values() if not t.done()]:
        await asyncio.gather(*pending, return_exceptions=True)


async def _run(ctx: Context, round_id: int) -> None:
    again = _again.setdefault(ctx.db, set())
    failures = 0
    try:
        while True:
            again.discard(round_id)
            try:
                wait = await recompute(ctx, round_id)
            except Exception:
                # A busy database (a timeout) must not leave the map stale until the
                # next vote: try again a little later, a few times.
                failures += 1
                log.exception("consensus recompute failed",
                              extra={"round_id": round_id, "attempt": failures})
                if failures >= RETRIES:
                    return
                wait = RETRY_AFTER * failures
            else:
                failures = 0
            if wait is None and round_id not in again:
                return
            await asyncio.sleep(wait or 0)
    finally:
        tasks = _tasks.get(ctx.db, {})
        if tasks.get(round_id) is asyncio.current_task():
            del tasks[round_id]


Snapshot = tuple[datetime, int]


async def _take_lease(ctx: Context, round_id: int) -> tuple[Snapshot | None, float | None]:
    """((the snapshot time, the version), None) when this process may compute now;
    (None, seconds to wait) when it must wait; (None, None) when there is nothing to do."""
    async with ctx.db.write() as tx:
        stmt = select(ConsensusRound).where(ConsensusRound.id == round_id)
        found = await tx.session.scalar(portable.for_update(tx.session, stmt))
        if found is None or not is_stale(found):
            return None, None
        now = utcnow()
        if found.lease_until is not None and found.lease_until > now:
            return None, min((found.lease_until - now).total_seconds(), 1.0)
        if found.computed_at is not None and now - found.computed_at < DEBOUNCE:
            return None, (found.computed_at + DEBOUNCE - now).total_seconds()
        found.lease_until = now + LEASE
        return (now, found.version), None


async def recompute(ctx: Context, round_id: int) -> float | None:
    """One attempt: None when the map is up to date (computed now, or already), or the
    seconds to wait before trying again."""
    taken, wait = await _take_lease(ctx, round_id)
    if taken is None:
        return wait
    snapshot, version = taken
    try:
        async with ctx.db.read() as session:
            found = await session.get(ConsensusRound, round_id)
            assert found is not None
            state = analysis.State.from_json(found.state)
            statements = list((await session.scalars(
                select(ConsensusStatement.id)
                .where(ConsensusStatement.round_id == round_id,
                       ConsensusStatement.status == "accepted")
                .order_by(ConsensusStatement.id))).all())
            votes = await vote_rows(session, round_id, statements)
        opinion_map = await anyio.to_thread.run_sync(_compute, votes, statements, state)
    except BaseException:
        await _give_back(ctx, round_id)
        raise
    async with ctx.db.write() as tx:
        stmt = select(ConsensusRound).where(ConsensusRound.id == round_id)
        found = await tx.session.scalar(portable.for_update(tx.session, stmt))
        if found is None:
            return None
        found.result = opinion_map.result_json()
        found.state = opinion_map.state.to_json()
        found.computed_at = snapshot
        found.computed_version = version
        found.lease_until = None
        await journal.record(tx, ctx.events, channels.topic(found.topic_id), EVENT,
                             {"round_id": round_id, "computed_at": stamp(snapshot)})
        changed = found.version > version
    log.info("consensus recomputed", extra={"round_id": round_id, "votes": len(votes),
                                            "statements": len(statements)})
    return 0.0 if changed else None


def _compute(votes: analysis.Ints, statements: list[int],
             state: analysis.State) -> analysis.OpinionMap:
    """In a worker thread: the matrix, then the map."""
    return analysis.compute(analysis.Matrix.of(votes, statements), state)


async def _give_back(ctx: Context, round_id: int) -> None:
    async with ctx.db.write() as tx:
        found = await tx.session.get(ConsensusRound, round_id)
        if found is not None:
            found.lease_until = None
