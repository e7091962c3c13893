"""The web pages' HTML shell, in the request's language from the first paint.

Every page is the same `index.html`; its `<html lang dir>` is the request's
language (docs/languages.md), so Arabic is right to left before any script runs.
The signed-in person's choice counts first: their session cookie is read as the
API reads it (a safe method: no CSRF proof needed).
"""

from __future__ import annotations

import re
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from cps.edge.language import remember_account_locale, request_locale
from cps.http import auth
from cps.services.context import Context
from cps.services.errors import DomainError
from cps.services.languages.locales import direction

_HTML_TAG = re.compile(r"<html\b[^>]*>", re.IGNORECASE)


class Shell:
    def __init__(self, index: Path) -> None:
        self.html = index.read_text(encoding="utf-8")

    def render(self, locale: str) -> str:
        tag = f'<html lang="{locale}" dir="{direction(locale)}">'
        return _HTML_TAG.sub(tag, self.html, count=1)

    async def page(self, request: Request) -> Response:
        ctx: Context = request.state.ctx
        try:
            actor = await auth.resolve(ctx, method="GET", scheme=request.url.scheme,
                                       headers=request.headers, cookies=request.cookies)
        except DomainError:  # a stale token: the page still loads, signed out
            actor = None
        if actor is not None:
            remember_account_locale(request, actor.locale)
        locale = request_locale(request)
        return HTMLResponse(self.render(locale), headers={
            "Content-Language": locale, "Vary": "Cookie, Accept-Language"})
