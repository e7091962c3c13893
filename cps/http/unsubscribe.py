"""RFC 8058 one-click unsubscribe: `POST /unsubscribe?token=...`.

A notification email's `List-Unsubscribe` header names this URL, and its
`List-Unsubscribe-Post: List-Unsubscribe=One-Click` tells the reader's mail
provider it may POST to it with no sign-in, no cookie and a form body
(`List-Unsubscribe=One-Click`), which is why it sits beside the API rather than in
it (the API takes JSON). The token is the proof: single-use, kept hashed. A GET of
the same URL is the web page that asks the person to confirm (cps/app.py PAGES),
which calls `POST /api/v1/email/unsubscribe` (cps/http/routes/unsubscribe.py).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from cps.services.notifications import emails


async def one_click(request: Request) -> Response:
    await emails.unsubscribe(request.state.ctx, request.query_params.get("token", ""))
    return PlainTextResponse("You will get no more notification emails from CPS.\n")


def routes() -> list[Route]:
    return [Route("/unsubscribe", one_click, methods=["POST"])]
