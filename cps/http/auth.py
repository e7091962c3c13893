"""Who is calling: a bearer token, or the session cookie with its CSRF proof."""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from starlette.datastructures import Headers

from cps.edge.credentials import (
    CSRF_HEADER,
    SESSION_COOKIE,
    bearer,
    origin_allowed,
)
from cps.services.accounts import identity
from cps.services.context import Actor, Context
from cps.services.errors import Forbidden, NotSignedIn

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def refuse_cross_site(ctx: Context, scheme: str, headers: Headers) -> None:
    """Refuse an unsafe request a browser sent from another site: a foreign
    `Origin`, or `Sec-Fetch-Site: cross-site`. Non-browser clients send neither.
    Applied to every unsafe request without a bearer token, signed in or not, so
    a foreign page can neither act as a victim nor sign the victim's browser in
    (login CSRF)."""
    origin = headers.get("origin")
    if origin is not None and not origin_allowed(ctx, origin, scheme, headers):
        raise Forbidden("Requests from another site are refused.", code="csrf_failed")
    if headers.get("sec-fetch-site") == "cross-site":
        raise Forbidden("Requests from another site are refused.", code="csrf_failed")


async def resolve(
    ctx: Context,
    *,
    method: str,
    scheme: str,
    headers: Headers,
    cookies: Mapping[str, str],
) -> Actor | None:
    """The actor of an HTTP request, or None for an anonymous one.

    A bearer token that is not valid is an error (the client must sign in
    again). A cookie-authenticated unsafe request must carry the CSRF proof in
    `X-CSRF-Token`, and must not come from a foreign Origin or a cross-site
    fetch (checked by `refuse_cross_site` before this)."""
    token = bearer(headers)
    if token is not None:
        actor = await identity.authenticate(ctx, token)
        if actor is None:
            raise NotSignedIn("This token is not valid; sign in again.", code="invalid_token")
        return actor
    cookie = cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    actor = await identity.authenticate(ctx, cookie)
    if actor is None:
        return None
    if method not in SAFE_METHODS:
        proof = headers.get(CSRF_HEADER, "")
        expected = identity.csrf_token(ctx.settings.secret_key, cookie)
        if not hmac.compare_digest(proof.encode(), expected.encode()):
            raise Forbidden(
                "Missing or wrong X-CSRF-Token header for a cookie-authenticated request.",
                code="csrf_failed",
            )
    return actor
