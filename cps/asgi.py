"""The application factory uvicorn imports (`cps.asgi:make_app`), and the drain on SIGTERM.

Left alone, uvicorn answers SIGTERM by closing every WebSocket at once with
1012 and only then waits for the requests in flight. CPS promises 1001
("going away": reconnect, resume with `since`) within the grace given to
`cps serve --grace`, so the signal reaches the application first:

1. `/readyz` answers 503 and a new WebSocket is closed with 1001 at once,
   so a load balancer and reconnecting clients go to another process;
2. every open socket gets what was already queued for it, then a 1001 close;
   this waits for the sockets to close, at most the grace;
3. the signal is handed to uvicorn: it stops listening, lets the requests in
   flight finish (again within the grace) and runs the lifespan shutdown.

A second SIGTERM during the drain changes nothing; a second SIGINT (Ctrl-C
twice) goes straight to uvicorn, which stops at once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
from types import FrameType
from typing import Any

from starlette.applications import Starlette
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cps import collector, logs
from cps.app import create_app
from cps.config import load_settings
from cps.http.middleware import SECURITY_HEADERS
from cps.live.connection import CLOSE_GOING_AWAY
from cps.live.service import LiveService

log = logging.getLogger("cps.drain")

# `cps serve --grace` hands its value to the worker processes in this variable.
GRACE_VARIABLE = "CPS_SERVE_GRACE"
DEFAULT_GRACE = 10.0
DRAIN_SIGNALS = (signal.SIGTERM, signal.SIGINT)

_SignalHandler = Any  # what signal.getsignal answers: a callable, SIG_DFL, SIG_IGN or None


def make_app() -> ASGIApp:
    logs.configure()
    logging.getLogger("uvicorn.error").addFilter(_per_connection_lines)
    try:
        grace = float(os.environ.get(GRACE_VARIABLE, DEFAULT_GRACE))
    except ValueError:
        grace = DEFAULT_GRACE
    return Drain(create_app(load_settings()), grace=max(0.0, grace))


def _per_connection_lines(record: logging.LogRecord) -> bool:
    """Drop the three INFO lines uvicorn writes for every WebSocket (accepted, open,
    closed): at thousands of sockets they cost more CPU than the sockets themselves,
    and a reconnection storm is when that hurts. CPS logs what matters itself."""
    if record.levelno != logging.INFO:
        return True
    message = str(record.msg)
    return not (message in {"connection open", "connection closed"}
                or message.startswith('%s - "WebSocket %s"'))


class Drain:
    """Pure ASGI: on SIGTERM or SIGINT, close the sockets with 1001, then let uvicorn stop."""

    def __init__(self, app: Starlette, *, grace: float) -> None:
        self.app = app
        self.grace = grace
        self.draining = False
        self._live: LiveService | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._previous: dict[int, _SignalHandler] = {}
        self._task: asyncio.Task[None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, self._watch_lifespan(scope, send))
            return
        if self.draining:
            if scope["type"] == "websocket":
                await _refuse_websocket(scope, receive, send)
                return
            if scope["type"] == "http" and scope["path"] == "/readyz":
                await _not_ready(send)
                return
        await self.app(scope, receive, send)

    # The lifespan: find the live service, install the signal handlers.

    def _watch_lifespan(self, scope: Scope, send: Send) -> Send:
        async def watched(message: Message) -> None:
            if message["type"] == "lifespan.startup.complete":
                live = (scope.get("state") or {}).get("live")
                if isinstance(live, LiveService):
                    self._live = live
                self._install()
                collector.settle()
            elif message["type"] == "lifespan.shutdown.complete":
                self._uninstall()
            await send(message)

        return watched

    def _install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # signals only reach the main thread
        self._loop = asyncio.get_running_loop()
        for sig in DRAIN_SIGNALS:
            self._previous[sig] = signal.getsignal(sig)
            signal.signal(sig, self._on_signal)

    def _uninstall(self) -> None:
        for sig, previous in self._previous.items():
            if signal.getsignal(sig) == self._on_signal:
                signal.signal(sig, previous if previous is not None else signal.SIG_DFL)
        self._previous.clear()

    # The drain.

    def _on_signal(self, sig: int, frame: FrameType | None) -> None:
        if self.draining or self._loop is None:
            if sig == signal.SIGINT or self._loop is None:
                self._hand_over(sig, frame)
            return
        self.draining = True
        self._loop.call_soon_threadsafe(self._start, sig)

    def _start(self, sig: int) -> None:
        self._task = asyncio.get_running_loop().create_task(self._drain(sig))

    async def _drain(self, sig: int) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        connections = list(self._live.connections) if self._live is not None else []
        log.info("draining", extra={"signal": signal.Signals(sig).name,
                                    "websockets": len(connections), "grace": self.grace})
        try:
            for conn in connections:
                conn.close(CLOSE_GOING_AWAY, "server shutting down: reconnect")
            if connections:
                waiters = [asyncio.ensure_future(c.closed.wait()) for c in connections]
                _, late = await asyncio.wait(waiters, timeout=self.grace)
                for waiter in late:
                    waiter.cancel()
                if late:
                    log.warning("websockets still open after the grace",
                                extra={"websockets": len(late)})
        except Exception:
            log.exception("drain failed")
        finally:
            log.info("websockets drained",
                     extra={"seconds": round(loop.time() - started, 3)})
            self._hand_over(sig, None)

    def _hand_over(self, sig: int, frame: FrameType | None) -> None:
        """Let whoever handled the signal before us (uvicorn) handle it now."""
        previous = self._previous.get(sig, signal.SIG_DFL)
        if callable(previous):
            previous(sig, frame)
        elif previous in (signal.SIG_DFL, None):
            signal.signal(sig, signal.SIG_DFL)
            signal.raise_signal(sig)


async def _refuse_websocket(scope: Scope, receive: Receive, send: Send) -> None:
    """A handshake that arrives while this process shuts down is accepted and closed
    at once with 1001, as the open sockets were: the client goes elsewhere."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.close", "code": CLOSE_GOING_AWAY,
                "reason": "server shutting down: reconnect"})


async def _not_ready(send: Send) -> None:
    body = (b'{"status":"unavailable","checks":{"process":"draining"},'
            b'"error":{"code":"unavailable","message":"Down: this process is shutting down."}}')
    await send({"type": "http.response.start", "status": 503,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"retry-after", b"1"), *SECURITY_HEADERS]})
    await send({"type": "http.response.body", "body": body})
