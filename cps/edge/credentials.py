"""A caller's credentials as they arrive: a bearer token, the session cookie, the Origin."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.datastructures import Headers

from cps.services.context import Context

SESSION_COOKIE = "cps_session"
CSRF_COOKIE = "cps_csrf"
CSRF_HEADER = "x-csrf-token"


def served_origin(scheme: str, headers: Headers) -> str:
    scheme = {"ws": "http", "wss": "https"}.get(scheme, scheme)
    return f"{scheme}://{headers.get('host', '')}"


def origin_allowed(ctx: Context, origin: str, scheme: str, headers: Headers) -> bool:
    origin = origin.rstrip("/")
    allowed = ctx.settings.allowed_origins or (served_origin(scheme, headers),)
    return origin in allowed


def bearer(headers: Headers, query: Mapping[str, str] | None = None) -> str | None:
    value = headers.get("authorization", "")
    if value[:7].lower() == "bearer ":
        return value[7:].strip()
    if query is not None and query.get("token"):
        return query["token"]
    return None
