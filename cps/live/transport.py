"""The WebSocket protocol CPS serves /ws with: uvicorn's sans-I/O protocol, which
also hands itself to the application in the ASGI scope.

With it, a socket's events skip the ASGI send path (Starlette's wrappers,
uvicorn's `send`, UTF-8 encoding and framing per socket): each event is
framed once per message and the same bytes are written to every socket's
transport (`cps.live.outlets.TransportOutlet`). The closing handshake, pings
and everything else stay uvicorn's. Served by another protocol or server,
/ws falls back to plain ASGI sends (`QueuedOutlet`).
"""

from __future__ import annotations

import logging
from typing import Any, Final

from uvicorn._types import ASGISendEvent
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from cps.config import Settings
from cps.live.inbox import Inbox
from cps.live.latch import Gate

EXTENSION: Final = "cps.transport"
# uvicorn's WebSocket protocol logs three INFO lines per socket (accepted, open,
# closed; cps/asgi.py drops them). Under CPS's protocol they go to this logger,
# which only passes warnings: the lines are never made, which at a reconnect
# storm's thousands of sockets is a tenth of a handshake's CPU.
QUIET_LOGGER: Final = logging.getLogger("uvicorn.error.websockets")
QUIET_LOGGER.setLevel(logging.WARNING)
PROTOCOL_PATH: Final = "cps.live.transport:FanoutProtocol"


class FanoutProtocol(WebSocketsSansIOProtocol):
    """uvicorn's protocol; the app finds it under `scope["extensions"][EXTENSION]`.

    `paused` says whether the transport's buffer is past its high-water mark:
    an attribute read, cheaper than asking the transport on every write."""

    paused = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.logger = QUIET_LOGGER
        # Lighter twins of the Queue and the Event uvicorn keeps per socket (about
        # 3.5 KiB, most of it deques that stay empty): see cps/live/inbox.py.
        self.queue = Inbox()  # type: ignore[assignment]
        self.writable = Gate()  # type: ignore[assignment]
        self.writable.set()

    def pause_writing(self) -> None:
        self.paused = True
        super().pause_writing()

    def resume_writing(self) -> None:
        self.paused = False
        super().resume_writing()

    async def run_asgi(self) -> None:
        extensions = self.scope.get("extensions")
        if extensions is not None:
            extensions[EXTENSION] = {"protocol": self}
        await super().run_asgi()

    async def send(self, message: ASGISendEvent) -> None:
        await super().send(message)
        if message["type"] == "websocket.accept" and self.handshake_complete:
            # uvicorn reads the handshake's request and response only until the
            # accept: let them go rather than keep a kilobyte of headers per socket.
            del self.request, self.response


def protocol_of(scope: Any) -> FanoutProtocol | None:
    extensions = scope.get("extensions") or {}
    protocol = (extensions.get(EXTENSION) or {}).get("protocol")
    return protocol if isinstance(protocol, FanoutProtocol) else None


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The WebSocket options every uvicorn that serves CPS runs with."""
    return {
        "ws": PROTOCOL_PATH,
        "ws_max_size": settings.ws_max_frame_bytes,
        # Events are framed once and written to every socket: compressing them
        # per socket would cost more CPU (and a zlib context per socket) than the
        # fan-out itself.
        "ws_per_message_deflate": False,
        "ws_ping_interval": settings.ws_heartbeat_seconds,
        "ws_ping_timeout": settings.ws_heartbeat_seconds,
    }
