"""Real servers for the tests: `cps serve` subprocesses, an in-process uvicorn and
a private redis-server.

Everything listens on 127.0.0.1 on a free port. `cps serve` logs to a file in its
working directory; `AppServer.log()` shows it when something fails.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
import uvicorn
from starlette.applications import Starlette

import cps
from cps.config import Settings
from cps.live.transport import PROTOCOL_PATH, uvicorn_options
from tests.support.api import PASSWORD
from tests.support.settings import BEHIND_PROXY, PRODUCTION_PASSWORDS, settings_env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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


# --- cps serve --------------------------------------------------------------------------


class AppServer:
    """`python -m cps serve` in a subprocess of its own process group, with the knobs
    the tests need (workers, grace, the password profile, more settings in `env`)
    and signals by pid."""

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
        # The server imports the `cps` these tests import (this checkout's, also from a
        # git worktree beside an editable install of another checkout).
        source = str(Path(cps.__file__).resolve().parents[1])
        base["PYTHONPATH"] = os.pathsep.join(
            [source, *([base["PYTHONPATH"]] if base.get("PYTHONPATH") else [])])
        # Its clients reach it through the test, its trusted proxy.
        overrides = {**BEHIND_PROXY, **(PRODUCTION_PASSWORDS if production_passwords else {}),
                     **(env or {})}
        self.env = {**base, "PYTHONUNBUFFERED": "1",
                    **settings_env(database_url, redis_url, **overrides)}
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = workdir / f"cps-{self.port}.log"
        self._log_start = 0

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

    def create_admin(self, email: str, password: str = PASSWORD) -> None:
        """A platform admin, made as an operator makes one: `cps create-admin` on the
        server's database (which it migrates first, if need be)."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "cps", "create-admin", "--email", email,
                        "--password", password],
                       cwd=self.workdir, env=self.env, check=True, capture_output=True,
                       timeout=60)

    async def start(self, timeout: float = 30.0) -> None:
        self.launch()
        await self.wait_ready(timeout)

    def launch(self) -> None:
        """Start the process without waiting (to start several at once)."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._log_start = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "cps", "serve", "--port", str(self.port),
                 "--workers", str(self.workers), "--grace", str(self.grace)],
                cwd=self.workdir, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    async def wait_ready(self, timeout: float = 30.0) -> None:
        """Until /healthz answers and every worker finished its start-up."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(base_url=self.base_url, timeout=5.0) as client:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(f"cps serve exited ({self.process.returncode}):\n"
                                       + self.log())
                try:
                    if ((await client.get("/healthz")).status_code == 200
                            and self._started_workers() >= self.workers):
                        return
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("cps serve did not start:\n" + self.log())
                await asyncio.sleep(0.05)

    def _started_workers(self) -> int:
        with self.log_path.open("rb") as log:
            log.seek(self._log_start)
            return log.read().count(b"Application startup complete")

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

    def log(self, tail: int = 80) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-tail:])


async def start_together(*servers: AppServer) -> None:
    """Launch every server, then wait until all of them are ready."""
    for server in servers:
        server.launch()
    await asyncio.gather(*(server.wait_ready() for server in servers))


# --- a private redis-server ----------------------------------------------------------------


class RedisServer:
    """A private redis-server on its own port: to kill (or freeze) and restart on the
    same port."""

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

    async def start_async(self) -> None:
        """`start` in a thread, so that clients running in the event loop (a broker
        reconnecting) keep running while the server comes up."""
        await asyncio.to_thread(self.start)

    def freeze(self) -> None:
        """SIGSTOP: the socket stays open but nothing answers."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        """SIGCONT, after `freeze`."""
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL: no goodbye to the clients."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None


SHARED_REDIS = "redis://127.0.0.1:6379/0"  # the machine's Redis (.ci/run makes sure it runs)


def shared_redis_answers() -> bool:
    client = redis.Redis.from_url(SHARED_REDIS, socket_connect_timeout=0.5)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


@contextmanager
def private_redis(directory: Path) -> Iterator[RedisServer]:
    """A started private redis-server, killed afterwards (pub/sub channels are
    global to a server, so the shared one would mix in other runs' `topic:1`).
    Skips the test where redis-server is not installed."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(directory)
    server.start()
    try:
        yield server
    finally:
        server.kill()


# --- uvicorn in the test's event loop ------------------------------------------------------


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
async def in_process(app: Starlette, *, settings: Settings | None = None,
                     ws_max_size: int = 16 * 1024 * 1024, send_buffer: int | None = None,
                     ws: str = PROTOCOL_PATH) -> AsyncIterator[InProcessServer]:
    """Serve `app` on a free port, with the WebSocket options `cps serve` derives
    from `settings` when they are given (frame limit, pings). `send_buffer` sets
    SO_SNDBUF on the listening socket, which accepted sockets inherit: the kernel
    then holds a few kilobytes for a client that does not read instead of megabytes."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if send_buffer is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    options: dict[str, Any] = (uvicorn_options(settings) if settings is not None
                               else {"ws_max_size": ws_max_size})
    # As `cps serve`: forwarded headers count only through CPS_TRUSTED_PROXIES.
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="on", log_config=None,
                            access_log=False, proxy_headers=False, **{**options, "ws": ws})
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
