"""The language of a request (docs/languages.md), for both edges.

The signed-in person's `locale` (the HTTP edge puts it on the request's state once
it knows who is calling), else the `lang` cookie, else `Accept-Language`, else
English.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import HTTPConnection

from cps.services.languages.locales import COOKIE, negotiate
from cps.services.languages.messages import translate, translate_fields


def request_locale(conn: HTTPConnection) -> str:
    return negotiate(
        getattr(conn.state, "account_locale", None),
        conn.cookies.get(COOKIE),
        conn.headers.get("accept-language"),
    )


def remember_account_locale(conn: HTTPConnection, locale: str | None) -> None:
    """Called once the caller is known: their own choice outranks cookie and header."""
    conn.state.account_locale = locale


def localized_error(body: dict[str, Any], locale: str) -> dict[str, Any]:
    """An error envelope (cps/edge/envelope.py) with its texts in `locale`."""
    error = dict(body["error"])
    if isinstance(error.get("message"), str):
        error["message"] = translate(error["message"], locale)
    if isinstance(error.get("fields"), dict):
        error["fields"] = translate_fields(error["fields"], locale)
    return {"error": error}
