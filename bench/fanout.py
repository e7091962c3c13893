"""Fan-out benchmark: CPS's full live path against a minimal broadcast, same run.

    .venv/bin/python bench/fanout.py --smoke                       # CI: ~50 sockets, < 60 s
    .venv/bin/python bench/fanout.py --clients 1000 --rate 20      # 1 process, SQLite
    .venv/bin/python bench/fanout.py --clients 5000 --rate 8 --workers 2   # Redis + PostgreSQL

What it does, all on 127.0.0.1:

1. starts `python -m cps serve` itself, pinned to core 0 (`taskset`), with
   a fresh database (a SQLite file, or `cps_bench_<random>` created on the
   PostgreSQL at --pg-admin and dropped afterwards) and, for Redis mode, a
   private `redis-server` on a free port (Redis pub/sub channels are not
   scoped by database number, so a shared Redis would mix the benchmark's
   `topic:1` with anybody else's);
2. registers a user and opens --topics topics over the HTTP API;
3. opens --clients WebSocket clients from client processes pinned to core 1,
   each subscribed to one topic (client i follows topic i mod --topics);
4. posts over HTTP at --rate posts per second for --duration seconds from
   separate posting processes (core 1); each post's body carries its send
   time, so every client measures post→delivery latency;
5. reads the server processes' CPU time (/proc/<pid>/stat) before and after,
   and their RSS before and after the sockets connect;
6. checks every client's seq stream: lost, duplicated, out of order;
7. does 3-6 again against bench/baseline_broadcast.py (one pre-encoded
   200-byte frame written straight to every socket) with the same clients,
   topics and rate, and prints CPS's CPU per delivery as a ratio to it;
8. prints the machine and a PASS/FAIL line per target of issue 3.

Exit status: 1 if any event was lost, duplicated or out of order, or if a
target that applies to this configuration failed; 2 if the run could not
be set up.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import multiprocessing as mp
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    descendants,
    free_port,
    machine_line,
    percentile,
    pin_self,
    raise_nofile,
    run_queue_wait,
    taskset_prefix,
    total_cpu,
    total_rss,
)
from bench.loadclient import (  # noqa: E402
    ClientReport,
    ClientSpec,
    PosterReport,
    PosterSpec,
    client_main,
    latency_summary,
    poster_main,
)

# Issue 3's targets.
TARGET_CPU_US = 13.0  # server CPU per delivery at 5,000 sockets (goal 11)
TARGET_P99_2W_MS = 100.0  # 5,000 sockets, 40,000 deliveries/s, Redis, 2 workers
TARGET_P99_1P_MS = 25.0  # 1,000 sockets, one process, at half the ceiling
TARGET_KIB_PER_SOCKET = 25.0
# The minimal broadcast cost 8 µs per delivery when the issue set 13 µs: on a
# machine where the baseline costs more (or less), the CPU target is that ratio.
ISSUE_BASELINE_US = 8.0
TARGET_RATIO = TARGET_CPU_US / ISSUE_BASELINE_US

PASSWORD = "bench password 1234"  # a throwaway account on a throwaway database


class SetupError(Exception):
    pass


@dataclass
class Side:
    """What one server (CPS or the baseline) did under the load."""

    name: str
    connected: int = 0
    failed: int = 0
    deliveries: int = 0
    duration: float = 0.0
    cpu_seconds: float = 0.0
    rss_before: int = 0
    rss_connected: int = 0
    rss_after: int = 0
    latency_ms: dict[str, float] = field(default_factory=dict)
    lost: int = 0
    duplicated: int = 0
    out_of_order: int = 0
    foreign: int = 0
    closed_by_server: dict[int, int] = field(default_factory=dict)
    presence_frames: int = 0
    other_frames: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    posts_sent: int = 0
    posts_ok: int = 0
    post_errors: dict[str, int] = field(default_factory=dict)
    post_answer_ms: dict[str, float] = field(default_factory=dict)
    posts_late: int = 0
    helper_cpu: dict[str, float] = field(default_factory=dict)  # Redis, PostgreSQL
    sockets_per_process: list[int] = field(default_factory=list)
    deflated: int = 0  # sockets where permessage-deflate was agreed
    cpu_wait: float = 0.0  # seconds the server was runnable but not running (other load)
    log_problems: list[Any] = field(default_factory=list)  # [count, examples...]
    load_cpu: float = 0.0  # CPU of the client and posting processes, whole run
    connect_seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return self.deliveries / self.duration if self.duration else 0.0

    @property
    def cpu_us(self) -> float:
        return self.cpu_seconds / self.deliveries * 1e6 if self.deliveries else float("nan")

    @property
    def kib_per_socket(self) -> float:
        """Server RSS growth (after connecting or after the run, the larger) per socket."""
        if not self.connected:
            return float("nan")
        return (max(self.rss_connected, self.rss_after) - self.rss_before) / 1024 / self.connected

    @property
    def integrity_ok(self) -> bool:
        return (
            self.lost == 0 and self.duplicated == 0 and self.out_of_order == 0
            and self.foreign == 0 and self.failed == 0 and not self.closed_by_server
        )


# Servers.


def _wait_http(url: str, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SetupError(f"the server exited with {proc.returncode} before answering {url}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SetupError(f"{url} did not answer 200 within {timeout:.0f} s")


def _stop(proc: subprocess.Popen[bytes], grace: float = 15.0) -> None:
    """SIGTERM the process we started, then SIGKILL what is left of its tree."""
    if proc.poll() is not None:
        return
    tree = descendants(proc.pid)
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        pass
    for pid in tree:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(5)


@contextlib.contextmanager
def private_redis(workdir: Path) -> Iterator[tuple[str, int]]:
    exe = shutil.which("redis-server")
    if exe is None:
        raise SetupError("redis-server is not installed; pass --redis-url")
    port = free_port()
    proc = subprocess.Popen(
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        import redis

        client = redis.Redis(host="127.0.0.1", port=port)
        for _ in range(50):
            with contextlib.suppress(redis.RedisError):
                if client.ping():
                    break
            time.sleep(0.1)
        else:
            raise SetupError("the private redis-server did not start")
        client.close()
        yield f"redis://127.0.0.1:{port}/0", proc.pid
    finally:
        _stop(proc, 5)


def database_options(parser: argparse.ArgumentParser) -> None:
    """--databases and --pg-admin, for a benchmark that runs on both databases."""
    parser.add_argument("--databases", default="sqlite,postgresql",
                        help="comma-separated: sqlite, postgresql (default both)")
    parser.add_argument("--pg-admin", default="postgresql://postgres@127.0.0.1:5432/test",
                        help="a PostgreSQL database to create the benchmark's database from")


def database_kinds(parser: argparse.ArgumentParser, args: argparse.Namespace) -> list[str]:
    """The databases --databases names, in order (a usage error for anything else)."""
    kinds = [k.strip() for k in args.databases.split(",") if k.strip()]
    if not kinds or set(kinds) - {"sqlite", "postgresql"}:
        parser.error("--databases takes sqlite, postgresql or both")
    return kinds


def on_each_database(kinds: list[str], pg_admin: str, smoke: bool,
                     one: Callable[[str, str], bool]) -> int:
    """`one(url, kind)` on a fresh database of each kind, then the verdict line.
    The exit status: 0 PASS, 1 FAIL (a target or a wrong figure), 2 when a
    database could not be set up."""
    passed = True
    for kind in kinds:
        try:
            with database(kind, pg_admin) as url:
                passed = one(url, kind) and passed
        except SetupError as exc:
            print(f"{kind}: {exc}", file=sys.stderr)
            return 2
    print(f"\n{'SMOKE' if smoke else 'OVERALL'}: {'PASS' if passed else 'FAIL'}")
    return 0 if passed else 1


@contextlib.contextmanager
def database(kind: str, pg_admin: str) -> Iterator[str]:
    """A fresh database for a benchmark: a `cps_bench_<random>` database on the
    PostgreSQL at `pg_admin` (dropped afterwards), or a temporary SQLite file."""
    if kind == "postgresql":
        with fresh_postgres(pg_admin) as url:
            yield url
        return
    with tempfile.TemporaryDirectory(prefix="cps-bench-") as folder:
        yield f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"


@contextlib.contextmanager
def fresh_postgres(admin_dsn: str) -> Iterator[str]:
    import asyncpg

    name = f"cps_bench_{secrets.token_hex(4)}"

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(admin_dsn, timeout=10)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    try:
        asyncio.run(run(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as exc:
        raise SetupError(f"cannot create a database on {admin_dsn}: {exc}") from exc
    base = admin_dsn.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        try:
            asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        except (OSError, asyncpg.PostgresError) as exc:
            print(f"warning: could not drop database {name}: {exc}", file=sys.stderr)


def _pg_backends_cpu(database: str) -> dict[int, float]:
    """CPU time of each PostgreSQL backend serving `database`, by pid."""
    found: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if b"postgres" in cmd and database.encode() in cmd:
            from bench.common import cpu_seconds

            found[int(entry.name)] = cpu_seconds(int(entry.name))
    return found


def _helper_cpu(redis_pid: int | None, pg_database: str | None) -> dict[str, dict[int, float]]:
    """CPU seconds by pid of the private Redis and of this database's backends."""
    from bench.common import cpu_seconds

    out: dict[str, dict[int, float]] = {}
    if redis_pid is not None:
        out["redis"] = {redis_pid: cpu_seconds(redis_pid)}
    if pg_database is not None:
        out["postgresql backends"] = _pg_backends_cpu(pg_database)
    return out


# CPS set-up over the public API.


def _make_topics(base: str, topics: int) -> tuple[str, list[str]]:
    import httpx

    api = f"{base}/api/v1"
    email = f"bench-{secrets.token_hex(4)}@example.org"
    with httpx.Client(base_url=api, timeout=30) as http:

        def ok(r: httpx.Response) -> Any:
            if r.status_code not in (200, 201):
                raise SetupError(f"{r.request.method} {r.request.url}: {r.status_code} {r.text}")
            return r.json()

        ok(http.post("/auth/register", json={
            "email": email, "password": PASSWORD, "display_name": "Bench",
            "stakeholder_type": "citizen"}))
        token = ok(http.post("/auth/login", json={"email": email, "password": PASSWORD}))["token"]
        http.cookies.clear()
        http.headers["Authorization"] = f"Bearer {token}"
        org = ok(http.post("/orgs", json={"name": "Bench City", "kind": "local_government",
                                          "country": "Korea"}))["org"]["id"]
        space = ok(http.post(f"/orgs/{org}/spaces", json={
            "name": "Bench", "description": "fan-out benchmark", "visibility": "public"}))
        space_id = space["space"]["id"]
        channels = []
        for n in range(topics):
            topic = ok(http.post(f"/spaces/{space_id}/topics",
                                 json={"title": f"Bench topic {n + 1}", "body": "Opening post"}))
            channels.append(f"topic:{topic['topic']['id']}")
    return token, channels


async def _cps_last_seqs(port: int, channels: list[str]) -> dict[str, int]:
    """Each channel's last seq, from the `subscribed` answer of a fresh socket."""
    import websockets

    finals: dict[str, int] = {}
    async with websockets.connect(f"ws://127.0.0.1:{port}/ws", compression=None) as ws:
        for channel in channels:
            await ws.send(json.dumps({"type": "subscribe", "channel": channel}))
            while channel not in finals:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if frame.get("type") == "subscribed":
                    finals[frame["channel"]] = int(frame["seq"])
    return finals


def _baseline_last_seqs(control_port: int) -> dict[str, int]:
    import socket

    with socket.create_connection(("127.0.0.1", control_port), timeout=10) as s:
        s.sendall(b"seqs\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    seqs: dict[str, int] = json.loads(data)
    return seqs


# The load.


@dataclass
class Load:
    clients: int
    topics: int
    channels: list[str]
    rate: float
    duration: float
    client_procs: int
    posters: int
    load_core: int | None
    deflate: bool
    connect_concurrency: int


def _step(text: str) -> None:
    print(f"  .. {text}", file=sys.stderr, flush=True)


def _recv(pipe: Connection, timeout: float, what: str) -> Any:
    if not pipe.poll(timeout):
        raise SetupError(f"no answer from {what} within {timeout:.0f} s")
    message = pipe.recv()
    if isinstance(message, tuple) and message and message[0] == "crashed":
        raise SetupError(f"{what} crashed: {message[1]}")
    return message


def _await_ready(side: Side, pipes: list[Connection], clients: int) -> None:
    """Wait for every client process's `ready`, printing progress every 10 s."""
    from multiprocessing.connection import wait as wait_any

    progress = dict.fromkeys(range(len(pipes)), 0)
    waiting = set(range(len(pipes)))
    deadline = time.monotonic() + 60 + clients * 0.2
    shown = time.monotonic()
    while waiting:
        left = deadline - time.monotonic()
        if left <= 0:
            raise SetupError(f"clients not connected after {60 + clients * 0.2:.0f} s "
                             f"({sum(progress.values()):,} of {clients:,})")
        for ready in wait_any([pipes[i] for i in waiting], timeout=min(left, 10)):
            assert isinstance(ready, Connection)
            i = pipes.index(ready)
            message = _recv(ready, 10, "a client process")
            if message[0] == "progress":
                progress[i] = message[1]
                continue
            _, connected, failed, errors = message
            progress[i] = connected
            side.connected += connected
            side.failed += failed
            side.errors.extend(errors)
            waiting.discard(i)
        if time.monotonic() - shown >= 10:
            shown = time.monotonic()
            _step(f"{side.name}: {sum(progress.values()):,} of {clients:,} subscribed")


def _settle(pids: list[int], quiet: float = 0.05, longest: float = 20.0) -> None:
    """Wait until the server uses under `quiet` of a core (joins, presence churn)."""
    deadline = time.monotonic() + longest
    before = total_cpu(pids)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = total_cpu(pids)
        if now - before < quiet * 0.5:
            return
        before = now


def drive(
    side: Side,
    load: Load,
    port: int,
    server_pids: Callable[[], list[int]],
    *,
    base_url: str = "",
    token: str = "",
    control_port: int = 0,
    last_seqs: Callable[[], dict[str, int]],
    helpers: Callable[[], dict[str, dict[int, float]]] | None = None,
) -> None:
    """Connect the clients, post, collect: fills `side`."""
    ctx = mp.get_context("spawn")
    pids = server_pids()
    side.rss_before = total_rss(pids)
    fds_before = {pid: _fd_count(pid) for pid in pids}
    # Clients.
    sockets = [load.channels[i % len(load.channels)] for i in range(load.clients)]
    shares = [sockets[i :: load.client_procs] for i in range(load.client_procs)]
    procs: list[tuple[mp.process.BaseProcess, Connection]] = []
    started = time.monotonic()
    _step(f"{side.name}: connecting {load.clients:,} clients")
    try:
        for share in shares:
            if not share:
                continue
            mine, theirs = ctx.Pipe()
            spec = ClientSpec("127.0.0.1", port, "/ws", share, load.load_core, load.deflate,
                              load.connect_concurrency)
            proc = ctx.Process(target=client_main, args=(spec, theirs), daemon=True)
            proc.start()
            theirs.close()
            procs.append((proc, mine))
        _await_ready(side, [pipe for _, pipe in procs], load.clients)
        side.connect_seconds = time.monotonic() - started
        pids = server_pids()
        _settle(pids)
        side.rss_connected = total_rss(pids)
        side.sockets_per_process = [
            _fd_count(pid) - fds_before.get(pid, 0) for pid in pids if pid in fds_before
        ]
        _step(f"{side.name}: {side.connected:,} connected in {side.connect_seconds:.1f} s; "
              f"posting for {load.duration:g} s")
        # Posts.
        run_id = secrets.token_hex(4)
        start_at = time.time() + 1.0
        posters: list[tuple[mp.process.BaseProcess, Connection]] = []
        for index in range(load.posters):
            mine, theirs = ctx.Pipe()
            spec_p = PosterSpec(index, load.posters, load.rate, load.duration, start_at,
                                load.channels, load.load_core, run_id, base_url=base_url,
                                token=token, control_port=control_port)
            proc = ctx.Process(target=poster_main, args=(spec_p, theirs), daemon=True)
            proc.start()
            theirs.close()
            posters.append((proc, mine))
            procs.append((proc, mine))
        time.sleep(max(0.0, start_at - time.time() - 0.2))
        cpu_before = total_cpu(pids)
        wait_before = run_queue_wait(pids)
        helpers_before = helpers() if helpers else {}
        answers: list[float] = []
        sent_per_channel: dict[str, int] = {}
        for poster, pipe in posters:
            report: PosterReport = _recv(pipe, load.duration + 90, "a posting process")
            side.posts_sent += report.sent
            side.posts_ok += report.ok
            side.posts_late += report.late
            side.load_cpu += report.cpu_seconds
            for key, n in report.errors.items():
                side.post_errors[key] = side.post_errors.get(key, 0) + n
            answers.extend(report.answer_latencies)
            for channel, n in report.sent_per_channel.items():
                sent_per_channel[channel] = sent_per_channel.get(channel, 0) + n
            poster.join(5)
        side.duration = load.duration
        if answers:
            answers.sort()
            side.post_answer_ms = {f"p{q}": percentile(answers, q) * 1000 for q in (50, 99)}
        _step(f"{side.name}: posts done; waiting for the last deliveries")
        try:
            finals = last_seqs()
        except (OSError, TimeoutError, SetupError) as exc:
            if not sent_per_channel:
                raise SetupError(f"cannot read the channels' last seqs: {exc!r}") from exc
            side.errors.append(f"last seqs unreadable ({exc!r}); counted what was sent")
            finals = sent_per_channel  # the baseline numbers each channel's fires 1, 2, ...
        clients = [pipe for proc, pipe in procs if (proc, pipe) not in posters]
        for pipe in clients:
            pipe.send(("finish", finals, 20.0))
        samples: array[float] = array("d")
        for pipe in clients:
            client: ClientReport = _recv(pipe, 60, "a client process")
            _account(side, client, finals, samples)
        side.cpu_seconds = total_cpu(pids) - cpu_before
        side.cpu_wait = run_queue_wait(pids) - wait_before
        if helpers:
            # Backends that came or went during the run are left out (a lower bound).
            after = helpers()
            side.helper_cpu = {
                name: sum(t - helpers_before.get(name, {}).get(pid, t)
                          for pid, t in by_pid.items())
                for name, by_pid in after.items()
            }
        side.rss_after = total_rss(pids)
        side.latency_ms = latency_summary(samples)
    finally:
        for child, _ in procs:
            child.join(2)
            if child.is_alive():
                child.kill()
                child.join(2)


def _account(side: Side, report: ClientReport, finals: dict[str, int],
             samples: array[float]) -> None:
    side.presence_frames += report.presence_frames
    side.load_cpu += report.cpu_seconds
    side.deflated += report.deflated
    for key, n in report.other_frames.items():
        side.other_frames[key] = side.other_frames.get(key, 0) + n
    side.errors.extend(report.errors[:5])
    chunk: array[float] = array("d")
    chunk.frombytes(report.latencies)
    samples.extend(chunk)
    for sock in report.sockets:
        side.deliveries += sock.received - sock.duplicates
        side.duplicated += sock.duplicates
        side.out_of_order += sock.out_of_order
        side.foreign += sock.foreign
        side.lost += sock.missing + max(0, finals.get(sock.channel, 0) - sock.last)
        if sock.close_code is not None:
            side.closed_by_server[sock.close_code] = side.closed_by_server.get(
                sock.close_code, 0) + 1


def _fd_count(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


# The two runs.


def run_cps(args: argparse.Namespace, load: Load, workdir: Path) -> Side:
    side = Side("CPS")
    port = args.port or free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPS_")}
    env |= {
        "CPS_RATE_LIMITS": "off",
        "CPS_PASSWORD_PROFILE": "test",
        "CPS_SECRET_KEY": secrets.token_urlsafe(32),
    }
    with contextlib.ExitStack() as stack:
        pg_database: str | None = None
        if args.mode == "postgres":
            url = stack.enter_context(fresh_postgres(args.pg_admin))
            pg_database = url.rsplit("/", 1)[1]
            env["CPS_DATABASE_URL"] = url
        else:
            env["CPS_DATABASE_URL"] = f"sqlite:///{workdir / 'bench.db'}"
        redis_pid: int | None = None
        if args.redis_url:
            env["CPS_REDIS_URL"] = args.redis_url
        elif args.workers > 1 or args.redis:
            env["CPS_REDIS_URL"], redis_pid = stack.enter_context(private_redis(workdir))
        side.name = (f"CPS ({args.workers} worker{'s' if args.workers > 1 else ''}, "
                     f"{args.mode}, {'redis' if 'CPS_REDIS_URL' in env else 'memory broker'})")
        log = (workdir / "cps-serve.log").open("wb")
        cmd = [*taskset_prefix(args.server_core), sys.executable, "-m", "cps", "serve",
               "--port", str(port), "--workers", str(args.workers)]
        server = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
        stack.callback(log.close)
        stack.callback(_stop, server)
        base = f"http://127.0.0.1:{port}"
        _wait_http(f"{base}/readyz", 90, server)
        # With workers, wait until each has started and answers.
        deadline = time.monotonic() + 60
        expected = 1 if args.workers == 1 else args.workers + 1  # uvicorn's supervisor
        while len(descendants(server.pid)) < expected and time.monotonic() < deadline:
            time.sleep(0.2)
        for _ in range(4 * args.workers):
            _wait_http(f"{base}/readyz", 30, server)
        _step(f"{side.name}: serving on port {port}; creating {load.topics} topic(s)")
        token, channels = _make_topics(base, load.topics)
        load.channels = channels
        drive(
            side, load, port, lambda: descendants(server.pid),
            base_url=f"{base}/api/v1", token=token,
            last_seqs=lambda: asyncio.run(_cps_last_seqs(port, channels)),
            helpers=lambda: _helper_cpu(redis_pid, pg_database),
        )
        if server.poll() is not None:
            side.errors.append(f"the server exited with {server.returncode}")
    side.log_problems = _log_problems(workdir / "cps-serve.log")
    if side.post_errors or any(" error " in f" {x} " for x in side.log_problems[1:]):
        kept = Path(tempfile.mkdtemp(prefix="cps-bench-logs-"))
        shutil.copy(workdir / "cps-serve.log", kept / "cps-serve.log")
        side.errors.append(f"server log kept in {kept}")
    return side


def _log_problems(path: Path) -> list[Any]:
    """How many warning/error lines the server logged, and a few distinct ones."""
    count = 0
    examples: dict[str, str | None] = {}
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            if "Traceback" in line or "Error" in line:
                count += 1
                examples.setdefault(line[:160], "")
            continue
        if isinstance(record, dict) and record.get("level") in {"warning", "error", "critical"}:
            count += 1
            key = f"{record.get('level')} {record.get('logger')}: {record.get('event')}"
            if record.get("level") != "warning":
                key = key.replace(str(record.get("level")), "error", 1)
            detail = record.get("error") or record.get("exception") or ""
            examples.setdefault(key, str(detail).splitlines()[-1][:200] if detail else "")
    if not count:
        return []
    return [count, *[f"{k} {v}".strip() for k, v in list(examples.items())[:5]]]


def run_baseline(args: argparse.Namespace, load: Load, workdir: Path) -> Side:
    side = Side("baseline (pre-encoded broadcast, 1 process)")
    port, control = free_port(), free_port()
    cmd = [*taskset_prefix(args.server_core), sys.executable,
           str(ROOT / "bench" / "baseline_broadcast.py"),
           "--port", str(port), "--control-port", str(control)]
    log = (workdir / "baseline.log").open("wb")
    server = subprocess.Popen(cmd, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        import socket

        while True:
            if server.poll() is not None:
                raise SetupError("the baseline server exited at start-up")
            try:
                socket.create_connection(("127.0.0.1", control), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SetupError("the baseline server did not start") from None
                time.sleep(0.1)
        load.channels = [f"topic:{n + 1}" for n in range(load.topics)]
        drive(side, load, port, lambda: [server.pid], control_port=control,
              last_seqs=lambda: _baseline_last_seqs(control))
    finally:
        _stop(server, 5)
        log.close()
    return side


# Report.


def _fmt(value: float, digits: int = 1) -> str:
    return "n/a" if math.isnan(value) else f"{value:,.{digits}f}"


def print_side(side: Side) -> None:
    lat = side.latency_ms
    print(f"\n== {side.name}")
    print(f"connected clients          {side.connected:,} (failed {side.failed}, "
          f"{side.connect_seconds:.1f} s to connect and subscribe"
          + (f"; permessage-deflate on {side.deflated:,}" if side.deflated else "") + ")")
    if len(side.sockets_per_process) > 1:
        print(f"sockets per server process {side.sockets_per_process}")
    print(f"posts                      {side.posts_ok:,} ok of {side.posts_sent:,} sent"
          + (f", errors {side.post_errors}" if side.post_errors else "")
          + (f", {side.posts_late} left late" if side.posts_late else "")
          + (f"; answer p50 {_fmt(side.post_answer_ms['p50'])} ms, "
             f"p99 {_fmt(side.post_answer_ms['p99'])} ms" if side.post_answer_ms else ""))
    print(f"delivered events           {side.deliveries:,} ({side.per_second:,.0f}/s)")
    print(f"post→delivery latency      p50 {_fmt(lat.get('p50', math.nan))} ms, "
          f"p95 {_fmt(lat.get('p95', math.nan))} ms, p99 {_fmt(lat.get('p99', math.nan))} ms, "
          f"max {_fmt(lat.get('max', math.nan))} ms")
    print(f"server CPU per delivery    {_fmt(side.cpu_us, 2)} µs "
          f"({side.cpu_seconds:.2f} s CPU over the run; it waited {side.cpu_wait:.2f} s "
          f"for a busy core)")
    print(f"load CPU (clients, posters) {side.load_cpu:.2f} s, connecting included")
    for name, seconds in side.helper_cpu.items():
        per = seconds / side.deliveries * 1e6 if side.deliveries else math.nan
        print(f"  + {name:<23}{_fmt(per, 2)} µs per delivery ({seconds:.2f} s, not pinned)")
    if side.log_problems:
        print(f"server log: {side.log_problems[0]} warnings/errors, e.g.")
        for line in side.log_problems[1:]:
            print(f"  {line}")
    print(f"server memory per socket   {_fmt(side.kib_per_socket)} "
          f"KiB (RSS {side.rss_before / 2**20:.0f} → {side.rss_connected / 2**20:.0f} MiB "
          f"connected → {side.rss_after / 2**20:.0f} MiB after)")
    print(f"lost / duplicated / out of order   {side.lost} / {side.duplicated} / "
          f"{side.out_of_order}" + (f", foreign {side.foreign}" if side.foreign else "")
          + (f", closed by server {side.closed_by_server}" if side.closed_by_server else ""))
    extra = dict(side.other_frames)
    if side.presence_frames:
        extra["presence"] = side.presence_frames
    if extra:
        print(f"other frames               {extra}")
    for error in side.errors[:5]:
        print(f"  error: {error}")


def check_targets(
    args: argparse.Namespace, cps: Side, base: Side | None = None
) -> list[tuple[str, bool | None, str]]:
    """(target, passed or None when it does not apply to this run, measured)."""
    kib = cps.kib_per_socket
    p99 = cps.latency_ms.get("p99", math.nan)
    ceiling = 1e6 / cps.cpu_us if cps.deliveries else math.nan  # one core's worth
    load_share = cps.per_second / ceiling if ceiling else math.nan
    big = cps.connected >= 5000
    two_workers = args.workers == 2 and args.mode == "postgres" and "redis" in cps.name
    at_rate = cps.per_second >= 0.95 * 40_000
    # "At half the ceiling": the target applies to runs loaded 40-60% of one core's ceiling.
    one_proc = args.workers == 1 and 1000 <= cps.connected <= 1500 and 0.4 <= load_share <= 0.6
    ratio = (cps.cpu_us / base.cpu_us if base is not None and base.deliveries and cps.deliveries
             else math.nan)
    checks: list[tuple[str, bool | None, str]] = [
        ("0 lost, duplicated or out of order", cps.integrity_ok,
         f"{cps.lost}/{cps.duplicated}/{cps.out_of_order}, {cps.failed} failed connects"),
        (f"≤ {TARGET_CPU_US:g} µs server CPU per delivery at 5,000 sockets",
         (cps.cpu_us <= TARGET_CPU_US) if big else None, f"{_fmt(cps.cpu_us, 2)} µs"),
        (f"the same, as a ratio: ≤ {TARGET_RATIO:.2f} times the minimal broadcast of this run "
         f"({TARGET_CPU_US:g} µs ÷ the {ISSUE_BASELINE_US:g} µs the issue measured)",
         (ratio <= TARGET_RATIO) if big and base is not None else None,
         f"{_fmt(ratio, 2)} times"),
        (f"p99 ≤ {TARGET_P99_2W_MS:g} ms, 5,000 sockets, 40,000/s, Redis, 2 workers",
         (p99 <= TARGET_P99_2W_MS) if big and two_workers and at_rate else None,
         f"{_fmt(p99)} ms at {cps.per_second:,.0f}/s"),
        (f"p99 ≤ {TARGET_P99_1P_MS:g} ms, 1,000 sockets, 1 process, half the ceiling",
         (p99 <= TARGET_P99_1P_MS) if one_proc else None,
         f"{_fmt(p99)} ms at {_fmt(100 * load_share, 0)}% of a core's ceiling "
         f"(~{_fmt(ceiling, 0)}/s)"),
        (f"≤ {TARGET_KIB_PER_SOCKET:g} KiB server memory per socket",
         (kib <= TARGET_KIB_PER_SOCKET) if cps.connected >= 1000 else None, f"{_fmt(kib)} KiB"),
    ]
    return checks


# Main.


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description="CPS WebSocket fan-out benchmark (issue 3)")
    p.add_argument("--clients", type=int, default=1000, help="WebSocket clients (default 1000)")
    p.add_argument("--topics", type=int, default=1, help="topics the clients spread over")
    p.add_argument("--rate", type=float, default=20.0,
                   help="posts per second, all topics together (deliveries/s = rate x "
                        "clients / topics)")
    p.add_argument("--duration", type=float, default=30.0, help="seconds of posting")
    p.add_argument("--workers", type=int, default=1, help="cps serve --workers")
    p.add_argument("--mode", choices=["sqlite", "postgres"],
                   help="database (default: sqlite for 1 worker, postgres for more)")
    p.add_argument("--redis", action="store_true",
                   help="use Redis with 1 worker too (a private redis-server)")
    p.add_argument("--redis-url", default="",
                   help="an existing Redis instead of a private one (its pub/sub must be idle)")
    p.add_argument("--pg-admin", default="postgresql://postgres@127.0.0.1:5432/test",
                   help="DSN allowed to CREATE/DROP DATABASE")
    p.add_argument("--client-procs", type=int, default=0,
                   help="client processes (default: one per 1,000 clients, 1-8)")
    p.add_argument("--connect-concurrency", type=int, default=16,
                   help="handshakes in flight per client process")
    p.add_argument("--posters", type=int, default=1, help="posting processes")
    p.add_argument("--server-core", type=int, default=0)
    p.add_argument("--load-core", type=int, default=1)
    p.add_argument("--port", type=int, default=0, help="CPS port (default: a free one)")
    p.add_argument("--deflate", action="store_true",
                   help="clients offer permessage-deflate, as browsers do")
    p.add_argument("--no-baseline", action="store_true", help="skip the baseline run")
    p.add_argument("--smoke", action="store_true",
                   help="tiny and quick, for CI: 50 clients, 2 topics, 5 s")
    return p


def _watchdog(seconds: float) -> None:
    """Turn SIGALRM after `seconds`, and SIGTERM, into an orderly stop with cleanup."""

    def stop(signum: int, frame: Any) -> None:
        raise SetupError(f"stopped by {signal.Signals(signum).name} "
                         f"(budget {seconds:.0f} s for the whole run)")

    signal.signal(signal.SIGALRM, stop)
    signal.signal(signal.SIGTERM, stop)
    signal.alarm(max(1, int(seconds)))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.smoke:
        args.clients, args.topics, args.rate, args.duration = 50, 2, 10.0, 5.0
    if args.mode is None:
        args.mode = "postgres" if args.workers > 1 else "sqlite"
    if args.workers > 1 and args.mode != "postgres":
        print("fanout: --workers > 1 needs --mode postgres", file=sys.stderr)
        return 2
    if min(args.clients, args.topics, args.workers) < 1 or args.rate <= 0 or args.duration <= 0:
        print("fanout: --clients, --topics, --workers, --rate and --duration must be positive",
              file=sys.stderr)
        return 2
    args.topics = min(args.topics, args.clients)
    cores = os.cpu_count() or 1
    if cores < 2:
        args.server_core = args.load_core = None
    limit = raise_nofile(args.clients + 1024)
    if limit < args.clients + 256:
        print(f"fanout: the open-files limit is {limit}; raise it (ulimit -n) for "
              f"{args.clients} clients", file=sys.stderr)
        return 2
    client_procs = args.client_procs or max(1, min(8, math.ceil(args.clients / 1000)))
    load = Load(
        clients=args.clients, topics=args.topics, channels=[], rate=args.rate,
        duration=args.duration, client_procs=client_procs, posters=args.posters,
        load_core=args.load_core, deflate=args.deflate,
        connect_concurrency=args.connect_concurrency,
    )
    print(f"machine: {machine_line()}")
    print(f"load average (1 min) before: {os.getloadavg()[0]:.2f}")
    pin_self(args.load_core)
    pinned = taskset_prefix(args.server_core)
    where = (f"server on core {args.server_core}, load (clients, posters) on core "
             f"{args.load_core}" if pinned else "not pinned (no taskset or one core)")
    print(f"pinning: {where}; Redis and PostgreSQL are not pinned")
    print(f"load: {args.clients:,} clients over {args.topics} topic(s) in {client_procs} "
          f"process(es); {args.rate:g} posts/s for {args.duration:g} s → "
          f"{args.rate * args.clients / args.topics:,.0f} deliveries/s expected")
    started = time.monotonic()
    _watchdog(58 if args.smoke else 2 * args.duration + 400 + 0.25 * args.clients)
    with tempfile.TemporaryDirectory(prefix="cps-bench-") as tmp:
        workdir = Path(tmp)
        base: Side | None = None
        try:
            cps = run_cps(args, load, workdir)
            print_side(cps)  # now, in case the baseline run fails
            if not args.no_baseline:
                try:
                    base = run_baseline(args, load, workdir)
                except (SetupError, OSError) as exc:
                    print(f"\nbaseline run failed: {exc!r}", file=sys.stderr)
        except SetupError as exc:
            print(f"fanout: {exc}", file=sys.stderr)
            kept = Path(tempfile.mkdtemp(prefix="cps-bench-logs-"))
            for log in workdir.glob("*.log"):
                shutil.copy(log, kept / log.name)
            print(f"fanout: server logs kept in {kept}", file=sys.stderr)
            return 2
        finally:
            signal.alarm(0)
    if base is not None:
        print_side(base)
        ratio = cps.cpu_us / base.cpu_us if base.deliveries and cps.deliveries else math.nan
        print(f"\nCPS / baseline, server CPU per delivery: {_fmt(ratio, 2)} times"
              f" ({_fmt(cps.cpu_us, 2)} µs / {_fmt(base.cpu_us, 2)} µs)")
    print(f"\nload average (1 min) after: {os.getloadavg()[0]:.2f}")
    checks = check_targets(args, cps, base)
    if args.smoke:
        checks = checks[:1]
    print()
    for name, passed, measured in checks:
        verdict = "n/a " if passed is None else ("PASS" if passed else "FAIL")
        print(f"{verdict}  {name}: {measured}")
    failed = [name for name, passed, _ in checks if passed is False]
    if base is not None and not base.integrity_ok:
        failed.append("baseline integrity")
    print(f"\n{'FAIL' if failed else 'PASS'} ({time.monotonic() - started:.0f} s)"
          + (f": {'; '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
