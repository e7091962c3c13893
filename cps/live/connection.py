"""One WebSocket: its subscriptions, the replay/live seam, and a bounded send buffer.

Every frame to the client goes through `enqueue`, which appends the already
encoded text to a deque and wakes the socket's writer. Nothing is encoded per
socket: event frames arrive encoded once per message from the hub. When what
waits to be sent passes `limit` bytes the client is too slow: it is closed
with `CLOSE_TOO_SLOW` and resumes with `since`, and the others never wait.

A replay is paced instead (`drained`): the stored events go out half a buffer
at a time, so a client may resume from any distance. Live events that arrive
meanwhile are held, also within half a buffer.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.websockets import WebSocket, WebSocketState

from cps.broker.hub import encode_frame
from cps.services.context import Actor

log = logging.getLogger("cps.live")

CLOSE_GOING_AWAY = 1001
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009
CLOSE_SIGNED_OUT = 4001
CLOSE_TOO_SLOW = 4008

PRESENCE_SYNC_PREFIX = '{"type":"presence_sync"'

# How long a replay waits for a client that takes nothing from its socket.
STALL_TIMEOUT = 30.0
# How long a close frame may wait for the socket to take it. A slow client is
# not reading: it gets longer, so that when it reads again it finds 4008 (and
# knows to resume with `since`) rather than a connection cut without a word.
CLOSE_TIMEOUT = 2.0
SLOW_CLOSE_TIMEOUT = 30.0


@dataclass
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
    ) -> None:
        self.websocket = websocket
        self.actor = actor
        self.limit = limit
        self.subscriptions: dict[str, Subscription] = {}
        self._on_control = on_control
        self._queue: deque[str] = deque()
        self._queued = 0
        self._wake = asyncio.Event()
        self._drained = asyncio.Event()  # set whenever the queue is empty
        self._drained.set()
        self._close_code: int | None = None
        self._close_reason = ""
        self.closing = asyncio.Event()  # a close was requested
        self.closed = asyncio.Event()  # the close frame went out, or the peer is gone
        self.writer: asyncio.Task[None] | None = None

    @property
    def user_channel(self) -> str | None:
        return f"user:{self.actor.id}" if self.actor else None

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

    # Sending.

    @property
    def queued(self) -> int:
        """Bytes waiting to be sent."""
        return self._queued

    async def drained(self, patience: float = STALL_TIMEOUT) -> bool:
        """Wait until everything queued went to the socket. False if the socket is
        closing, or if the client took nothing for `patience` seconds."""
        if self._close_code is None and self._queue:
            self._drained.clear()
            try:
                await asyncio.wait_for(self._drained.wait(), patience)
            except TimeoutError:
                return False
        return self._close_code is None

    def send(self, frame: dict[str, Any]) -> None:
        self.enqueue(encode_frame(frame))

    def enqueue(self, text: str) -> None:
        if self._close_code is not None:
            return
        self._queue.append(text)
        self._queued += len(text)
        if self._queued > self.limit:
            log.info("slow client closed", extra={"queued_bytes": self._queued})
            self.close(CLOSE_TOO_SLOW, "too slow: reconnect and resubscribe with since")
            return
        self._wake.set()

    def close(self, code: int, reason: str = "") -> None:
        """Close after what was queued (or at once when the client is too slow)."""
        if self._close_code is not None:
            return
        self._close_code = code
        self._close_reason = reason
        self.closing.set()
        self._drained.set()
        if code == CLOSE_TOO_SLOW:
            self._queue.clear()
            self._queued = 0
            if self.writer is not None:
                # The writer waits for the socket to drain: replace it by one that
                # only sends the close frame (uvicorn writes nothing of a frame
                # before the socket is writable, so cancelling cuts no frame).
                self.writer.cancel()
                self.writer = asyncio.get_running_loop().create_task(
                    self._send_close(SLOW_CLOSE_TIMEOUT)
                )
                return
        self._wake.set()

    async def finish(self) -> None:
        """The socket's handler is done: let a requested close frame go out, then
        stop the writer. Returning earlier would cut the connection without it."""
        writer = self.writer
        if writer is None:
            return
        if self._close_code is not None and not writer.done():
            await asyncio.wait({writer}, timeout=SLOW_CLOSE_TIMEOUT + CLOSE_TIMEOUT)
            writer = self.writer or writer
        writer.cancel()
        self.closed.set()

    async def write(self) -> None:
        """The socket's writer: drains the queue in order."""
        ws = self.websocket
        queue = self._queue
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                while queue:
                    text = queue.popleft()
                    self._queued -= len(text)
                    await ws.send_text(text)
                self._drained.set()
                if self._close_code is not None:
                    await self._send_close()
                    return
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the peer went away mid-send
            log.debug("send failed", extra={"error": type(exc).__name__})
            self.closing.set()
            self._drained.set()
            self.closed.set()

    async def _send_close(self, patience: float = CLOSE_TIMEOUT) -> None:
        try:
            if self.websocket.application_state == WebSocketState.CONNECTED:
                await asyncio.wait_for(
                    self.websocket.close(self._close_code or 1000, self._close_reason), patience
                )
        except Exception as exc:
            log.debug("close failed", extra={"error": type(exc).__name__})
        finally:
            self.closed.set()
