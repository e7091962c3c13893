"""Statements proposed during a round, and the moderators' decision on them.

A proposal has 140 to 280 characters (spaces run together count once). It is
accepted at once when the round takes proposals directly (`open_submissions`) or
comes from one of the space's moderators; otherwise it waits, pending, until a
moderator accepts or rejects it. A person has at most PENDING_PER_PERSON proposals
waiting in a round; a round holds at most STATEMENTS_MAX statements; the same text
twice (ignoring case) is refused.
"""

from __future__ import annotations

import logging
import unicodedata
from typing import Literal

from sqlalchemy import func, select

from cps.services.consensus import recompute, rules
from cps.services.consensus.views import StatementView
from cps.services.context import Actor, Context
from cps.services.errors import Conflict, Invalid
from cps.storage.consensus import ConsensusStatement, ConsensusVote
from cps.storage.types import utcnow

log = logging.getLogger("cps.consensus")


def clean(text: str) -> str:
    """The text with spaces run together; its length counts the characters a reader
    sees (format characters such as zero-width spaces count for nothing), and a
    control character is refused, so no statement is blank or padded invisibly."""
    text = " ".join(text.split())
    if any(unicodedata.category(c) == "Cc" for c in text):
        raise Invalid({"text": "A statement may not contain control characters."})
    seen = sum(1 for c in text if unicodedata.category(c) != "Cf")
    if not rules.STATEMENT_MIN <= seen <= rules.STATEMENT_MAX:
        raise Invalid({"text": f"A statement has {rules.STATEMENT_MIN} to "
                               f"{rules.STATEMENT_MAX} characters; this one has {seen}."})
    return text


async def propose(ctx: Context, actor: Actor, round_id: int, *, text: str) -> StatementView:
    text = clean(text)
    async with ctx.db.write() as tx:
        found, topic, access = await rules.round_access(tx.session, actor, round_id,
                                                        for_update=True)
        rules.require_accepting(found, topic, access)
        await rules.require_standing(tx, actor, access)
        existing = (await tx.session.execute(
            select(ConsensusStatement.text, ConsensusStatement.status,
                   ConsensusStatement.author_id)
            .where(ConsensusStatement.round_id == round_id))).all()
        if len(existing) >= rules.STATEMENTS_MAX:
            raise Conflict(f"A round holds at most {rules.STATEMENTS_MAX} statements.",
                           code="statement_limit")
        if any(t.casefold() == text.casefold() for t, _, _ in existing):
            raise Conflict("This round already has that statement.", code="statement_exists")
        direct = found.open_submissions or access.can_moderate
        if not direct and sum(1 for _, status, author in existing
                              if status == "pending" and author == actor.id
                              ) >= rules.PENDING_PER_PERSON:
            raise Conflict(f"You have {rules.PENDING_PER_PERSON} proposals waiting for a "
                           "moderator; wait for their decision.", code="too_many_pending")
        now = utcnow()
        statement = ConsensusStatement(
            round_id=round_id, text=text, status="accepted" if direct else "pending",
            author_id=actor.id, created_at=now,
            decided_by=actor.id if direct else None, decided_at=now if direct else None)
        tx.session.add(statement)
        if direct:
            found.changed_at = now
            found.version += 1
            tx.after_commit(lambda: _poke(ctx, round_id))
        await tx.session.flush()
        view = StatementView(id=statement.id, text=statement.text,
                             status="accepted" if direct else "pending",
                             agree=0, disagree=0, pass_=0)
    log.info("consensus statement proposed", extra={"round_id": round_id,
                                                    "status": view.status})
    return view


async def _poke(ctx: Context, round_id: int) -> None:
    recompute.poke(ctx, round_id)


async def decide(ctx: Context, actor: Actor, round_id: int, statement_id: int,
                 decision: Literal["accepted", "rejected"]) -> StatementView:
    """A moderator accepts or rejects a pending proposal (409 if already decided)."""
    async with ctx.db.write() as tx:
        found, topic, access = await rules.round_access(tx.session, actor, round_id,
                                                        for_update=True)
        access.require_moderator()
        statement = await rules.statement_of(tx.session, round_id, statement_id)
        rules.require_accepting(found, topic, access)
        if statement.status != "pending":
            raise Conflict(f"This statement was already {statement.status}.",
                           code="statement_decided")
        now = utcnow()
        statement.status = decision
        statement.decided_by = actor.id
        statement.decided_at = now
        if decision == "accepted":
            found.changed_at = now
            found.version += 1
            tx.after_commit(lambda: _poke(ctx, round_id))
        await tx.session.flush()
        votes = dict((await tx.session.execute(
            select(ConsensusVote.vote, func.count())
            .where(ConsensusVote.statement_id == statement_id)
            .group_by(ConsensusVote.vote))).all())
        view = StatementView(id=statement.id, text=statement.text, status=decision,
                             agree=votes.get(1, 0), disagree=votes.get(-1, 0),
                             pass_=votes.get(0, 0))
    log.info("consensus statement decided", extra={"round_id": round_id,
                                                   "status": decision})
    return view
