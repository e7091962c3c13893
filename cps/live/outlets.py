"""How frames leave the process for one socket, and the bound on what waits.

`TransportOutlet` (under `cps.live.transport.FanoutProtocol`, how `cps serve`
runs) writes at once: the text is framed once per message (`Framer`) and the
bytes go straight to the socket's transport. What the kernel does not take at
once waits in the transport's buffer, which is the socket's bounded send
buffer: nothing else is kept per socket, no queue and no task.

`QueuedOutlet` is the fallback under any other ASGI server: a queue of texts
and a writer task that awaits `send_text` for each.

Both tell, from `write`, when more than the socket's limit waits (the
connection then closes it with 4008); `buffered` says how much waits, and
`drained` paces a replay.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from typing import Protocol

from starlette.websockets import WebSocket, WebSocketState
from websockets.frames import Frame, Opcode

from cps.live.latch import Latch
from cps.live.transport import FanoutProtocol

log = logging.getLogger("cps.live")

# How long a close frame may wait for the socket to take it. A slow client is
# not reading: it gets longer, so that when it reads again it finds the close
# code (and knows to resume with `since`) rather than a connection cut without
# a word.
CLOSE_TIMEOUT = 2.0
SLOW_CLOSE_TIMEOUT = 30.0


class Framer:
    """A text frame's bytes, built once per message.

    The hub hands the same `str` object to every socket of a channel in turn,
    so remembering the last one frames each message once, not once per socket."""

    __slots__ = ("text", "wire")

    def __init__(self) -> None:
        self.text: str | None = None
        self.wire = b""

    def frame(self, text: str) -> bytes:
        if text is not self.text:
            self.wire = Frame(Opcode.TEXT, text.encode()).serialize(mask=False)
            self.text = text
        return self.wire


class Outlet(Protocol):
    def write(self, text: str) -> bool:
        """Send `text` after what was written before, without waiting. True when
        more than the limit now waits: the client is too slow."""

    @property
    def buffered(self) -> int:
        """Bytes written but not yet taken by the socket."""

    async def drained(self, patience: float) -> bool:
        """Wait until little is buffered; False after `patience` seconds, or when
        a close was requested meanwhile."""

    def close(self, code: int, reason: str, *, too_slow: bool) -> None:
        """Send the close frame after what was written (at once when too slow)."""

    async def finish(self) -> None:
        """The socket's handler is done: let a requested close frame go out."""


async def _send_close(websocket: WebSocket, code: int, reason: str, patience: float) -> bool:
    """The closing handshake through ASGI; False if the socket did not take it in time."""
    try:
        if websocket.application_state == WebSocketState.CONNECTED:
            await asyncio.wait_for(websocket.close(code, reason), patience)
        return True
    except Exception as exc:
        log.debug("close failed", extra={"error": type(exc).__name__})
        return False


class TransportOutlet:
    def __init__(
        self,
        websocket: WebSocket,
        protocol: FanoutProtocol,
        framer: Framer,
        *,
        limit: int,
        closed: Latch,
    ) -> None:
        self._websocket = websocket
        self._protocol = protocol
        self._transport = protocol.transport
        self._framer = framer
        self._limit = limit
        self._closed = closed
        self._stop = Latch()
        self._closer: asyncio.Task[None] | None = None
        # The protocol's `writable` then means "less than half the limit waits":
        # a replay sends half a buffer at a time.
        self._transport.set_write_buffer_limits(high=max(limit // 2, 1))

    def write(self, text: str) -> bool:
        # Runs once per socket for every event: kept to a few C calls. Nothing is
        # written once the transport closes; a close frame sent by uvicorn (the
        # peer's close, a ping timeout, shutdown) closes it too, and the
        # connection writes nothing after its own close. Below the high-water
        # mark (half the limit) the buffer need not be measured.
        transport = self._transport
        if transport.is_closing():
            return False
        framer = self._framer
        transport.write(framer.wire if text is framer.text else framer.frame(text))
        return self._protocol.paused and transport.get_write_buffer_size() > self._limit

    @property
    def buffered(self) -> int:
        return self._transport.get_write_buffer_size()

    async def drained(self, patience: float) -> bool:
        writable = self._protocol.writable
        if writable.is_set():
            return not self._stop.is_set()
        waits = {asyncio.ensure_future(writable.wait()), asyncio.ensure_future(self._stop.wait())}
        try:
            await asyncio.wait(waits, timeout=patience, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()
        return writable.is_set() and not self._stop.is_set()

    def close(self, code: int, reason: str, *, too_slow: bool) -> None:
        self._stop.set()
        patience = SLOW_CLOSE_TIMEOUT if too_slow else CLOSE_TIMEOUT
        self._closer = asyncio.get_running_loop().create_task(
            self._close(code, reason, patience)
        )

    async def _close(self, code: int, reason: str, patience: float) -> None:
        try:
            if not await _send_close(self._websocket, code, reason, patience):
                self._transport.abort()  # the peer takes nothing: free the socket
        finally:
            self._closed.set()

    async def finish(self) -> None:
        closer = self._closer
        if closer is not None and not closer.done():
            await asyncio.wait({closer}, timeout=SLOW_CLOSE_TIMEOUT + CLOSE_TIMEOUT)
        self._closed.set()


class QueuedOutlet:
    """A deque of texts and a writer task per socket, for servers without the
    fan-out protocol."""

    def __init__(
        self, websocket: WebSocket, *, limit: int, closed: Latch, on_gone: Callable[[], None]
    ) -> None:
        self._websocket = websocket
        self._limit = limit
        self._closed = closed
        self._on_gone = on_gone
        self._queue: deque[str] = deque()
        self._queued = 0
        self._wake = asyncio.Event()
        self._empty = asyncio.Event()  # set whenever the queue is empty
        self._empty.set()
        self._close_frame: tuple[int, str] | None = None
        self._writer = asyncio.get_running_loop().create_task(self._write())

    def write(self, text: str) -> bool:
        self._queue.append(text)
        self._queued += len(text)
        self._wake.set()
        return self._queued > self._limit

    @property
    def buffered(self) -> int:
        return self._queued

    async def drained(self, patience: float) -> bool:
        if self._close_frame is None and self._queue:
            self._empty.clear()
            try:
                await asyncio.wait_for(self._empty.wait(), patience)
            except TimeoutError:
                return False
        return self._close_frame is None

    def close(self, code: int, reason: str, *, too_slow: bool) -> None:
        self._close_frame = (code, reason)
        self._empty.set()
        if too_slow:
            self._queue.clear()
            self._queued = 0
            # The writer waits for the socket to drain: replace it by one that only
            # sends the close frame (uvicorn writes nothing of a frame before the
            # socket is writable, so cancelling cuts no frame).
            self._writer.cancel()
            self._writer = asyncio.get_running_loop().create_task(
                self._finish_close(SLOW_CLOSE_TIMEOUT)
            )
            return
        self._wake.set()

    async def finish(self) -> None:
        """Returning before a requested close frame went out would cut the
        connection without it."""
        writer = self._writer
        if self._close_frame is not None and not writer.done():
            await asyncio.wait({writer}, timeout=SLOW_CLOSE_TIMEOUT + CLOSE_TIMEOUT)
            writer = self._writer
        writer.cancel()
        self._closed.set()

    async def _write(self) -> None:
        ws = self._websocket
        queue = self._queue
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                while queue:
                    text = queue.popleft()
                    self._queued -= len(text)
                    await ws.send_text(text)
                self._empty.set()
                if self._close_frame is not None:
                    await self._finish_close(CLOSE_TIMEOUT)
                    return
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the peer went away mid-send
            log.debug("send failed", extra={"error": type(exc).__name__})
            self._empty.set()
            self._closed.set()
            self._on_gone()

    async def _finish_close(self, patience: float) -> None:
        assert self._close_frame is not None
        try:
            await _send_close(self._websocket, *self._close_frame, patience)
        finally:
            self._closed.set()
