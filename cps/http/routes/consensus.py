"""/topics/{id}/consensus and /consensus/{id}: the consensus map (the premium tier)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from cps.http import schemas as s
from cps.http.api import Call, Endpoint
from cps.services.consensus import rounds, rules, statements, votes
from cps.services.consensus.views import (
    RoundSummary,
    RoundView,
    StatementView,
    VoteChoice,
    VoteView,
)

# --- requests -------------------------------------------------------------------

# A statement's length is checked by the service once spaces are run together
# (140 to 280 characters for a proposal); the request only bounds the body.
StatementText = Annotated[str, StringConstraints(min_length=1, max_length=2_000)]


class RoundCreate(s.RequestModel):
    prompt: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=rules.PROMPT_MAX)
    ]
    statements: Annotated[list[StatementText], Field(max_length=rules.SEEDS_MAX)] = []
    open_submissions: bool = False


class StatementCreate(s.RequestModel):
    text: StatementText


class VoteRequest(s.RequestModel):
    vote: VoteChoice


# --- responses ------------------------------------------------------------------


class RoundEnvelope(BaseModel):
    round: RoundView


class RoundList(BaseModel):
    rounds: list[RoundSummary]


class StatementEnvelope(BaseModel):
    statement: StatementView


class NextStatement(BaseModel):
    statement: StatementView | None


class VoteEnvelope(BaseModel):
    vote: VoteView


# --- handlers -------------------------------------------------------------------


async def open_consensus_round(call: Call) -> RoundEnvelope:
    body: RoundCreate = call.body
    found = await rounds.open_round(
        call.ctx, call.user, call.path_int("topic_id"), prompt=body.prompt,
        statements=body.statements, open_submissions=body.open_submissions)
    return RoundEnvelope(round=found)


async def list_consensus_rounds(call: Call) -> RoundList:
    return RoundList(rounds=await rounds.list_rounds(call.ctx, call.actor,
                                                     call.path_int("topic_id")))


async def get_consensus_round(call: Call) -> RoundEnvelope:
    return RoundEnvelope(round=await rounds.get_round(call.ctx, call.actor,
                                                      call.path_int("round_id")))


async def propose_statement(call: Call) -> StatementEnvelope:
    body: StatementCreate = call.body
    return StatementEnvelope(statement=await statements.propose(
        call.ctx, call.user, call.path_int("round_id"), text=body.text))


async def accept_statement(call: Call) -> StatementEnvelope:
    return StatementEnvelope(statement=await statements.decide(
        call.ctx, call.user, call.path_int("round_id"), call.path_int("statement_id"),
        "accepted"))


async def reject_statement(call: Call) -> StatementEnvelope:
    return StatementEnvelope(statement=await statements.decide(
        call.ctx, call.user, call.path_int("round_id"), call.path_int("statement_id"),
        "rejected"))


async def vote_on_statement(call: Call) -> VoteEnvelope:
    body: VoteRequest = call.body
    return VoteEnvelope(vote=await votes.vote(
        call.ctx, call.user, call.path_int("round_id"), call.path_int("statement_id"),
        body.vote))


async def next_consensus_statement(call: Call) -> NextStatement:
    return NextStatement(statement=await votes.next_statement(
        call.ctx, call.user, call.path_int("round_id")))


async def close_consensus_round(call: Call) -> RoundEnvelope:
    return RoundEnvelope(round=await rounds.close_round(call.ctx, call.user,
                                                        call.path_int("round_id")))


def endpoints() -> list[Endpoint]:
    gated = (400, 401, 402, 403, 404, 409, 422)
    statement = "/consensus/{round_id:int}/statements/{statement_id:int}"
    return [
        Endpoint("POST", "/topics/{topic_id:int}/consensus", open_consensus_round,
                 "Open a consensus round in a topic with its prompt and first statements "
                 "(the space's moderators; the premium tier)",
                 request=RoundCreate, response=RoundEnvelope, status=201, auth="required",
                 entitlement="consensus_map", errors=gated),
        Endpoint("GET", "/topics/{topic_id:int}/consensus", list_consensus_rounds,
                 "The topic's consensus rounds, newest first", response=RoundList),
        Endpoint("GET", "/consensus/{round_id:int}", get_consensus_round,
                 "A consensus round: its statements, the opinion groups and the consensus "
                 "as last computed, your own point", response=RoundEnvelope),
        Endpoint("POST", "/consensus/{round_id:int}/statements", propose_statement,
                 "Propose a statement of 140 to 280 characters (pending until a moderator "
                 "accepts it, unless the round takes proposals directly; the premium tier)",
                 request=StatementCreate, response=StatementEnvelope, status=201,
                 auth="required", entitlement="consensus_map", errors=gated),
        Endpoint("POST", statement + "/accept", accept_statement,
                 "Accept a pending statement (the space's moderators; the premium tier)",
                 response=StatementEnvelope, auth="required", entitlement="consensus_map",
                 errors=gated),
        Endpoint("POST", statement + "/reject", reject_statement,
                 "Reject a pending statement (the space's moderators; the premium tier)",
                 response=StatementEnvelope, auth="required", entitlement="consensus_map",
                 errors=gated),
        Endpoint("PUT", statement + "/vote", vote_on_statement,
                 "Vote agree, disagree or pass on a statement, or change your vote, while the "
                 "round is open (the premium tier)",
                 request=VoteRequest, response=VoteEnvelope, auth="required",
                 entitlement="consensus_map", errors=gated),
        Endpoint("GET", "/consensus/{round_id:int}/next", next_consensus_statement,
                 "The statement you have not voted on that most helps the map, or null",
                 response=NextStatement, auth="required", errors=(400, 401, 404)),
        Endpoint("POST", "/consensus/{round_id:int}/close", close_consensus_round,
                 "Close a round for good; its map stays, read-only (the space's moderators; "
                 "every tier)",
                 response=RoundEnvelope, auth="required", entitlement="none",
                 errors=(400, 401, 403, 404, 409)),
    ]
