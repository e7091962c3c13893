"""Stopping notification email with the link an email carried (no sign-in)."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from cps.http import schemas as s
from cps.http.api import Call, Endpoint
from cps.services.notifications import emails


class UnsubscribeRequest(s.RequestModel):
    token: Annotated[str, StringConstraints(min_length=1, max_length=100)]


async def unsubscribe(call: Call) -> None:
    body: UnsubscribeRequest = call.body
    await emails.unsubscribe(call.ctx, body.token)


def endpoints() -> list[Endpoint]:
    return [
        Endpoint("POST", "/email/unsubscribe", unsubscribe,
                 "Stop notification emails with the link one of them carried",
                 request=UnsubscribeRequest, status=204, auth="none",
                 errors=(400, 403, 413, 422)),
    ]
