"""/topics/{id}/status and /topics/{id}/status-history: questions to the city."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, StringConstraints

from cps.http import schemas as s
from cps.http.api import Call, Endpoint
from cps.services.discussion import questions, topics
from cps.services.discussion.views import QuestionChangeView, QuestionStatus

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class StatusChange(s.RequestModel):
    status: QuestionStatus
    note: Text = ""
    answer_post_id: s.Id | None = None
    # Why the question is declined (required then, refused otherwise).
    reason: Text | None = None


class StatusHistory(BaseModel):
    changes: list[QuestionChangeView]


async def change_status(call: Call) -> s.TopicEnvelope:
    body: StatusChange = call.body
    topic_id = call.path_int("topic_id")
    await questions.change_status(
        call.ctx, call.user, topic_id, status=body.status, note=body.note,
        answer_post_id=body.answer_post_id, reason=body.reason,
    )
    # The topic as its readers now see it, question and all.
    return s.TopicEnvelope(topic=await topics.get_topic(call.ctx, call.user, topic_id))


async def status_history(call: Call) -> StatusHistory:
    return StatusHistory(
        changes=await questions.history(call.ctx, call.actor, call.path_int("topic_id"))
    )


def endpoints() -> list[Endpoint]:
    return [
        Endpoint("POST", "/topics/{topic_id:int}/status", change_status,
                 "Move a question along its life: acknowledged, answered, in_progress, done "
                 "or declined (with a reason); or turn a discussion into a question (open). "
                 "Officials of the space's organization, its moderators and admins",
                 request=StatusChange, response=s.TopicEnvelope, auth="required",
                 entitlement="none", errors=(400, 401, 403, 404, 409, 422)),
        Endpoint("GET", "/topics/{topic_id:int}/status-history", status_history,
                 "A question's steps, oldest first (empty for a discussion)",
                 response=StatusHistory),
    ]
