"""What the consensus services answer (contract: "Consensus map"; docs/api.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field

from cps.services.views import View

RoundStatus = Literal["open", "closed"]
StatementStatus = Literal["accepted", "pending", "rejected"]
Direction = Literal["agree", "disagree"]
VoteChoice = Literal["agree", "disagree", "pass"]
# Why a round takes no votes or proposals now (None while it does): "closed" by a
# moderator; "topic_locked" / "topic_archived"; "tier": the organization is no longer
# on premium (a downgrade): the map stays readable, votes are refused (402).
ReadOnlyReason = Literal["closed", "topic_locked", "topic_archived", "tier"]


class StatementView(View):
    model_config = ConfigDict(from_attributes=True, serialize_by_alias=True,
                              validate_by_name=True, validate_by_alias=True)

    id: int
    text: str
    status: StatementStatus
    agree: int
    disagree: int
    pass_: int = Field(alias="pass")
    # The reader's own vote on it (None: not voted, or anonymous).
    my_vote: VoteChoice | None = None


class RepresentativeView(View):
    statement_id: int
    direction: Direction
    # Of the group's members who voted on it, the part that voted this way (0..1).
    share: float


class GroupView(View):
    id: int
    size: int
    representative: list[RepresentativeView]


class ConsensusView(View):
    statement_id: int
    direction: Direction
    # Group-informed consensus: the product over groups of (n + 1) / (seen + 2).
    score: float


class PointView(View):
    x: float
    y: float
    group: int


class RoundView(View):
    id: int
    topic_id: int
    prompt: str
    status: RoundStatus
    open_submissions: bool
    created_at: datetime
    closed_at: datetime | None
    statements: list[StatementView]
    # Everyone who voted on at least one statement; `points` has those placed on the map.
    participants: int
    groups: list[GroupView]
    consensus: list[ConsensusView]
    me: PointView | None
    points: list[PointView]
    computed_at: datetime | None
    accepting_votes: bool
    read_only_reason: ReadOnlyReason | None = None
    # Whether the reader moderates the space (may accept/reject proposals, close).
    can_moderate: bool = False
    # The reader's own votes so far, and how many statements they may still vote on.
    my_votes: int = 0
    remaining: int = 0


class RoundSummary(View):
    id: int
    topic_id: int
    prompt: str
    status: RoundStatus
    created_at: datetime
    closed_at: datetime | None


class VoteView(View):
    statement_id: int
    vote: VoteChoice
