"""Real servers for the live tests: `cps serve` subprocesses, an in-process
uvicorn, a private redis-server, and WebSocket clients that speak the protocol.

Everything listens on 127.0.0.1 on a free port. Subprocesses log to a file in
their working directory; `AppServer.log()` shows it when something fails.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

from cps.live.transport import PROTOCOL_PATH

SECRET_KEY = "live-tests-secret-key-0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_port(port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            sock.settimeout(0.2)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.02)
    return False


def socket_owners(port: int) -> dict[int, int]:
    """The connections accepted on `port`: client port -> pid of the process that
    holds the server side (which worker of `cps serve --workers N` a client hit)."""
    out = subprocess.run(["ss", "-Htnp", "state", "established", f"( sport = :{port} )"],
                         capture_output=True, text=True, check=False).stdout
    owners: dict[int, int] = {}
    for line in out.splitlines():
        match = re.search(r":(\d+)\s+users:\(\(.*?pid=(\d+)", line)
        if match:
            owners[int(match.group(1))] = int(match.group(2))
    return owners


class RedisServer:
    """A private redis-server on its own port: to kill and restart on the same port."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--daemonize", "no",
             "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 5
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(64) == b"+PONG\r\n":
                        return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"private redis-server did not start on {self.port}")
            time.sleep(0.02)

    def kill(self) -> None:
        """SIGKILL: no goodbye to the clients."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None


class AppServer:
    """`python -m cps serve` in a subprocess (its own process group)."""

    def __init__(
        self,
        workdir: Path,
        *,
        database_url: str,
        redis_url: str | None = None,
        env: Mapping[str, str] | None = None,
        workers: int = 1,
        port: int | None = None,
    ) -> None:
        self.workdir = workdir
        self.port = port or free_port()
        self.workers = workers
        base = {k: v for k, v in os.environ.items() if not k.startswith("CPS_")}
        self.env = {
            **base,
            "PYTHONUNBUFFERED": "1",
            "CPS_DATABASE_URL": database_url,
            "CPS_SECRET_KEY": SECRET_KEY,
            "CPS_PASSWORD_PROFILE": "test",
            "CPS_RATE_LIMITS": "off",
            **({"CPS_REDIS_URL": redis_url} if redis_url else {}),
            **(env or {}),
        }
        self.process: subprocess.Popen[bytes] | None = None
        self._log_path = workdir / f"cps-{self.port}.log"
        self._log_start = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def start(self, timeout: float = 30.0) -> None:
        self.launch()
        self.wait_ready(timeout)

    def launch(self) -> None:
        """Start the process without waiting (to start several at once)."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._log_start = self._log_path.stat().st_size if self._log_path.exists() else 0
        with self._log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "cps", "serve", "--port", str(self.port),
                 "--workers", str(self.workers), "--grace", "2"],
                cwd=self.workdir, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Until /healthz answers and every worker finished its start-up."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        with httpx.Client(base_url=self.base_url, timeout=1.0) as client:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(f"cps serve exited ({self.process.returncode}):\n"
                                       + self.log())
                try:
                    if (client.get("/healthz").status_code == 200
                            and self._started_workers() >= self.workers):
                        return
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("cps serve did not start:\n" + self.log())
                time.sleep(0.05)

    def _started_workers(self) -> int:
        with self._log_path.open("rb") as log:
            log.seek(self._log_start)
            return log.read().count(b"Application startup complete")

    def stop(self) -> None:
        """SIGTERM the process group, SIGKILL what is left after a few seconds."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=8)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def kill(self) -> None:
        """SIGKILL every process of the server at once: no shutdown, no goodbye."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def log(self, tail: int = 80) -> str:
        try:
            lines = self._log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-tail:])


class InProcessServer:
    """uvicorn serving an app in this event loop, with the lifespan state at hand."""

    def __init__(self, server: uvicorn.Server, port: int) -> None:
        self.server = server
        self.port = port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    @property
    def state(self) -> dict[str, Any]:
        """{"ctx": Context, "live": LiveService}, as the lifespan yielded them."""
        state: dict[str, Any] = self.server.lifespan.state
        return state


@asynccontextmanager
async def in_process(app: Starlette, *, ws_max_size: int = 16 * 1024 * 1024,
                     send_buffer: int | None = None,
                     ws: str = PROTOCOL_PATH) -> AsyncIterator[InProcessServer]:
    """Serve `app` on a free port. `send_buffer` sets SO_SNDBUF on the listening
    socket, which accepted sockets inherit: the kernel then holds a few kilobytes
    for a client that does not read instead of megabytes."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if send_buffer is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="on", log_config=None,
                            access_log=False, ws_max_size=ws_max_size, ws=ws)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    deadline = time.monotonic() + 15
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("uvicorn stopped during start-up")
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        await asyncio.sleep(0.01)
    try:
        yield InProcessServer(server, port)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 15)
        sock.close()


# WebSocket clients.

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
