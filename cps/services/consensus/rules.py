"""Who may do what with a round, and the limits (docs/consensus.md, "Rules").

- open a round: the space's moderators (and the organization's admins, platform
  admins), on a topic that is neither locked nor archived, the organization on
  premium (`consensus_map`, 402), at most one open round per topic;
- vote, change one's vote, propose: anyone signed in who can read the topic, while
  the round is open, unless banned or muted in the space (a vote counts as a post);
  the organization still on premium (402 after a downgrade);
- accept or reject a proposal: the space's moderators, while the round takes votes;
- close: the space's moderators, on every tier (a round can be ended after a
  downgrade).

A round whose topic the reader cannot see is 404, as is a statement of another
round. The tier is read from the organization's row in the same transaction.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Final

from sqlalchemy import ColumnElement, Integer, Select, and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import load_only

from cps.services.consensus.views import ReadOnlyReason, VoteChoice
from cps.services.context import Actor
from cps.services.errors import Conflict, NotFound
from cps.services.orgs import standing
from cps.services.orgs.access import SpaceAccess, topic_access, topic_access_with, topic_statement
from cps.services.tiers import plans
from cps.storage import portable
from cps.storage.consensus import ConsensusRound, ConsensusStatement, ConsensusVote
from cps.storage.database import Transaction
from cps.storage.models import Space, Topic
from cps.storage.types import UTCDateTime, utcnow

CAPABILITY: Final = "consensus_map"
PROMPT_MAX: Final = 500
STATEMENT_MIN: Final = 140  # a proposal
STATEMENT_MAX: Final = 280
SEED_MIN: Final = 1  # the statements the moderator opens the round with
SEEDS_MAX: Final = 50
STATEMENTS_MAX: Final = 500  # per round, whatever their status
PENDING_PER_PERSON: Final = 5
ROUNDS_PER_TOPIC: Final = 20

VOTES: Final[dict[VoteChoice, int]] = {"agree": 1, "disagree": -1, "pass": 0}
CHOICES: Final[dict[int, VoteChoice]] = {v: k for k, v in VOTES.items()}


async def round_access(
    session: AsyncSession, actor: Actor | None, round_id: int, *, for_update: bool = False
) -> tuple[ConsensusRound, Topic, SpaceAccess]:
    """The round, its topic and the actor's roles; NotFound when the topic is invisible.
    `for_update` locks the round's row on PostgreSQL, so changes to one round queue."""
    stmt = select(ConsensusRound).where(ConsensusRound.id == round_id)
    found = await session.scalar(portable.for_update(session, stmt) if for_update else stmt)
    if found is None:
        raise NotFound("No such consensus round.")
    topic, access = await topic_access(session, actor, found.topic_id,
                                       missing="No such consensus round.")
    return found, topic, access


async def statement_of(
    session: AsyncSession, round_id: int, statement_id: int
) -> ConsensusStatement:
    """A statement of this round (a statement of another round is 404 too)."""
    found = await session.get(ConsensusStatement, statement_id)
    if found is None or found.round_id != round_id:
        raise NotFound("No such statement in this round.")
    return found


# A vote's round (only what the rules read of it: not its map, which a round of a
# few hundred people makes tens of kilobytes), the statement voted on (NULL when it
# is not one of the round's) and the voter's vote on it so far (NULL: none): one
# statement. Then the topic, the voter's roles and whether a sanction is in force on
# them in the space: a second. A vote read these in five.
_UID = bindparam("uid", type_=Integer)


def _ballot_statement(
    picks: ColumnElement[bool],
) -> Select[ConsensusRound, ConsensusStatement, int]:
    """The round, the statements of the round that `picks` picks (a row for each; one
    row with NULL when it picks none of them) and the voter's vote on each so far."""
    return (
        select(ConsensusRound, ConsensusStatement, ConsensusVote.vote)
        .select_from(ConsensusRound)
        .outerjoin(ConsensusStatement,
                   and_(picks, ConsensusStatement.round_id == ConsensusRound.id))
        .outerjoin(ConsensusVote, and_(ConsensusVote.statement_id == ConsensusStatement.id,
                                       ConsensusVote.user_id == _UID))
        .where(ConsensusRound.id == bindparam("round_id"))
        .options(load_only(ConsensusRound.id, ConsensusRound.topic_id,
                           ConsensusRound.closed_at))
    )


_BALLOT = _ballot_statement(ConsensusStatement.id == bindparam("statement_id"))
# The same for several statements at once (`ballots`).
_BALLOTS = _ballot_statement(
    ConsensusStatement.id.in_(bindparam("statement_ids", expanding=True)))
_VOTER_TOPIC = topic_statement(
    standing.any_in_force(Space.id, _UID, bindparam("now", type_=UTCDateTime)))

@dataclass(frozen=True)
class Ballot:
    """What a vote on one statement is checked against."""

    round: ConsensusRound
    topic: Topic
    access: SpaceAccess
    statement: ConsensusStatement
    before: int | None  # the voter's vote on it so far
    sanctioned: bool  # some sanction in force on the voter in the space


async def ballot(session: AsyncSession, actor: Actor, round_id: int,
                 statement_id: int) -> Ballot:
    """`round_access` and `statement_of` for a vote, in two statements: 404 alike when
    the round's topic is invisible or the statement is not the round's or not visible
    to the voter."""
    row = (await session.execute(_BALLOT, {"round_id": round_id, "statement_id": statement_id,
                                           "uid": actor.id})).first()
    if row is None:
        raise NotFound("No such consensus round.")
    found, statement, before = row
    topic, access, sanctioned = await _voter_access(session, actor, found)
    return Ballot(found, topic, access, _visible(statement, actor, access), before, sanctioned)


async def ballots(session: AsyncSession, actor: Actor, round_id: int,
                  statement_ids: Collection[int]) -> list[Ballot]:
    """`ballot` for several statements of one round, in two statements whatever their
    number: 404 as `ballot` answers it when any one is not the voter's to vote on."""
    rows = (await session.execute(_BALLOTS, {
        "round_id": round_id, "statement_ids": list(statement_ids), "uid": actor.id})).all()
    if not rows:
        raise NotFound("No such consensus round.")
    found = rows[0][0]
    topic, access, sanctioned = await _voter_access(session, actor, found)
    by_id = {statement.id: (statement, before) for _, statement, before in rows
             if statement is not None}
    chosen = [by_id.get(sid, (None, None)) for sid in statement_ids]
    return [Ballot(found, topic, access, _visible(statement, actor, access), before,
                   sanctioned) for statement, before in chosen]


async def _voter_access(session: AsyncSession, actor: Actor, found: ConsensusRound
                        ) -> tuple[Topic, SpaceAccess, bool]:
    topic, access, (sanctioned,) = await topic_access_with(
        session, _VOTER_TOPIC, actor, found.topic_id, missing="No such consensus round.",
        now=utcnow())
    return topic, access, bool(sanctioned)


def _visible(statement: ConsensusStatement | None, actor: Actor,
             access: SpaceAccess) -> ConsensusStatement:
    if statement is None or not visible_to(statement, actor, access):
        raise NotFound("No such statement in this round.")
    return statement


def visible_to(statement: ConsensusStatement, actor: Actor | None, access: SpaceAccess) -> bool:
    """Accepted statements are seen by every reader; pending and rejected ones by the
    space's moderators and their author."""
    return statement.status == "accepted" or access.can_moderate or (
        actor is not None and statement.author_id == actor.id)


def read_only_reason(found: ConsensusRound, topic: Topic,
                     access: SpaceAccess) -> ReadOnlyReason | None:
    if found.closed_at is not None:
        return "closed"
    if topic.archived:
        return "topic_archived"
    if topic.locked:
        return "topic_locked"
    if not plans.allows(access.org.tier, CAPABILITY):
        return "tier"
    return None


def require_open_topic(topic: Topic) -> None:
    if topic.archived:
        raise Conflict("This topic is archived; it takes nothing new.", code="topic_archived")
    if topic.locked:
        raise Conflict("This topic is locked; it takes nothing new.", code="topic_locked")


def require_accepting(found: ConsensusRound, topic: Topic, access: SpaceAccess) -> None:
    """409 when the round is closed or its topic shut, 402 below premium."""
    if found.closed_at is not None:
        raise Conflict("This round is closed; it takes no more votes or statements.",
                       code="round_closed")
    require_open_topic(topic)
    plans.require(access.org.tier, CAPABILITY)


async def require_standing(tx: Transaction, actor: Actor, access: SpaceAccess, *,
                           sanctioned: bool = True) -> None:
    """403 for a banned or muted participant (not the space's moderators). `sanctioned`
    False: read with the caller's statement, no sanction is in force, nothing to read."""
    if sanctioned and not access.can_moderate:
        await standing.require(tx.session, actor.id, access.space.id, act="post")
