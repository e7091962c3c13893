"""Consensus rounds: open, read (with the map as last computed), list, close.

The map in a round's view is the last recompute's (`computed_at`); a read that finds
it stale asks for a recompute (`recompute.poke`) and answers what there is. `points`
carry no identity (sorted by group and position, never by person); `me` is the
reader's own point, for them only. Statements pending or rejected are shown to the
space's moderators and their author, accepted ones to every reader.

Events on `topic:{id}`: `consensus.updated {round_id, computed_at}` when a round
opens, closes, or its map is recomputed; readers fetch the round again.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cps.services.consensus import recompute, rules
from cps.services.consensus.views import (
    ConsensusView,
    GroupView,
    PointView,
    RepresentativeView,
    RoundSummary,
    RoundView,
    StatementView,
)
from cps.services.context import Actor, Context
from cps.services.errors import Conflict, Invalid
from cps.services.events import channels, journal
from cps.services.orgs.access import SpaceAccess, topic_access
from cps.services.tiers import plans
from cps.storage.consensus import ConsensusRound, ConsensusStatement, ConsensusVote
from cps.storage.database import Transaction
from cps.storage.models import Topic
from cps.storage.types import utcnow

log = logging.getLogger("cps.consensus")


# --- reading ----------------------------------------------------------------------


def _summary(found: ConsensusRound) -> RoundSummary:
    return RoundSummary(id=found.id, topic_id=found.topic_id, prompt=found.prompt,
                        status="closed" if found.closed_at else "open",
                        created_at=found.created_at, closed_at=found.closed_at)


async def round_view(session: AsyncSession, found: ConsensusRound, topic: Topic,
                     access: SpaceAccess, actor: Actor | None) -> RoundView:
    """The round as `actor` may see it: four statements (statements, counts, the
    reader's votes, the number of participants)."""
    statements = [s for s in (await session.scalars(
        select(ConsensusStatement).where(ConsensusStatement.round_id == found.id)
        .order_by(ConsensusStatement.id))).all() if rules.visible_to(s, actor, access)]
    counts: dict[tuple[int, int], int] = {
        (sid, vote): int(n) for sid, vote, n in (await session.execute(
            select(ConsensusVote.statement_id, ConsensusVote.vote, func.count())
            .where(ConsensusVote.round_id == found.id)
            .group_by(ConsensusVote.statement_id, ConsensusVote.vote))).all()}
    mine: dict[int, int] = {}
    if actor is not None:
        mine = dict((await session.execute(
            select(ConsensusVote.statement_id, ConsensusVote.vote)
            .where(ConsensusVote.round_id == found.id, ConsensusVote.user_id == actor.id)
        )).all())
    participants = int(await session.scalar(
        select(func.count(func.distinct(ConsensusVote.user_id)))
        .where(ConsensusVote.round_id == found.id)) or 0)
    result: dict[str, Any] = json.loads(found.result) if found.result else {}
    positions: dict[str, list[float]] = result.get("positions", {})
    points = sorted((PointView(x=p[0], y=p[1], group=int(p[2])) for p in positions.values()),
                    key=lambda p: (p.group, p.x, p.y))
    own = positions.get(str(actor.id)) if actor is not None else None
    reason = rules.read_only_reason(found, topic, access)
    accepted = [s for s in statements if s.status == "accepted"]
    return RoundView(
        id=found.id, topic_id=found.topic_id, prompt=found.prompt,
        status="closed" if found.closed_at else "open",
        open_submissions=found.open_submissions,
        created_at=found.created_at, closed_at=found.closed_at,
        statements=[
            StatementView(
                id=s.id, text=s.text, status=s.status,
                agree=counts.get((s.id, 1), 0), disagree=counts.get((s.id, -1), 0),
                pass_=counts.get((s.id, 0), 0),
                my_vote=rules.CHOICES[mine[s.id]] if s.id in mine else None)
            for s in statements],
        participants=participants,
        groups=[GroupView(id=g["id"], size=g["size"],
                          representative=[RepresentativeView(**r) for r in g["representative"]])
                for g in result.get("groups", [])],
        consensus=[ConsensusView(**c) for c in result.get("consensus", [])],
        me=PointView(x=own[0], y=own[1], group=int(own[2])) if own is not None else None,
        points=points,
        computed_at=found.computed_at,
        accepting_votes=reason is None,
        read_only_reason=reason,
        can_moderate=access.can_moderate,
        my_votes=sum(1 for s in accepted if s.id in mine),
        remaining=sum(1 for s in accepted if s.id not in mine),
    )


async def get_round(ctx: Context, actor: Actor | None, round_id: int) -> RoundView:
    async with ctx.db.read() as session:
        found, topic, access = await rules.round_access(session, actor, round_id)
        view = await round_view(session, found, topic, access, actor)
        stale = recompute.is_stale(found)
    if stale:
        recompute.poke(ctx, round_id)
    return view


async def list_rounds(ctx: Context, actor: Actor | None, topic_id: int) -> list[RoundSummary]:
    """The topic's rounds, newest first (every reader of the topic, on every tier)."""
    async with ctx.db.read() as session:
        await topic_access(session, actor, topic_id)
        rows = (await session.scalars(
            select(ConsensusRound).where(ConsensusRound.topic_id == topic_id)
            .order_by(ConsensusRound.id.desc()))).all()
        return [_summary(r) for r in rows]


# --- changing ---------------------------------------------------------------------


def _clean_seeds(texts: list[str]) -> list[str]:
    seeds = [" ".join(t.split()) for t in texts]
    if len(seeds) > rules.SEEDS_MAX:
        raise Invalid({"statements": f"Give at most {rules.SEEDS_MAX} statements."})
    for text in seeds:
        if not rules.SEED_MIN <= len(text) <= rules.STATEMENT_MAX:
            raise Invalid({"statements": f"Each statement needs {rules.SEED_MIN} to "
                                         f"{rules.STATEMENT_MAX} characters."})
    if len({t.casefold() for t in seeds}) != len(seeds):
        raise Invalid({"statements": "Each statement must be different."})
    return seeds


async def announce(tx: Transaction, ctx: Context, found: ConsensusRound) -> None:
    await journal.record(
        tx, ctx.events, channels.topic(found.topic_id), recompute.EVENT,
        {"round_id": found.id,
         "computed_at": recompute.stamp(found.computed_at) if found.computed_at else None})


async def open_round(ctx: Context, actor: Actor, topic_id: int, *, prompt: str,
                     statements: list[str], open_submissions: bool) -> RoundView:
    prompt = prompt.strip()
    if not prompt or len(prompt) > rules.PROMPT_MAX:
        raise Invalid({"prompt": f"Write a prompt of 1 to {rules.PROMPT_MAX} characters."})
    seeds = _clean_seeds(statements)
    async with ctx.db.write() as tx:
        topic, access = await topic_access(tx.session, actor, topic_id, for_update=True)
        access.require_moderator()
        plans.require(access.org.tier, rules.CAPABILITY)
        rules.require_open_topic(topic)
        rounds = (await tx.session.scalars(
            select(ConsensusRound).where(ConsensusRound.topic_id == topic_id))).all()
        if any(r.closed_at is None for r in rounds):
            raise Conflict("This topic already has an open consensus round; close it first.",
                           code="round_open")
        if len(rounds) >= rules.ROUNDS_PER_TOPIC:
            raise Conflict(f"A topic holds at most {rules.ROUNDS_PER_TOPIC} rounds.",
                           code="round_limit")
        now = utcnow()
        found = ConsensusRound(topic_id=topic_id, prompt=prompt,
                               open_submissions=open_submissions, created_by=actor.id,
                               created_at=now, changed_at=now)
        tx.session.add(found)
        await tx.session.flush()
        tx.session.add_all(
            ConsensusStatement(round_id=found.id, text=text, status="accepted",
                               author_id=actor.id, created_at=now, decided_by=actor.id,
                               decided_at=now)
            for text in seeds)
        await tx.session.flush()
        await announce(tx, ctx, found)
        view = await round_view(tx.session, found, topic, access, actor)
    log.info("consensus round opened", extra={"round_id": view.id, "topic_id": topic_id})
    return view


async def close_round(ctx: Context, actor: Actor, round_id: int) -> RoundView:
    """End a round for good (the space's moderators), on every tier; its map stays."""
    async with ctx.db.write() as tx:
        found, topic, access = await rules.round_access(tx.session, actor, round_id,
                                                        for_update=True)
        access.require_moderator()
        if found.closed_at is not None:
            raise Conflict("This round is already closed.", code="round_closed")
        found.closed_at = utcnow()
        found.closed_by = actor.id
        await announce(tx, ctx, found)
        view = await round_view(tx.session, found, topic, access, actor)
    log.info("consensus round closed", extra={"round_id": round_id})
    return view
