"""/ws: the handshake checks, then one frame at a time from the client."""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING, Any

from starlette.responses import JSONResponse
from starlette.websockets import WebSocket

from cps.edge import credentials
from cps.edge.envelope import error_body
from cps.live.connection import (
    CLOSE_POLICY,
    CLOSE_SIGNED_OUT,
    CLOSE_TOO_BIG,
    CLOSE_TOO_SLOW,
    Connection,
    Subscription,
)
from cps.services.context import Actor, Context
from cps.services.errors import DomainError, Forbidden, Invalid, NotFound, NotSignedIn
from cps.services.events import channels
from cps.services.subscriptions import history

if TYPE_CHECKING:
    from cps.live.service import LiveService

log = logging.getLogger("cps.live")

FRAMES_PER_SECOND = 20.0
FRAME_BURST = 60.0
MAX_SUBSCRIPTIONS = 200
REPLAY_PAGE = 500  # stored events read at once while replaying
# An address over its socket cap (CPS_WS_CONNECTIONS_PER_ADDRESS) is refused at the
# handshake with HTTP 429, the error envelope and Retry-After; a server without the
# ASGI denial-response extension accepts and closes with 1013 "try again later".
CLOSE_TRY_LATER = 1013
CAP_RETRY_AFTER = 10


class FrameBudget:
    """A token bucket against frame floods from one socket.

    A frame over budget is a strike; more than `3 * burst` strikes close the
    socket. A client whose bucket refilled (it calmed down) is forgiven, so
    occasional bursts over a long session never add up to a close."""

    __slots__ = ("burst", "rate", "stamp", "strikes", "tokens")

    def __init__(self, rate: float = FRAMES_PER_SECOND, burst: float = FRAME_BURST) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.stamp = time.monotonic()
        self.strikes = 0

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= self.burst:
            self.strikes = 0
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        self.strikes += 1
        return False


class _InvalidToken(Exception):
    """A bearer token (header or ?token=) that is not, or no longer, valid."""


async def _credentials(live: LiveService, websocket: WebSocket) -> Actor | None:
    """Bearer header, ?token= or the session cookie. As over HTTP, an invalid bearer
    token is refused (the client must sign in again, not follow as a guest without
    knowing it), and an invalid cookie is anonymous."""
    token = credentials.bearer(websocket.headers, websocket.query_params)
    if token is not None:
        actor = await live.tokens.get(token)
        if actor is None:
            raise _InvalidToken()
        return actor
    cookie = websocket.cookies.get(credentials.SESSION_COOKIE)
    if not cookie:
        return None
    return await live.tokens.get(cookie)


def _error(code: str, message: str, channel: str | None = None) -> dict[str, Any]:
    frame: dict[str, Any] = {"type": "error", "code": code, "message": message}
    if channel is not None:
        frame["channel"] = channel
    return frame


async def websocket_endpoint(websocket: WebSocket) -> None:
    ctx: Context = websocket.state.ctx
    live: LiveService = websocket.state.live
    origin = websocket.headers.get("origin")
    if origin is not None and not credentials.origin_allowed(
        ctx, origin, websocket.url.scheme, websocket.headers
    ):
        log.info("websocket refused: foreign origin", extra={"origin": origin})
        await websocket.close(code=CLOSE_POLICY)  # before accept: answered with 403
        return
    # The address as cps/app.py settled it: the socket's, or the one a trusted
    # proxy forwarded. Counted before anything that waits, so that a burst of
    # handshakes cannot all pass the check at once.
    address = websocket.client.host if websocket.client else None
    if not live.admit(address):
        await _refuse_over_cap(ctx, websocket)
        return
    try:
        await _serve(ctx, live, websocket)
    finally:
        live.release(address)


async def _deny(
    websocket: WebSocket, status: int, body: dict[str, Any], *, close_code: int, reason: str,
    headers: dict[str, str] | None = None,
) -> None:
    """Refuse a handshake with an HTTP answer in the error envelope; a server without
    the ASGI denial-response extension accepts, then closes with `close_code`."""
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        await websocket.send_denial_response(
            JSONResponse(body, status_code=status, headers=headers))
        return
    await websocket.accept()
    await websocket.close(code=close_code, reason=reason)


async def _refuse_over_cap(ctx: Context, websocket: WebSocket) -> None:
    cap = ctx.settings.ws_connections_per_address
    message = (f"Too many open connections from your address (at most {cap}); "
               "close one or try again later.")
    log.info("websocket refused: too many from one address", extra={"cap": cap})
    await _deny(websocket, 429, error_body("rate_limited", message, retry_after=CAP_RETRY_AFTER),
                headers={"Retry-After": str(CAP_RETRY_AFTER)}, close_code=CLOSE_TRY_LATER,
                reason="too many connections from your address")


async def _refuse_invalid_token(websocket: WebSocket) -> None:
    log.info("websocket refused: invalid token")
    await _deny(websocket, 401,
                error_body("invalid_token", "This token is not valid; sign in again."),
                close_code=CLOSE_SIGNED_OUT, reason="token not valid: sign in again")


async def _serve(ctx: Context, live: LiveService, websocket: WebSocket) -> None:
    try:
        actor = await _credentials(live, websocket)
    except _InvalidToken:
        await _refuse_invalid_token(websocket)
        return
    await websocket.accept()
    conn = Connection(websocket, actor, limit=ctx.settings.ws_send_queue_bytes,
                      on_control=live.on_control, framer=live.framer)
    live.connections.add(conn)
    try:
        if conn.user_channel is not None:
            await _follow(live, conn, conn.user_channel, None, since=None, by_client=False)
        await _read_frames(ctx, live, conn)
    finally:
        live.connections.discard(conn)
        await live.forget(conn)
        await conn.finish()


async def _read_frames(ctx: Context, live: LiveService, conn: Connection) -> None:
    budget = FrameBudget()
    max_frame = ctx.settings.ws_max_frame_bytes
    while True:
        message = await conn.receive()
        if message is None or message["type"] == "websocket.disconnect":
            return
        raw = message.get("text")
        if raw is None and message.get("bytes") is not None:
            raw = message["bytes"].decode("utf-8", "replace")
        if raw is None:
            continue
        if len(raw) > max_frame:
            conn.close(CLOSE_TOO_BIG, "frame too large")
            return
        if not budget.take():
            if budget.strikes > 3 * FRAME_BURST:
                conn.close(CLOSE_POLICY, "too many frames")
                return
            conn.send(_error("rate_limited", "Too many frames; slow down."))
            continue
        try:
            frame = json.loads(raw)
        except (ValueError, RecursionError):
            # RecursionError: nested deeper than the parser goes.
            conn.send(_error("malformed_frame", "Frames are JSON objects."))
            continue
        if not isinstance(frame, dict):
            conn.send(_error("malformed_frame", "Frames are JSON objects."))
            continue
        try:
            await _dispatch(ctx, live, conn, frame)
        except Exception as exc:  # a bug or an outage must not take the socket down
            channel = frame.get("channel") if isinstance(frame.get("channel"), str) else None
            log.warning("frame failed", extra={"frame_type": str(frame.get("type"))[:40],
                                               "error": type(exc).__name__})
            if channel is not None and frame.get("type") == "subscribe":
                # Undo a half-made subscription, so the client is not left believing
                # it follows a channel that delivers nothing.
                sub = conn.subscriptions.get(channel)
                if sub is not None and sub.by_client:
                    try:
                        await live.unfollow(conn, channel, by_client=True)
                    except Exception as undo:
                        log.warning("unfollow failed", extra={"error": type(undo).__name__})
            conn.send(_error("unavailable", "This frame could not be handled; try again.",
                             channel))


async def _dispatch(
    ctx: Context, live: LiveService, conn: Connection, frame: dict[str, Any]
) -> None:
    kind = frame.get("type")
    if kind == "ping":
        conn.send({"type": "pong"})
        return
    if not isinstance(kind, str) or kind not in {"subscribe", "unsubscribe", "typing"}:
        shown = f" {kind[:40]!r}" if isinstance(kind, str) else ""
        conn.send(_error("unknown_type", f"Unknown frame type{shown}: expected subscribe, "
                         "unsubscribe, typing or ping."))
        return
    raw_channel = frame.get("channel")
    try:
        name = channels.parse(raw_channel)
    except Invalid:
        conn.send(_error("unknown_channel", "Channels are space:{id}, topic:{id} or user:{id}.",
                         raw_channel if isinstance(raw_channel, str) else None))
        return
    channel = str(name)
    if kind == "unsubscribe":
        await live.unfollow(conn, channel, by_client=True)
        conn.send({"type": "unsubscribed", "channel": channel})
        return
    if kind == "typing":
        sub = conn.subscriptions.get(channel)
        if name.kind != "topic" or sub is None or not sub.by_client or conn.actor is None:
            conn.send(_error("not_subscribed",
                             "Sign in and subscribe to the topic before typing.", channel))
            return
        await live.presence.typing(channel, (conn.actor.id, conn.actor.display_name))
        return
    since = frame.get("since")
    if since is not None and (not isinstance(since, int) or isinstance(since, bool) or since < 0):
        conn.send(_error("invalid_since", "since is a sequence number (0 or more).", channel))
        return
    if len(conn.subscriptions) >= MAX_SUBSCRIPTIONS and channel not in conn.subscriptions:
        conn.send(_error("too_many_subscriptions", "Too many channels on one socket.", channel))
        return
    try:
        space_id = await live.permits.get((name, conn.actor))
    except (NotFound, Forbidden, NotSignedIn) as exc:
        code = "forbidden" if isinstance(exc, Forbidden) else "not_found"
        conn.send(_error(code, exc.message, channel))
        return
    except DomainError as exc:
        conn.send(_error(exc.code, exc.message, channel))
        return
    await _follow(live, conn, channel, space_id, since=since, by_client=True)


async def _replay(
    live: LiveService, conn: Connection, channel: str, since: int, up_to: int
) -> bool:
    """Send the stored events `since < seq <= up_to`, paced to what the client
    takes: never more than half the send buffer waits. False if the socket is
    closing, or was closed here because the client took nothing for too long."""
    budget = conn.limit // 2
    after = since
    while after < up_to:
        rows = await history.stored(live.ctx, channel, after, up_to, limit=REPLAY_PAGE)
        if not rows:
            break
        for _, text in rows:
            if conn.queued and conn.queued + len(text) > budget and not await conn.drained():
                if not conn.closing:
                    conn.close(CLOSE_TOO_SLOW, "too slow: reconnect and resubscribe with since")
                return False
            conn.enqueue(text)
        after = rows[-1][0]
    return not conn.closing


async def _follow(
    live: LiveService,
    conn: Connection,
    channel: str,
    space_id: int | None,
    *,
    since: int | None,
    by_client: bool,
) -> None:
    """Subscribe, then hand over from stored to live events without a gap or a duplicate."""
    existing = conn.subscriptions.get(channel)
    if existing is not None and existing.by_client:
        await live.unfollow(conn, channel, by_client=True)
        existing = conn.subscriptions.get(channel)
    if existing is not None:  # the internal user-channel subscription becomes the client's
        existing.by_client = True
        existing.live = False
        sub = existing
    else:
        sub = Subscription(channel, space_id, by_client)
        conn.subscriptions[channel] = sub
        await live.hub.subscribe(channel, conn)
    # A channel already live in this process starts where it is; only the first
    # socket to follow it reads where the database is.
    start = live.hub.last_forwarded(channel)
    stored_last: int | None = None
    if start is None:
        stored_last = await live.last_seqs.get(channel)
        start = live.hub.prime(channel, stored_last)
    if not by_client:
        sub.last = start
        sub.live = True
        return
    conn.send({"type": "subscribed", "channel": channel, "seq": start})
    resume_from = start
    if since is not None and since < start:
        if await history.can_resume(live.ctx, channel, since, start):
            if not await _replay(live, conn, channel, since, start):
                return  # closed meanwhile (too slow, signed out, gone)
        else:
            conn.send({"type": "reset", "channel": channel})
    elif since is not None and since > start:
        if stored_last is None:
            stored_last = await live.last_seqs.get(channel)
        if since > stored_last:
            # The client knows of events this database never had: start over.
            conn.send({"type": "reset", "channel": channel})
        else:
            # This process is a little behind the one the client came from.
            resume_from = since
    conn.go_live(sub, resume_from)
    if channel.startswith("topic:"):
        person = (conn.actor.id, conn.actor.display_name) if conn.actor else None
        await live.watch(channel, conn, person)

