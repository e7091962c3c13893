"""The load: WebSocket client processes and posting processes for bench/fanout.py.

Client processes hold many sockets each. A socket is a bare asyncio
Protocol speaking RFC 6455 (handshake, masked client frames, pong): the
`websockets` client spends ~20 µs of Python per message in futures and
assemblers, and the load, pinned to one core, must stay far cheaper than
the server it measures. Event frames are read without a JSON parse: CPS
encodes `{"type":"event","channel":C,"seq":N,...}` in that order (see
cps/broker/hub.py `encode_frame`), and anything else falls back to
`json.loads`. Per socket the client checks that seqs arrive in order, once,
with no gap, and records post→delivery latency from the send time the
poster wrote into each post's body (`t=<unix time> post <n>`).

Posting processes post at a fixed rate (open loop: a slow answer does not
delay the next post) over HTTP to CPS, or over the baseline's control port.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import json
import os
import resource
import time
import zlib
from array import array
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, cast

from bench.common import (
    OP_CLOSE,
    OP_CONT,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    client_frame,
    close_payload,
    percentile,
    pin_self,
)

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MAX_SAMPLES = 8_000_000  # latency samples kept per client process
CONNECT_TIMEOUT = 30.0
CONNECT_ATTEMPTS = 3


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _event_loop_runner() -> Any:
    try:
        import uvloop
    except ImportError:
        return asyncio.run
    return uvloop.run


# Client processes.


@dataclass
class ClientSpec:
    host: str
    port: int
    path: str
    channels: list[str]  # one per socket
    core: int | None
    deflate: bool = False  # offer permessage-deflate, as browsers do
    connect_concurrency: int = 64


@dataclass
class SocketResult:
    channel: str
    subscribed_seq: int | None
    last: int
    received: int
    duplicates: int
    out_of_order: int
    missing: int  # gaps seen and never filled
    foreign: int  # events of a channel this socket did not subscribe to
    close_code: int | None


@dataclass
class ClientReport:
    connected: int
    failed: int
    sockets: list[SocketResult]
    latencies: bytes  # array("d") of seconds
    presence_frames: int
    cpu_seconds: float  # this client process's own CPU time, start to report
    deflated: int  # sockets with permessage-deflate
    other_frames: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


class ClientSocket(asyncio.Protocol):
    """One WebSocket subscribed to one channel."""

    def __init__(self, owner: ClientProcess, channel: str) -> None:
        self.owner = owner
        self.channel = channel
        self.key = base64.b64encode(os.urandom(16))
        self.event_prefix = b'{"type":"event","channel":"' + channel.encode() + b'","seq":'
        self.transport: asyncio.Transport | None = None
        self.inflate: Any = None  # a zlib decompressor once deflate is agreed
        self.compressed = False  # the message being read is compressed
        self.upgraded = False
        self.buffer = bytearray()
        self.fragments: list[bytes] = []
        self.subscribed: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.subscribed_seq: int | None = None
        self.since: int | None = None  # sent with the subscribe when set (a resume)
        self.last = 0
        self.gaps: set[int] = set()
        self.received = 0
        self.duplicates = 0
        self.out_of_order = 0
        self.foreign = 0
        self.close_code: int | None = None
        self.lost_connection = False

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        spec = self.owner.spec
        offer = (
            "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
            if spec.deflate else ""
        )
        self.transport.write(
            f"GET {spec.path} HTTP/1.1\r\nHost: {spec.host}:{spec.port}\r\n"
            f"Upgrade: websocket\r\nConnection: Upgrade\r\n{offer}"
            f"Sec-WebSocket-Key: {self.key.decode()}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
        )

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost_connection = True
        if not self.subscribed.done():
            self.subscribed.set_exception(ConnectionError(f"connection lost: {exc!r}"))

    def data_received(self, data: bytes) -> None:
        buf = self.buffer
        buf += data
        if not self.upgraded and not self._handshake():
            return
        now = time.time()
        pos = 0
        end = len(buf)
        while end - pos >= 2:
            b0 = buf[pos]
            length = buf[pos + 1] & 0x7F
            head = 2
            if length == 126:
                if end - pos < 4:
                    break
                length = int.from_bytes(buf[pos + 2 : pos + 4], "big")
                head = 4
            elif length == 127:
                if end - pos < 10:
                    break
                length = int.from_bytes(buf[pos + 2 : pos + 10], "big")
                head = 10
            if end - pos < head + length:
                break
            payload = bytes(buf[pos + head : pos + head + length])
            pos += head + length
            opcode = b0 & 0x0F
            if opcode != OP_CONT and opcode < 8:
                self.compressed = bool(b0 & 0x40)  # RSV1 on a message's first frame
            if not b0 & 0x80:  # a fragment: keep until the final one
                self.fragments.append(payload)
                continue
            if opcode == OP_CONT:
                self.fragments.append(payload)
                payload = b"".join(self.fragments)
                self.fragments.clear()
                opcode = OP_TEXT
            if self.compressed and opcode == OP_TEXT and self.inflate is not None:
                payload = self.inflate.decompress(payload + b"\x00\x00\xff\xff")
            if opcode == OP_TEXT:
                self._text(payload, now)
            elif opcode == OP_PING:
                self._write(client_frame(payload, OP_PONG))
            elif opcode == OP_CLOSE:
                self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
                self._write(client_frame(payload[:2], OP_CLOSE))
                if self.transport is not None:
                    self.transport.close()
        del buf[:pos]

    # Internals.

    def _write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def _handshake(self) -> bool:
        buf = self.buffer
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            if len(buf) > 16384:
                self._fail("handshake answer too long")
            return False
        head = bytes(buf[:end]).decode("latin-1")
        del buf[: end + 4]
        lines = head.split("\r\n")
        if " 101 " not in lines[0] + " ":
            self._fail(f"handshake refused: {lines[0]!r}")
            return False
        expected = base64.b64encode(hashlib.sha1(self.key + WS_GUID).digest()).decode()
        accept = next(
            (ln.split(":", 1)[1].strip() for ln in lines[1:]
             if ln.lower().startswith("sec-websocket-accept:")),
            "",
        )
        if accept != expected:
            self._fail("bad Sec-WebSocket-Accept")
            return False
        if any(ln.lower().startswith("sec-websocket-extensions:") and "permessage-deflate" in ln
               for ln in lines[1:]):
            self.inflate = zlib.decompressobj(-15)
            self.owner.deflated += 1
        self.upgraded = True
        subscribe: dict[str, Any] = {"type": "subscribe", "channel": self.channel}
        if self.since is not None:
            subscribe["since"] = self.since
        self.send_json(subscribe)
        return True

    def _fail(self, why: str) -> None:
        if not self.subscribed.done():
            self.subscribed.set_exception(ConnectionError(why))
        if self.transport is not None:
            self.transport.close()

    def send_json(self, frame: dict[str, Any]) -> None:
        self._write(client_frame(json.dumps(frame).encode()))

    def close(self) -> None:
        self._write(client_frame(close_payload(1000), OP_CLOSE))

    def _text(self, payload: bytes, now: float) -> None:
        prefix = self.event_prefix
        if payload.startswith(prefix):
            cut = len(prefix)
            seq = int(payload[cut : payload.index(b",", cut)])
            mark = payload.find(b'"body":"t=', cut)
            sent_at = (
                float(payload[mark + 10 : payload.index(b" ", mark + 10)]) if mark > 0 else 0.0
            )
            self._event(seq, now, sent_at)
            return
        owner = self.owner
        try:
            frame = json.loads(payload)
        except ValueError:
            owner.count_other("not_json")
            return
        kind = frame.get("type") if isinstance(frame, dict) else None
        if kind == "event":
            if frame.get("channel") != self.channel:
                self.foreign += 1
                return
            body = str((frame.get("data") or {}).get("body", ""))
            sent_at = float(body[2:].split(" ", 1)[0]) if body.startswith("t=") else 0.0
            self._event(int(frame["seq"]), now, sent_at)
        elif kind == "presence":
            owner.presence_frames += 1
        elif kind == "subscribed" and frame.get("channel") == self.channel:
            self.subscribed_seq = self.last = int(frame["seq"])
            if not self.subscribed.done():
                self.subscribed.set_result(self.last)
        else:
            owner.count_other(str(kind))
            if kind in {"error", "reset"} and len(owner.errors) < 20:
                owner.errors.append(payload.decode(errors="replace")[:300])

    def _event(self, seq: int, now: float, sent_at: float) -> None:
        owner = self.owner
        self.received += 1
        owner.events += 1
        if sent_at and len(owner.latencies) < MAX_SAMPLES:
            owner.latencies.append(now - sent_at)
        last = self.last
        if seq == last + 1:
            self.last = seq
        elif seq > last:
            self.gaps.update(range(last + 1, seq))
            self.last = seq
        elif seq in self.gaps:
            self.gaps.discard(seq)
            self.out_of_order += 1
        else:
            self.duplicates += 1

    def result(self) -> SocketResult:
        return SocketResult(
            channel=self.channel,
            subscribed_seq=self.subscribed_seq,
            last=self.last,
            received=self.received,
            duplicates=self.duplicates,
            out_of_order=self.out_of_order,
            missing=len(self.gaps),
            foreign=self.foreign,
            close_code=self.close_code,
        )


def _same(sock: ClientSocket) -> ClientSocket:
    return sock


class ClientProcess:
    def __init__(self, spec: ClientSpec, pipe: Connection) -> None:
        self.spec = spec
        self.pipe = pipe
        self.sockets: list[ClientSocket] = []
        self.latencies: array[float] = array("d")
        self.events = 0
        self.presence_frames = 0
        self.other: dict[str, int] = {}
        self.errors: list[str] = []
        self.failed = 0
        self.deflated = 0  # sockets where the server agreed to permessage-deflate

    def count_other(self, kind: str) -> None:
        self.other[kind] = self.other.get(kind, 0) + 1

    async def _connect(self, channel: str, gate: asyncio.Semaphore) -> None:
        loop = asyncio.get_running_loop()
        for attempt in range(CONNECT_ATTEMPTS):
            async with gate:
                sock = ClientSocket(self, channel)
                try:
                    await asyncio.wait_for(
                        loop.create_connection(functools.partial(_same, sock), self.spec.host,
                                               self.spec.port),
                        CONNECT_TIMEOUT,
                    )
                    await asyncio.wait_for(asyncio.shield(sock.subscribed), CONNECT_TIMEOUT)
                except (TimeoutError, OSError) as exc:
                    if sock.transport is not None:
                        sock.transport.close()
                    if attempt == CONNECT_ATTEMPTS - 1:
                        self.failed += 1
                        if len(self.errors) < 20:
                            self.errors.append(f"connect {channel}: {exc!r}")
                    await asyncio.sleep(0.2 * (attempt + 1))
                    continue
            self.sockets.append(sock)
            return

    async def _progress(self) -> None:
        while True:
            await asyncio.sleep(5)
            self.pipe.send(("progress", len(self.sockets)))

    async def _next_command(self) -> Any:
        # A thread, not loop.add_reader: the loop would make the pipe non-blocking,
        # and a large report would then fail half-sent.
        return await asyncio.to_thread(self.pipe.recv)

    async def run(self) -> None:
        gate = asyncio.Semaphore(self.spec.connect_concurrency)
        progress = asyncio.create_task(self._progress())
        await asyncio.gather(*(self._connect(ch, gate) for ch in self.spec.channels))
        progress.cancel()
        self.pipe.send(("ready", len(self.sockets), self.failed, self.errors[:5]))
        command = await self._next_command()
        if command[0] == "finish":
            _, finals, wait = command
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and not self._caught_up(finals):
                await asyncio.sleep(0.05)
        self.pipe.send(self.report())
        for sock in self.sockets:
            sock.close()
        await asyncio.sleep(0.3)
        for sock in self.sockets:
            if sock.transport is not None:
                sock.transport.close()

    def _caught_up(self, finals: dict[str, int]) -> bool:
        return all(
            s.lost_connection or (s.last >= finals.get(s.channel, 0) and not s.gaps)
            for s in self.sockets
        )

    def report(self) -> ClientReport:
        return ClientReport(
            connected=len(self.sockets),
            failed=self.failed,
            sockets=[s.result() for s in self.sockets],
            latencies=self.latencies.tobytes(),
            presence_frames=self.presence_frames,
            cpu_seconds=_own_cpu(),
            deflated=self.deflated,
            other_frames=dict(self.other),
            errors=self.errors[:20],
        )


def client_main(spec: ClientSpec, pipe: Connection) -> None:
    """Process entry point: open the sockets, report ready, wait for `finish`."""
    pin_self(spec.core)
    try:
        _event_loop_runner()(ClientProcess(spec, pipe).run())
    except Exception as exc:  # report instead of dying silently
        pipe.send(("crashed", repr(exc)))
    finally:
        pipe.close()


# Posting processes.


@dataclass
class PosterSpec:
    index: int  # this poster's number among `posters`
    posters: int
    rate: float  # posts per second, all posters together
    duration: float
    start_at: float  # unix time of the first post (all posters)
    channels: list[str]
    core: int | None
    run_id: str
    # CPS: POST {base_url}/topics/{id}/posts with the bearer token.
    base_url: str = ""
    token: str = ""
    # Baseline: "fire <channel> <t>" lines to this control port.
    control_port: int = 0
    max_in_flight: int = 256


@dataclass
class PosterReport:
    sent: int
    ok: int
    errors: dict[str, int]
    answer_latencies: list[float]  # seconds, sorted
    late: int  # posts that left more than 50 ms after their slot
    cpu_seconds: float = 0.0
    sent_per_channel: dict[str, int] = field(default_factory=dict)


def _slots(spec: PosterSpec) -> list[tuple[int, float, str]]:
    """(global index, unix time, channel) of this poster's posts."""
    total = int(spec.rate * spec.duration)
    step = 1.0 / spec.rate
    return [
        (i, spec.start_at + i * step, spec.channels[i % len(spec.channels)])
        for i in range(spec.index, total, spec.posters)
    ]


async def _post_cps(spec: PosterSpec) -> PosterReport:
    import httpx

    slots = _slots(spec)
    errors: dict[str, int] = {}
    answers: list[float] = []
    ok = late = 0
    gate = asyncio.Semaphore(spec.max_in_flight)
    headers = {"Authorization": f"Bearer {spec.token}"}
    limits = httpx.Limits(max_connections=spec.max_in_flight, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=spec.base_url, headers=headers, limits=limits,
                                 timeout=30.0) as http:

        async def post(n: int, channel: str) -> None:
            nonlocal ok
            topic_id = channel.split(":", 1)[1]
            sent = time.time()
            body = {"body": f"t={sent:.6f} post {n}", "client_id": f"{spec.run_id}-{n}"}
            try:
                r = await http.post(f"/topics/{topic_id}/posts", json=body)
            except httpx.HTTPError as exc:
                key = type(exc).__name__
                errors[key] = errors.get(key, 0) + 1
            else:
                if r.status_code == 201:
                    ok += 1
                else:
                    key = f"HTTP {r.status_code}"
                    errors[key] = errors.get(key, 0) + 1
            answers.append(time.time() - sent)
            gate.release()

        tasks = []
        for n, at, channel in slots:
            delay = at - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -0.05:
                late += 1
            await gate.acquire()
            tasks.append(asyncio.create_task(post(n, channel)))
        if tasks:
            await asyncio.wait(tasks, timeout=60)
    return PosterReport(len(slots), ok, errors, sorted(answers), late)


async def _post_baseline(spec: PosterSpec) -> PosterReport:
    slots = _slots(spec)
    _, writer = await asyncio.open_connection("127.0.0.1", spec.control_port)
    late = 0
    per_channel: dict[str, int] = {}
    for _, at, channel in slots:
        delay = at - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        elif delay < -0.05:
            late += 1
        writer.write(f"fire {channel} {time.time():.6f}\n".encode())
        per_channel[channel] = per_channel.get(channel, 0) + 1
    await writer.drain()
    writer.close()
    return PosterReport(len(slots), len(slots), {}, [], late, sent_per_channel=per_channel)


def poster_main(spec: PosterSpec, pipe: Connection) -> None:
    pin_self(spec.core)
    try:
        coro = _post_cps(spec) if spec.base_url else _post_baseline(spec)
        report = _event_loop_runner()(coro)
        report.cpu_seconds = _own_cpu()
        pipe.send(report)
    except Exception as exc:
        pipe.send(("crashed", repr(exc)))
    finally:
        pipe.close()


def latency_summary(samples: array[float]) -> dict[str, float]:
    values = sorted(samples)
    return {f"p{q}": percentile(values, q) * 1000 for q in (50, 95, 99)} | {
        "max": (values[-1] * 1000) if values else float("nan")
    }
