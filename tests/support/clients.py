"""WebSocket clients that speak CPS's frames.

- `LiveClient` / `live_client`: one connection, read frame by frame.
- `Follower`: a client as a browser should be: it follows channels, checks that
  every channel's `seq` goes up by one, and when its socket drops it reconnects
  (to the next URL, after a jittered backoff) and resubscribes with `since` = the
  last seq it saw.
- `StalledClient`: a client that stops reading.
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.client import ClientProtocol
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.frames import Close, Opcode
from websockets.frames import Frame as WireFrame
from websockets.protocol import State
from websockets.typing import Origin
from websockets.uri import parse_uri

from tests.support.waiting import eventually

Frame = dict[str, Any]


class LiveClient:
    """A `websockets` client that speaks CPS's frames.

    Presence frames are ephemeral and may come at any time: the readers skip
    them unless asked for, and keep them in `presence_frames`."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.presence_frames: list[Frame] = []

    async def send(self, frame: Frame | str) -> None:
        await self.ws.send(frame if isinstance(frame, str) else json.dumps(frame))

    async def recv(self, timeout: float = 5.0, *, presence: bool = False) -> Frame:
        """The next frame (presence frames skipped unless `presence`)."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no frame within {timeout} s")
            try:
                raw = await asyncio.wait_for(self.ws.recv(), remaining)
            except TimeoutError:
                raise TimeoutError(f"no frame within {timeout} s") from None
            frame: Frame = json.loads(raw)
            if frame.get("type") == "presence":
                self.presence_frames.append(frame)
                if not presence:
                    continue
            return frame

    async def expect(self, kind: str, timeout: float = 5.0, **fields: Any) -> Frame:
        """The next frame, which must be of type `kind` with these fields."""
        frame = await self.recv(timeout, presence=kind == "presence")
        assert frame.get("type") == kind, frame
        for key, value in fields.items():
            assert frame.get(key) == value, (key, frame)
        return frame

    async def subscribe(self, channel: str, since: int | None = None) -> int:
        """Subscribe; answers the `seq` of the `subscribed` frame."""
        frame: Frame = {"type": "subscribe", "channel": channel}
        if since is not None:
            frame["since"] = since
        await self.send(frame)
        answer = await self.expect("subscribed", channel=channel)
        return int(answer["seq"])

    async def events(self, channel: str, count: int, timeout: float = 5.0) -> list[Frame]:
        """The next `count` frames, which must all be events of `channel`."""
        deadline = time.monotonic() + timeout
        got: list[Frame] = []
        while len(got) < count:
            try:
                frame = await self.recv(max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                raise AssertionError(
                    f"{len(got)} of {count} events on {channel} within {timeout} s: "
                    f"{[f['seq'] for f in got]}") from None
            assert frame.get("type") == "event" and frame.get("channel") == channel, frame
            got.append(frame)
        return got

    async def quiet(self, duration: float) -> None:
        """Nothing but presence frames arrives for `duration` seconds."""
        try:
            frame = await self.recv(duration)
        except TimeoutError:
            return
        raise AssertionError(f"expected nothing, got {frame}")

    async def presence(self, channel: str, until: Callable[[Frame], bool],
                       timeout: float = 5.0) -> Frame:
        """Read until a presence frame of `channel` satisfies `until`; other frames
        are dropped."""
        for frame in reversed(self.presence_frames):
            if frame.get("channel") == channel:
                if until(frame):
                    return frame
                break
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                last = [f for f in self.presence_frames if f.get("channel") == channel][-1:]
                raise AssertionError(f"presence not as expected within {timeout} s; last: {last}")
            try:
                frame = await self.recv(remaining, presence=True)
            except TimeoutError:
                continue
            if frame.get("type") == "presence" and frame.get("channel") == channel and until(frame):
                return frame

    async def closed_with(self, timeout: float = 5.0) -> int | None:
        """Read (and drop) frames until the server closes; answers the close code."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    await self.ws.recv()
        except ConnectionClosed as exc:
            return exc.rcvd.code if exc.rcvd is not None else None
        except TimeoutError:
            raise AssertionError(f"the socket was not closed within {timeout} s") from None

    async def close(self) -> None:
        await self.ws.close()


@asynccontextmanager
async def live_client(
    ws_url: str,
    token: str | None = None,
    *,
    origin: str | None = None,
    query_token: bool = False,
    cookie: str | None = None,
    **kwargs: Any,
) -> AsyncIterator[LiveClient]:
    """A connected client: bearer header by default, `?token=` with `query_token`."""
    headers: dict[str, str] = {}
    url = ws_url
    if token is not None and query_token:
        url = f"{ws_url}?token={token}"
    elif token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if cookie is not None:
        headers["Cookie"] = f"cps_session={cookie}"
    async with connect(url, additional_headers=headers,
                       origin=Origin(origin) if origin else None, open_timeout=5,
                       close_timeout=2, **kwargs) as ws:
        yield LiveClient(ws)


# --- a client that resumes -----------------------------------------------------------

RETRY_LATER = {"unavailable", "rate_limited"}  # error codes a client retries after a while


@dataclass
class ChannelLog:
    """What one client saw on one channel."""

    seqs: list[int] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    arrived: list[int] = field(default_factory=list)  # every seq as it came, duplicates too
    gaps: list[tuple[int, int]] = field(default_factory=list)  # (last seen, then got)
    duplicates: list[int] = field(default_factory=list)
    resets: int = 0

    @property
    def last(self) -> int | None:
        return self.seqs[-1] if self.seqs else None


class Follower:
    """Follows channels over /ws; on a dropped socket, reconnects with jitter and
    resumes with `since`. Every frame's arrival time is kept for latency figures."""

    def __init__(
        self,
        urls: Sequence[str],
        channels: Sequence[str],
        *,
        token: str | None = None,
        backoff: tuple[float, float] = (0.05, 2.0),
        on_event: Callable[[str, dict[str, Any], float], None] | None = None,
        since: int | None = 0,
    ) -> None:
        self.urls = list(urls)
        self.first_since = since  # the first subscription's `since`: 0 replays everything
        self.channels = list(channels)
        self.token = token
        self.backoff = backoff
        self.on_event = on_event
        self.logs: dict[str, ChannelLog] = {c: ChannelLog() for c in channels}
        self.close_codes: list[int | None] = []
        self.connections = 0
        self.attempt = 0
        self.url_index = 0
        self.subscribed = asyncio.Event()  # set while every channel is subscribed
        self.resumed_at: float | None = None
        self.errors: list[dict[str, Any]] = []
        self._stop = asyncio.Event()
        self._ws: ClientConnection | None = None
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.task = asyncio.create_task(self.run())

    async def __aenter__(self) -> Follower:
        self.start()
        await asyncio.wait_for(self.subscribed.wait(), 10)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def stop(self) -> None:
        self._stop.set()
        if self._ws is not None:
            await self._ws.close()
        if self.task is not None:
            await asyncio.wait_for(self.task, 10)

    def drop(self) -> None:
        """Abort the socket from the client side."""
        if self._ws is not None:
            self._ws.transport.abort()

    def seen(self, channel: str) -> list[int]:
        return self.logs[channel].seqs

    async def wait_for(self, channel: str, count: int, timeout: float) -> None:
        """Until `count` events of `channel` arrived (duplicates count)."""
        arrived = self.logs[channel].arrived
        await eventually(lambda: len(arrived) >= count, timeout,
                         f"{count} events on {channel} (have {arrived})", interval=0.05)

    async def run(self) -> None:
        self.attempt = 0
        while not self._stop.is_set():
            url = self.urls[self.url_index % len(self.urls)]
            headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
            try:
                async with connect(url, additional_headers=headers, open_timeout=10,
                                   close_timeout=1, max_size=2**22, ping_interval=None) as ws:
                    self._ws = ws
                    self.connections += 1
                    try:
                        await self._session(ws)
                    except ConnectionClosed:
                        pass
                    # What the server said when it closed (1006: it said nothing).
                    self.close_codes.append(ws.close_code)
            except (OSError, InvalidHandshake, TimeoutError) as exc:
                self.close_codes.append(None)
                self.errors.append({"connect": repr(exc)})
            finally:
                self._ws = None
                self.subscribed.clear()
            if self._stop.is_set():
                return
            # Exponential backoff with "equal jitter", as web/static/live.js does;
            # the next attempt goes to the next server.
            self.url_index += 1
            low, cap = self.backoff
            base = min(cap, low * 2**self.attempt)
            delay = base / 2 + random.uniform(0, base / 2)
            self.attempt += 1
            try:
                await asyncio.wait_for(self._stop.wait(), delay)
            except TimeoutError:
                pass

    async def _session(self, ws: ClientConnection) -> None:
        pending = set(self.channels)
        for channel in self.channels:
            frame: dict[str, Any] = {"type": "subscribe", "channel": channel}
            last = self.logs[channel].last
            since = last if last is not None else self.first_since
            if since is not None:
                frame["since"] = since
            await ws.send(json.dumps(frame))
        async for raw in ws:
            now = time.monotonic()
            frame = json.loads(raw)
            kind = frame.get("type")
            if kind == "event":
                self._event(frame, now)
            elif kind == "subscribed":
                pending.discard(frame["channel"])
                if not pending:
                    self.subscribed.set()
                    self.attempt = 0  # the backoff starts over once fully back
                    if self.connections > 1:
                        self.resumed_at = now
            elif kind == "reset":
                self.logs[frame["channel"]].resets += 1
            elif kind == "error":
                self.errors.append(frame)
                ours = frame.get("channel") in self.logs
                if frame.get("code") in RETRY_LATER and (pending or ours):
                    # The server could not take a subscription now: back off and
                    # come back (the error may not say which channel it was). It
                    # may come after `subscribed`, when the replay that follows it
                    # failed: the server then no longer follows the channel, as
                    # web/static/live.js knows too.
                    await ws.close(1000)
                    return

    def _event(self, frame: dict[str, Any], now: float) -> None:
        log = self.logs.get(frame["channel"])
        if log is None:
            return
        seq = int(frame["seq"])
        log.arrived.append(seq)
        last = log.last
        if last is not None and seq <= last:
            log.duplicates.append(seq)
            return
        if last is not None and seq != last + 1:
            log.gaps.append((last, seq))
        log.seqs.append(seq)
        log.events.append(frame)
        if self.on_event is not None:
            self.on_event(frame["channel"], frame, now)


def contiguous(seqs: Sequence[int], first: int = 1) -> bool:
    return list(seqs) == list(range(first, first + len(seqs)))


class StalledClient:
    """A WebSocket client that stops reading: a tiny receive buffer and a socket
    nobody reads, so what the server sends piles up on the server's side. `drain()`
    reads again and answers the frames and the close code that arrive."""

    def __init__(self, ws_url: str) -> None:
        self.ws_url = ws_url
        self.protocol = ClientProtocol(parse_uri(ws_url), max_size=2**24)
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def open(self, receive_buffer: int = 4096) -> None:
        uri = parse_uri(self.ws_url)
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (uri.host, uri.port))
        self._reader, self._writer = await asyncio.open_connection(sock=sock, limit=2**16)
        self.protocol.send_request(self.protocol.connect())
        self._flush()
        while self.protocol.state is State.CONNECTING:
            data = await asyncio.wait_for(self._reader.read(4096), 5)
            if not data:
                raise ConnectionError("closed during the handshake")
            self.protocol.receive_data(data)
        if self.protocol.handshake_exc is not None:
            raise self.protocol.handshake_exc
        self.protocol.events_received()  # the handshake response

    def send(self, frame: dict[str, Any]) -> None:
        self.protocol.send_text(json.dumps(frame).encode())
        self._flush()

    def _flush(self) -> None:
        assert self._writer is not None
        self._writer.write(b"".join(self.protocol.data_to_send()))

    async def drain(self, timeout: float) -> tuple[list[dict[str, Any]], int | None]:
        """Read until the server closes (or `timeout`): the frames, and the close code."""
        assert self._reader is not None
        frames: list[dict[str, Any]] = []
        code: int | None = None
        deadline = time.monotonic() + timeout
        while code is None and time.monotonic() < deadline:
            try:
                data = await asyncio.wait_for(self._reader.read(2**16),
                                              max(0.01, deadline - time.monotonic()))
            except TimeoutError:
                break
            if not data:
                break
            self.protocol.receive_data(data)
            for event in self.protocol.events_received():
                if isinstance(event, WireFrame) and event.opcode is Opcode.TEXT:
                    frames.append(json.loads(bytes(event.data)))
                elif isinstance(event, WireFrame) and event.opcode is Opcode.CLOSE:
                    code = Close.parse(event.data).code
        return frames, code

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
