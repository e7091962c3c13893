"""One WebSocket: its subscriptions, the replay/live seam, and a bounded send buffer.

Every frame to the client goes through `enqueue`, which hands the already
encoded text to the socket's outlet (`cps.live.outlets`): under `cps serve`
it is written to the socket at once, framed once per message. When what waits
to be sent passes `limit` bytes the client is too slow: it is closed with
`CLOSE_TOO_SLOW` and resumes with `since`, and the others never wait.

A replay is paced instead (`drained`): the stored events go out half a buffer
at a time, so a client may resume from any distance. Live events that arrive
meanwhile are held, also within half a buffer.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.types import Message
from starlette.websockets import WebSocket

from cps.broker.hub import encode_frame
from cps.live.latch import Latch
from cps.live.outlets import Framer, Outlet, QueuedOutlet, TransportOutlet
from cps.live.transport import protocol_of
from cps.services.context import Actor
from cps.services.events import channels

log = logging.getLogger("cps.live")

CLOSE_GOING_AWAY = 1001
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009
CLOSE_SIGNED_OUT = 4001
CLOSE_TOO_SLOW = 4008

PRESENCE_SYNC_PREFIX = '{"type":"presence_sync"'

# How long a replay waits for a client that takes nothing from its socket.
STALL_TIMEOUT = 30.0


@dataclass(slots=True)
class Subscription:
    channel: str
    space_id: int | None
    by_client: bool
    live: bool = False
    last: int = 0
    held: list[tuple[int, str]] = field(default_factory=list)
    held_bytes: int = 0


class Connection:
    """A hub subscriber for one socket. `deliver` never blocks."""

    def __init__(
        self,
        websocket: WebSocket,
        actor: Actor | None,
        *,
        limit: int,
        on_control: Callable[[Connection, dict[str, Any]], None],
        framer: Framer,
    ) -> None:
        self.websocket = websocket
        self.actor = actor
        self.limit = limit
        self.user_channel = channels.user(actor.id) if actor else None
        self.subscriptions: dict[str, Subscription] = {}
        self._on_control = on_control
        self._close_code: int | None = None
        self.closing = False  # a close was requested, or the peer is gone
        self.closed = Latch()  # the close frame went out, or the peer is gone
        self._reader: asyncio.Task[Any] | None = None
        self._reader_stopped = False
        protocol = protocol_of(websocket.scope)
        self.outlet: Outlet  # how frames leave for this socket (cps/live/outlets.py)
        if protocol is not None:
            self.outlet = TransportOutlet(websocket, protocol, framer, limit=limit,
                                           closed=self.closed)
        else:
            self.outlet = QueuedOutlet(websocket, limit=limit, closed=self.closed,
                                       on_gone=self._gone)

    # Hub callbacks.

    def deliver(self, channel: str, seq: int, text: str) -> None:
        sub = self.subscriptions.get(channel)
        if sub is None:
            return
        if channel == self.user_channel:
            self._control(text)
        if not sub.by_client:
            sub.last = max(sub.last, seq)
            return
        if not sub.live:
            sub.held.append((seq, text))
            sub.held_bytes += len(text)
            if sub.held_bytes > self.limit // 2:
                # Live events pile up faster than the replay goes out.
                self.close(CLOSE_TOO_SLOW, "too slow: reconnect and resubscribe with since")
            return
        if seq <= sub.last:
            return
        sub.last = seq
        self.enqueue(text)

    def deliver_ephemeral(self, channel: str, text: str) -> None:
        if text.startswith(PRESENCE_SYNC_PREFIX):
            return
        sub = self.subscriptions.get(channel)
        if sub is not None and sub.by_client and sub.live:
            self.enqueue(text)

    def _control(self, text: str) -> None:
        try:
            frame = json.loads(text)
        except ValueError:
            return
        if isinstance(frame, dict):
            self._on_control(self, frame)

    # The seam between stored and live events.

    def go_live(self, sub: Subscription, start: int) -> None:
        """Live delivery starts after `start`: send what was held meanwhile."""
        sub.last = start
        for seq, text in sorted(sub.held):
            if seq > sub.last:
                sub.last = seq
                self.enqueue(text)
        sub.held.clear()
        sub.held_bytes = 0
        sub.live = True

    # Receiving.

    async def receive(self) -> Message | None:
        """The client's next message; None once a close was requested."""
        if self.closing:
            return None
        task = asyncio.current_task()
        self._reader = task
        try:
            return await self.websocket.receive()
        except asyncio.CancelledError:
            # `close` stops the read; any other cancellation goes on.
            if self._reader_stopped and task is not None and task.uncancel() == 0:
                return None
            raise
        finally:
            self._reader = None

    def _stop_reading(self) -> None:
        if self._reader is not None and not self._reader_stopped:
            self._reader_stopped = True
            self._reader.cancel()

    # Sending.

    @property
    def queued(self) -> int:
        """Bytes waiting to be sent."""
        return self.outlet.buffered

    async def drained(self, patience: float = STALL_TIMEOUT) -> bool:
        """Wait until what was sent went to the socket. False if the socket is
        closing, or if the client took nothing for `patience` seconds."""
        if self._close_code is None and self.outlet.buffered:
            if not await self.outlet.drained(patience):
                return False
        return self._close_code is None

    def send(self, frame: dict[str, Any]) -> None:
        self.enqueue(encode_frame(frame))

    def enqueue(self, text: str) -> None:
        if self._close_code is not None:
            return
        if self.outlet.write(text):
            log.info("slow client closed", extra={"queued_bytes": self.outlet.buffered})
            self.close(CLOSE_TOO_SLOW, "too slow: reconnect and resubscribe with since")

    def close(self, code: int, reason: str = "") -> None:
        """Close after what was sent (at once when the client is too slow)."""
        if self._close_code is not None:
            return
        self._close_code = code
        self.closing = True
        self._stop_reading()
        self.outlet.close(code, reason, too_slow=code == CLOSE_TOO_SLOW)

    def _gone(self) -> None:
        """The peer went away mid-send."""
        self.closing = True
        self._stop_reading()

    async def finish(self) -> None:
        """The socket's handler is done: let a requested close frame go out."""
        await self.outlet.finish()
