"""Votes on a round's statements, and which statement to show a person next.

One vote per person per statement (the primary key); a vote again changes it, in
one statement that inserts or updates the row, while the round takes votes. Only
accepted statements take votes. The vote answers at once; the map follows in the
background (`recompute.poke`, after the commit). `cast` takes one person's votes on
several statements in one transaction, checked alike (`cps demo`).

`next_statement` ranks the accepted statements the person has not voted on by Pol.is's
comment priority (`analysis.priority`: seen by few and divisive first), with the
extremity of each statement from the last recompute (0 before the first).
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Integer, bindparam, func, select

from cps.services.consensus import analysis, recompute, rules
from cps.services.consensus.views import StatementView, VoteChoice, VoteView
from cps.services.context import Actor, Context
from cps.services.errors import Conflict
from cps.storage import portable
from cps.storage.consensus import ConsensusStatement, ConsensusVote
from cps.storage.database import Transaction
from cps.storage.types import UTCDateTime, utcnow

log = logging.getLogger("cps.consensus")


def _upsert(kind: portable.Kind) -> Any:
    stmt = portable.insert_into(kind, ConsensusVote.__table__).values(
        statement_id=bindparam("statement_id", type_=Integer),
        user_id=bindparam("user_id", type_=Integer), round_id=bindparam("round_id", type_=Integer),
        vote=bindparam("vote", type_=Integer), updated_at=bindparam("now", type_=UTCDateTime))
    return stmt.on_conflict_do_update(
        index_elements=[ConsensusVote.statement_id, ConsensusVote.user_id],
        set_={"vote": stmt.excluded.vote, "updated_at": stmt.excluded.updated_at})


# One person's vote on one statement, new or changed: one statement, built once.
_UPSERT = portable.per_database(_upsert)


async def vote(ctx: Context, actor: Actor, round_id: int, statement_id: int,
               choice: VoteChoice) -> VoteView:
    async with ctx.db.write() as tx:
        # Not locked: simultaneous votes on one round must not queue for the whole
        # transaction. The round's row is locked only by the UPDATE that counts the
        # change, at the end (a close that came first wins there).
        ballot = await rules.ballot(tx.session, actor, round_id, statement_id)
        await _record(ctx, tx, actor, round_id, [(ballot, choice)])
    log.info("consensus vote", extra={"round_id": round_id})
    return VoteView(statement_id=statement_id, vote=choice)


async def cast(ctx: Context, actor: Actor, round_id: int,
               choices: Mapping[int, VoteChoice]) -> list[VoteView]:
    """`actor`'s votes on several statements of one round (statement id: choice), each
    checked as `vote` checks one, in one transaction: all of them or, at the first
    refusal, none. For who votes many at once (`cps demo`'s hundreds of citizens): the
    round's checks are read once and its change counted once. No choice: nothing to
    do, nothing read."""
    if not choices:
        return []
    async with ctx.db.write() as tx:
        found = await rules.ballots(tx.session, actor, round_id, list(choices))
        await _record(ctx, tx, actor, round_id, list(zip(found, choices.values(), strict=True)))
    log.info("consensus votes", extra={"round_id": round_id, "votes": len(choices)})
    return [VoteView(statement_id=sid, vote=choice) for sid, choice in choices.items()]


async def _record(ctx: Context, tx: Transaction, actor: Actor, round_id: int,
                  votes: list[tuple[rules.Ballot, VoteChoice]]) -> None:
    """Check the ballots (the round's and the voter's standing on the first, which all
    share), write the votes that change and count the change once."""
    first = votes[0][0]
    rules.require_accepting(first.round, first.topic, first.access)
    await rules.require_standing(tx, actor, first.access, sanctioned=first.sanctioned)
    if any(ballot.statement.status != "accepted" for ballot, _ in votes):
        raise Conflict("Only accepted statements take votes.", code="statement_not_accepted")
    now = utcnow()
    changed = [{"statement_id": ballot.statement.id, "user_id": actor.id,
                "round_id": round_id, "vote": rules.VOTES[choice], "now": now}
               for ballot, choice in votes if ballot.before != rules.VOTES[choice]]
    if not changed:
        return
    await tx.session.execute(_UPSERT(tx.session), changed)
    if not await recompute.count_change(tx.session, round_id, now):
        raise Conflict("This round is closed; it takes no more votes or statements.",
                       code="round_closed")

    async def poke() -> None:
        recompute.poke(ctx, round_id)

    tx.after_commit(poke)


async def next_statement(ctx: Context, actor: Actor, round_id: int) -> StatementView | None:
    """The accepted statement that most helps the map which `actor` has not voted on;
    None when none is left or the round takes no votes."""
    async with ctx.db.read() as session:
        found, topic, access = await rules.round_access(session, actor, round_id)
        if rules.read_only_reason(found, topic, access) is not None:
            return None
        voted = set((await session.scalars(
            select(ConsensusVote.statement_id)
            .where(ConsensusVote.round_id == round_id,
                   ConsensusVote.user_id == actor.id))).all())
        candidates = [s for s in (await session.scalars(
            select(ConsensusStatement)
            .where(ConsensusStatement.round_id == round_id,
                   ConsensusStatement.status == "accepted")
            .order_by(ConsensusStatement.id))).all() if s.id not in voted]
        if not candidates:
            return None
        counts: dict[int, dict[int, int]] = defaultdict(dict)
        for sid, value, n in (await session.execute(
                select(ConsensusVote.statement_id, ConsensusVote.vote, func.count())
                .where(ConsensusVote.round_id == round_id)
                .group_by(ConsensusVote.statement_id, ConsensusVote.vote))).all():
            counts[sid][value] = int(n)
        result = json.loads(found.result) if found.result else {}
        extremity: dict[str, float] = result.get("extremity", {})

    def rank(s: ConsensusStatement) -> tuple[float, int]:
        c = counts[s.id]
        return (-analysis.priority(seen=sum(c.values()), agrees=c.get(1, 0),
                                   passes=c.get(0, 0),
                                   extremity=float(extremity.get(str(s.id), 0.0))), s.id)

    best = min(candidates, key=rank)
    c = counts[best.id]
    return StatementView(id=best.id, text=best.text, status="accepted", agree=c.get(1, 0),
                         disagree=c.get(-1, 0), pass_=c.get(0, 0))
