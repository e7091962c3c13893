"""/topics/{id}/polls and /polls/{id}: polls in topics (the plus tier and up)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from cps.http import schemas as s
from cps.http.api import Call, Endpoint
from cps.services.polls import polls
from cps.services.polls.views import PollView

# --- requests -------------------------------------------------------------------

Label = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=polls.LABEL_MAX)
]


class PollCreate(s.RequestModel):
    question: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=polls.QUESTION_MAX)
    ]
    options: Annotated[
        list[Label], Field(min_length=polls.MIN_OPTIONS, max_length=polls.MAX_OPTIONS)
    ]
    # An ISO 8601 time with its offset ("2027-03-01T18:00:00+09:00"), in the future.
    closes_at: s.Time | None = None


class VoteRequest(s.RequestModel):
    option_id: s.Id


# --- responses ------------------------------------------------------------------


class PollEnvelope(BaseModel):
    poll: PollView


class PollList(BaseModel):
    polls: list[PollView]


# --- handlers -------------------------------------------------------------------


async def create_poll(call: Call) -> PollEnvelope:
    body: PollCreate = call.body
    poll = await polls.create_poll(
        call.ctx, call.user, call.path_int("topic_id"),
        question=body.question, options=body.options, closes_at=body.closes_at,
    )
    return PollEnvelope(poll=poll)


async def list_polls(call: Call) -> PollList:
    return PollList(polls=await polls.list_polls(call.ctx, call.actor, call.path_int("topic_id")))


async def get_poll(call: Call) -> PollEnvelope:
    return PollEnvelope(poll=await polls.get_poll(call.ctx, call.actor, call.path_int("poll_id")))


async def vote(call: Call) -> PollEnvelope:
    body: VoteRequest = call.body
    poll = await polls.vote(call.ctx, call.user, call.path_int("poll_id"),
                            option_id=body.option_id)
    return PollEnvelope(poll=poll)


async def withdraw_vote(call: Call) -> PollEnvelope:
    return PollEnvelope(poll=await polls.withdraw_vote(call.ctx, call.user,
                                                       call.path_int("poll_id")))


async def close_poll(call: Call) -> PollEnvelope:
    return PollEnvelope(poll=await polls.close_poll(call.ctx, call.user,
                                                    call.path_int("poll_id")))


def endpoints() -> list[Endpoint]:
    gated = (400, 401, 402, 403, 404, 409, 422)
    return [
        Endpoint("POST", "/topics/{topic_id:int}/polls", create_poll,
                 "Open a single-choice poll in a topic (the topic's author, moderators; "
                 "the plus tier)",
                 request=PollCreate, response=PollEnvelope, status=201, auth="required",
                 entitlement="polls", errors=gated),
        Endpoint("GET", "/topics/{topic_id:int}/polls", list_polls,
                 "The topic's polls with their results, oldest first", response=PollList),
        Endpoint("GET", "/polls/{poll_id:int}", get_poll, "A poll with its results",
                 response=PollEnvelope),
        Endpoint("PUT", "/polls/{poll_id:int}/vote", vote,
                 "Vote in a poll, or change your vote, while it is open (the plus tier)",
                 request=VoteRequest, response=PollEnvelope, auth="required",
                 entitlement="polls", errors=gated),
        Endpoint("DELETE", "/polls/{poll_id:int}/vote", withdraw_vote,
                 "Withdraw your vote while the poll is open (the plus tier)",
                 response=PollEnvelope, auth="required", entitlement="polls", errors=gated),
        Endpoint("POST", "/polls/{poll_id:int}/close", close_poll,
                 "Close a poll for good (its creator, moderators; every tier)",
                 response=PollEnvelope, auth="required", entitlement="none",
                 errors=(400, 401, 403, 404, 409)),
    ]
