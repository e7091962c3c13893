"""Pure ASGI middleware: the body size limit and the security headers."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cps.http.errors import BodyTooLarge

# Images only from this site (and data: URLs the front end draws itself): a
# remote image in a post would tell its host who read the post, and when.
# Posts show images as links instead (cps/services/markdown.py).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' ws: wss:; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)

SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
# Sent only on answers to https requests (the scheme the client used, which a
# proxy in CPS_TRUSTED_PROXIES may say with X-Forwarded-Proto): over plain http
# a browser ignores it, and a site tried on http://localhost must not pin itself.
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
# API answers say who is asking (a session cookie is enough to change them), so
# no cache, shared or the browser's, keeps any of them. Static files and the
# page shell are the same for everyone and stay cacheable.
NO_STORE = (b"cache-control", b"no-store")
API_PREFIX = "/api/v1/"


class BodyLimit:
    """413 for bodies over `limit`: at once from Content-Length, or as soon as a
    chunked body passes the limit, never after reading it whole."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    too_big = int(value) > self.limit
                except ValueError:
                    too_big = False
                if too_big:
                    await _reject(send)
                    return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge()
            return message

        await self.app(scope, limited, send)


async def _reject(send: Send) -> None:
    body = (
        b'{"error":{"code":"body_too_large","message":"The request body is larger than 1 MiB."}}'
    )
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                *SECURITY_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _route_path(scope: Scope) -> str:
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path


class SecurityHeaders:
    """CSP, nosniff, Referrer-Policy and frame denial on every HTTP response;
    HSTS on https; `Cache-Control: no-store` on every API answer (unless the
    endpoint chose its own)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = list(SECURITY_HEADERS)
        if scope.get("scheme") == "https":
            wanted.append(HSTS)
        if (_route_path(scope) + "/").startswith(API_PREFIX):
            wanted.append(NO_STORE)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in wanted if n not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)
