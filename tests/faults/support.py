"""Fault injection: servers to kill, a private PostgreSQL to stop, clients that resume.

- `Serve`: `python -m cps serve` in its own process group, with the knobs the
  fault tests need (grace, workers, the password profile) and signals by pid.
- `PrivatePostgres`: a throw-away cluster (initdb as the `postgres` user) on
  its own port, to stop and start again.
- `Follower`: a WebSocket client as a browser should be: it follows channels,
  checks that every channel's `seq` goes up by one, and when its socket drops
  it reconnects (to the next URL, after a jittered backoff) and resubscribes
  with `since` = the last seq it saw.

`tests.support.servers` has the private redis-server and the plain clients.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.client import ClientProtocol
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.frames import Close, Frame, Opcode
from websockets.protocol import State
from websockets.uri import parse_uri

from cps.storage.migrations import upgrade
from tests.support.api import PREFIX, User
from tests.support.servers import SECRET_KEY, free_port

PASSWORD = "correct horse battery"
RETRY_LATER = {"unavailable", "rate_limited"}  # error codes a client retries after a while


async def eventually(
    condition: Callable[[], Awaitable[bool] | bool], timeout: float, what: str,
    interval: float = 0.02,
) -> float:
    """Wait until `condition()` holds; answers how long it took."""
    start = time.monotonic()
    while True:
        value = condition()
        if not isinstance(value, bool):
            value = await value
        if value:
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise AssertionError(f"{what}: not within {timeout} s")
        await asyncio.sleep(interval)


# --- cps serve ------------------------------------------------------------------------


class Serve:
    """`python -m cps serve` in a subprocess of its own process group."""

    def __init__(
        self,
        workdir: Path,
        *,
        database_url: str,
        redis_url: str | None = None,
        workers: int = 1,
        grace: float = 2.0,
        production_passwords: bool = False,
        env: Mapping[str, str] | None = None,
        port: int | None = None,
    ) -> None:
        self.workdir = workdir
        self.port = port or free_port()
        self.workers = workers
        self.grace = grace
        base = {k: v for k, v in os.environ.items() if not k.startswith("CPS_")}
        self.env = {
            **base,
            "PYTHONUNBUFFERED": "1",
            "CPS_DATABASE_URL": database_url,
            "CPS_SECRET_KEY": SECRET_KEY,
            "CPS_RATE_LIMITS": "off",
            **({"CPS_REDIS_URL": redis_url} if redis_url else {}),
            **({} if production_passwords else {"CPS_PASSWORD_PROFILE": "test"}),
            **(env or {}),
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = workdir / f"cps-{self.port}.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def spawn(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "cps", "serve", "--port", str(self.port),
                 "--workers", str(self.workers), "--grace", str(self.grace)],
                cwd=self.workdir, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    async def wait_ready(self, timeout: float = 30.0) -> None:
        """Until /healthz answers (and, with workers, every worker has started)."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(base_url=self.base_url, timeout=5.0) as client:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(f"cps serve exited ({self.process.returncode}):\n"
                                       + self.log())
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("cps serve did not answer /healthz:\n" + self.log())
                await asyncio.sleep(0.05)
        if self.workers > 1:
            await eventually(lambda: len(self.worker_pids()) == self.workers, 15, "workers")
            await asyncio.sleep(1.0)  # each worker's lifespan

    async def start(self, timeout: float = 30.0) -> None:
        self.spawn()
        await self.wait_ready(timeout)

    def worker_pids(self) -> list[int]:
        """The uvicorn worker processes (children of the supervisor)."""
        assert self.process is not None
        try:
            text = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text()
        except OSError:
            return []
        pids = []
        for pid in text.split():
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"resource_tracker" not in cmdline:  # multiprocessing's helper
                pids.append(int(pid))
        return pids

    def signal(self, sig: int) -> None:
        """Send `sig` to the server process itself (the supervisor with workers)."""
        assert self.process is not None
        os.kill(self.pid, sig)

    def kill(self) -> None:
        """SIGKILL every process of the server at once: no shutdown, no goodbye."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def stop(self) -> None:
        """SIGTERM the process group, SIGKILL what is left after a while."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=self.grace + 8)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        try:  # workers left behind by a killed supervisor
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def log(self, tail: int = 60) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-tail:])


# --- a private PostgreSQL ------------------------------------------------------------


def _pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not candidates:
        raise RuntimeError(f"{name} not found")
    return str(candidates[-1])


def _as_postgres(command: str, timeout: float = 60) -> None:
    subprocess.run(["su", "postgres", "-c", command], check=True, timeout=timeout,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


class PrivatePostgres:
    """A PostgreSQL cluster of our own, on its own port: to stop and restart."""

    def __init__(self) -> None:
        self.port = free_port()
        # Under /tmp itself: the postgres user cannot enter pytest's 0700 folders.
        self.root = Path(tempfile.mkdtemp(prefix="cps-faults-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        shutil.chown(self.root, "postgres", "postgres")
        _as_postgres(f"{_pg_bin('initdb')} -D {self.data} -A trust -U postgres --no-sync "
                     "--no-instructions")

    def start(self) -> None:
        options = (f"-p {self.port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        _as_postgres(f"{_pg_bin('pg_ctl')} -D {self.data} -l {self.log} -w -t 30 "
                     f"-o '{options}' start")

    def stop(self, mode: str = "fast") -> None:
        _as_postgres(f"{_pg_bin('pg_ctl')} -D {self.data} -m {mode} -w -t 30 stop")

    def _pids(self) -> list[int]:
        """The postmaster (ours, from its pid file) and its children."""
        main = int((self.data / "postmaster.pid").read_text().split()[0])
        children = Path(f"/proc/{main}/task/{main}/children").read_text().split()
        return [main, *map(int, children)]

    def freeze(self) -> None:
        """SIGSTOP: connections stay open, nothing answers (a network partition)."""
        for pid in self._pids():
            os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in self._pids():
            os.kill(pid, signal.SIGCONT)

    async def create_database(self, name: str) -> str:
        conn = await asyncpg.connect(self.url())
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        url = self.url(name)
        await upgrade(url)
        return url

    def destroy(self) -> None:
        try:
            self.thaw()  # a frozen cluster would not hear the stop
        except (OSError, ValueError, IndexError):
            pass
        try:
            self.stop("immediate")
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            pass
        shutil.rmtree(self.root, ignore_errors=True)


# --- people and places over HTTP --------------------------------------------------------


async def sign_up(http: httpx.AsyncClient, name: str) -> User:
    email = f"{name.lower().replace(' ', '-')}-{random.getrandbits(40):x}@example.org"
    r = await http.post(f"{PREFIX}/auth/register", json={
        "email": email, "password": PASSWORD, "display_name": name})
    assert r.status_code == 201, r.text
    r = await http.post(f"{PREFIX}/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    http.cookies.clear()
    body = r.json()
    return User(body["user"]["id"], email, body["token"], name)


async def call(http: httpx.AsyncClient, method: str, path: str, user: User | None = None,
               json_body: Any = None, timeout: float = 10.0) -> httpx.Response:
    headers = user.auth if user else {}
    return await http.request(method, PREFIX + path, json=json_body, headers=headers,
                              timeout=timeout)


async def ok(http: httpx.AsyncClient, method: str, path: str, user: User | None = None,
             json_body: Any = None) -> Any:
    r = await call(http, method, path, user, json_body)
    assert r.status_code in (200, 201, 204), (method, path, r.status_code, r.text)
    return r.json() if r.content else None


@dataclass
class Place:
    admin: User
    org_id: int
    space_id: int
    topic_ids: list[int]


async def open_place(http: httpx.AsyncClient, topics: int = 1) -> Place:
    """An org admin, an org, a public space and `topics` topics in it."""
    admin = await sign_up(http, "Admin")
    org = (await ok(http, "POST", "/orgs", admin,
                    {"name": "City of Faults", "kind": "local_government",
                     "country": "Korea"}))["org"]
    space = (await ok(http, "POST", f"/orgs/{org['id']}/spaces", admin,
                      {"name": "Resilience", "description": "", "visibility": "public"}))["space"]
    topic_ids = []
    for n in range(topics):
        topic = (await ok(http, "POST", f"/spaces/{space['id']}/topics", admin,
                          {"title": f"Topic {n}", "body": "First post"}))["topic"]
        topic_ids.append(topic["id"])
    return Place(admin, org["id"], space["id"], topic_ids)


async def stored_seqs(http: httpx.AsyncClient, topic_id: int) -> list[int]:
    """The post ids of a thread, as anyone reads it over HTTP (all pages)."""
    ids: list[int] = []
    cursor = None
    while True:
        path = f"/topics/{topic_id}/posts?limit=100" + (f"&cursor={cursor}" if cursor else "")
        body = await ok(http, "GET", path)
        ids += [p["id"] for p in body["posts"]]
        cursor = body["next_cursor"]
        if not cursor:
            return ids


# --- a client that resumes -----------------------------------------------------------


@dataclass
class ChannelLog:
    """What one client saw on one channel."""

    seqs: list[int] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
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
                if pending and frame.get("code") in RETRY_LATER:
                    # The server could not take a subscription now: back off and
                    # come back (the error may not say which channel it was).
                    await ws.close(1000)
                    return

    def _event(self, frame: dict[str, Any], now: float) -> None:
        log = self.logs.get(frame["channel"])
        if log is None:
            return
        seq = int(frame["seq"])
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
                if isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                    frames.append(json.loads(bytes(event.data)))
                elif isinstance(event, Frame) and event.opcode is Opcode.CLOSE:
                    code = Close.parse(event.data).code
        return frames, code

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
