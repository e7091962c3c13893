"""/spaces/{id}/participants: who the composer offers after "@"."""

from __future__ import annotations

from pydantic import BaseModel

from cps.http.api import Call, Endpoint, QueryParam, query_text
from cps.services.discussion import participants
from cps.services.discussion.views import ParticipantView

PREFIX = QueryParam("prefix", "The start of a handle or of a word of a display name (a "
                    "leading @ is ignored); absent: anyone", pattern=r"^[^\x00]{0,80}$")


class ParticipantList(BaseModel):
    users: list[ParticipantView]


async def list_participants(call: Call) -> ParticipantList:
    prefix = query_text(call, PREFIX) or ""
    return ParticipantList(users=await participants.participants(
        call.ctx, call.actor, call.path_int("space_id"), prefix))


def endpoints() -> list[Endpoint]:
    return [
        Endpoint("GET", "/spaces/{space_id:int}/participants", list_participants,
                 "People of the space to mention, by the start of their handle or name "
                 "(at most 10)", response=ParticipantList, query=(PREFIX,),
                 errors=(401, 404, 422)),
    ]
