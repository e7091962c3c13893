"""The write path: what a post costs CPS, against the least a post can cost, in one run.

    .venv/bin/python -m bench.write                        # SQLite, PostgreSQL, PostgreSQL + Redis
    .venv/bin/python -m bench.write --databases sqlite     # one database
    .venv/bin/python -m bench.write --smoke                # CI: seconds, judges nothing

For each database it starts `python -m cps serve` on a fresh database (one
process pinned to core 0; the load pinned to core 1), signs up `--users`
citizens and an organizer over the API, and opens the topics. Rate limits stay
on (the per-minute allowance raised so the load is not refused: every post still
runs the check); the posters are citizens, not moderators, so every check a post
passes runs; the topic's author is told of each post (notifications on).

Each server is measured the same way, by a load process pinned to core 1 that
speaks bare HTTP/1.1 (far cheaper than the server it measures):

1. saturation: `--concurrency` connections post back to back for `--duration`
   seconds: accepted posts per second (201s), and the server's CPU per post
   (user + system time of its processes, /proc) and, on PostgreSQL, the CPU of
   the database's backends per post;
2. half of it: posts at half the saturated rate, open loop, for `--duration`
   seconds: p50/p99 of the post's latency from its scheduled send time.

Then, on the same database, the same load against `bench/baseline_write.py`: a
Starlette endpoint on the same stack (SQLAlchemy async, CPS's engine settings,
CPS's broker) that reads the token's user with one indexed read, writes the post
row, the channel's seq and the event row in one transaction and publishes once;
and the same on the bare driver (`--raw`), to show what the stack itself costs.
On PostgreSQL + Redis (a private redis-server), CPS with one process and with
two (`--workers 2`, unpinned) posting into `--topics` topics.

Targets (issue 19), ratios within this run: CPS's server CPU per post ≤ 1.5x the
baseline's on each database; CPS's accepted posts per second into one topic ≥
0.7x the baseline's; 2 processes on PostgreSQL + Redis into many topics ≥ 1.6x
one process (this needs two idle cores: the load average is printed).

Exit status: 1 if a target failed, 2 if the run could not be set up.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import multiprocessing as mp
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bench.common import (
    cpu_seconds,
    descendants,
    free_port,
    percentile,
    pin_self,
    taskset_prefix,
    total_cpu,
)
from bench.fanout import (
    SetupError,
    _pg_backends_cpu,
    _stop,
    _wait_http,
    database,
    database_kinds,
    database_options,
    private_redis,
)
from bench.machine import describe

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench password 1234"  # throwaway accounts on a throwaway database

TARGET_CPU_RATIO = 1.5
TARGET_RATE_RATIO = 0.7
TARGET_SCALE = 1.6


# The load: a process pinned to one core, speaking bare HTTP/1.1 over keep-alive
# connections (httpx would cost a good part of what it measures).


@dataclass
class LoadSpec:
    port: int
    topics: list[int]
    tokens: list[str]
    handles: list[str]
    concurrency: int
    duration: float
    rate: float  # 0: closed loop (saturation); else posts per second, open loop
    warmup: int
    run_id: str
    core: int | None
    mention_every: int


@dataclass
class LoadReport:
    statuses: dict[str, int]
    latencies: list[float]  # seconds, sorted, of accepted posts
    elapsed: float
    cpu_seconds: float
    late: int = 0  # open loop: posts sent over 50 ms after their slot

    @property
    def ok(self) -> int:
        return self.statuses.get("201", 0)


class HttpConnection:
    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: bytes, token: str, body: bytes) -> str:
        """The answer's status, or the name of the error that stopped it. A kept-alive
        connection the server closed while idle is opened again and the post sent once
        more, as HTTP clients do (safe: the post carries its client_id)."""
        reused = self.writer is not None
        try:
            return await self._post(path, token, body)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                ConnectionError, ValueError) as exc:
            self.close()
            if reused and isinstance(exc, asyncio.IncompleteReadError | ConnectionResetError |
                                     BrokenPipeError) and not getattr(exc, "partial", b""):
                return await self.post(path, token, body)
            return type(exc).__name__

    async def _post(self, path: bytes, token: str, body: bytes) -> str:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        self.writer.write(
            b"POST " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
            + token.encode() + b"\r\nContent-Type: application/json\r\nContent-Length: "
            + str(len(body)).encode() + b"\r\n\r\n" + body
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = head[9:12].decode()
        lower = head.lower()
        at = lower.find(b"content-length:")
        if at < 0:
            raise ConnectionError("an answer without Content-Length")
        length = int(lower[at + 15 : lower.index(b"\r\n", at)])
        await self.reader.readexactly(length)
        if b"connection: close" in lower:
            self.close()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class Poster:
    def __init__(self, spec: LoadSpec) -> None:
        self.spec = spec
        self.counter = itertools.count()

    def request(self, n: int) -> tuple[bytes, str, bytes]:
        spec = self.spec
        topic = spec.topics[n % len(spec.topics)]
        author = n % len(spec.tokens)
        text = f"Post {n} of the write benchmark: plain words, as most posts are."
        if spec.mention_every and n % spec.mention_every == 0 and len(spec.handles) > 1:
            text += f" Thanks @{spec.handles[(author + 1) % len(spec.handles)]}."
        body = json.dumps({"body": text, "client_id": f"{spec.run_id}-{n}"}).encode()
        return f"/api/v1/topics/{topic}/posts".encode(), spec.tokens[author], body

    async def closed_loop(self, conns: list[HttpConnection], seconds: float,
                          statuses: dict[str, int], latencies: list[float]) -> None:
        stop = time.perf_counter() + seconds

        async def worker(conn: HttpConnection) -> None:
            while time.perf_counter() < stop:
                path, token, body = self.request(next(self.counter))
                sent = time.perf_counter()
                status = await conn.post(path, token, body)
                statuses[status] = statuses.get(status, 0) + 1
                if status == "201":
                    latencies.append(time.perf_counter() - sent)

        await asyncio.gather(*(worker(c) for c in conns))

    async def open_loop(self, conns: list[HttpConnection], seconds: float, rate: float,
                        statuses: dict[str, int], latencies: list[float]) -> int:
        idle: list[HttpConnection] = list(conns)
        late = 0
        start = time.perf_counter() + 0.05
        tasks: set[asyncio.Task[None]] = set()

        async def one(slot: float) -> None:
            conn = idle.pop() if idle else HttpConnection(self.spec.port)
            path, token, body = self.request(next(self.counter))
            status = await conn.post(path, token, body)
            idle.append(conn)
            statuses[status] = statuses.get(status, 0) + 1
            if status == "201":
                latencies.append(time.perf_counter() - slot)

        for i in range(int(rate * seconds)):
            slot = start + i / rate
            delay = slot - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -0.05:
                late += 1
            task = asyncio.create_task(one(slot))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.wait(tasks, timeout=60)
        return late

    async def run(self, pipe: Connection) -> LoadReport:
        spec = self.spec
        conns = [HttpConnection(spec.port) for _ in range(spec.concurrency)]
        warm: dict[str, int] = {}

        async def warming(conn: HttpConnection, posts: int) -> None:
            for _ in range(posts):
                path, token, body = self.request(next(self.counter))
                status = await conn.post(path, token, body)
                warm[status] = warm.get(status, 0) + 1

        # On every connection at once, as the load will be: the server's pool then
        # holds the connections the load needs before it is measured (one at a time,
        # a pool of one opened the rest in the measured phase, on its CPU).
        share, extra = divmod(spec.warmup, len(conns))
        await asyncio.gather(*(warming(conn, share + (i < extra))
                               for i, conn in enumerate(conns)))
        pipe.send(("ready", warm))
        await asyncio.to_thread(pipe.recv)  # "go"
        statuses: dict[str, int] = {}
        latencies: list[float] = []
        started = time.perf_counter()
        late = 0
        if spec.rate <= 0:
            await self.closed_loop(conns, spec.duration, statuses, latencies)
        else:
            late = await self.open_loop(conns, spec.duration, spec.rate, statuses, latencies)
        elapsed = time.perf_counter() - started
        for conn in conns:
            conn.close()
        usage = os.times()
        return LoadReport(statuses, sorted(latencies), elapsed, usage.user + usage.system, late)


def load_main(spec: LoadSpec, pipe: Connection) -> None:
    pin_self(spec.core)
    try:
        import uvloop

        report = uvloop.run(Poster(spec).run(pipe))
        pipe.send(report)
    except Exception as exc:  # report instead of dying silently
        pipe.send(("crashed", repr(exc)))
    finally:
        pipe.close()


# The servers.


@dataclass
class Figures:
    """One server under the load."""

    name: str
    accepted_per_s: float = math.nan
    cpu_ms: float = math.nan  # server CPU per accepted post, saturated
    db_cpu_ms: float = math.nan  # PostgreSQL backends' CPU per accepted post
    redis_cpu_ms: float = math.nan
    saturated_p50_ms: float = math.nan
    half_rate: float = math.nan
    p50_ms: float = math.nan
    p99_ms: float = math.nan
    statuses: dict[str, int] = field(default_factory=dict)  # both phases, warm-up included
    half_late: int = 0
    load_cpu_ms: float = math.nan  # the load process's CPU per post (it must stay small)
    processes: int = 1

    @property
    def refused(self) -> dict[str, int]:
        return {k: v for k, v in self.statuses.items() if k != "201"}


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    pg_database: str | None
    redis_pid: int | None

    def pids(self) -> list[int]:
        return descendants(self.proc.pid)

    def helpers(self) -> dict[str, dict[int, float]]:
        """CPU seconds by pid of this database's PostgreSQL backends and of Redis."""
        out: dict[str, dict[int, float]] = {}
        if self.pg_database is not None:
            out["db"] = _pg_backends_cpu(self.pg_database)
        if self.redis_pid is not None:
            out["redis"] = {self.redis_pid: cpu_seconds(self.redis_pid)}
        return out


def _cps_env(url: str, redis_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPS_")}
    env |= {
        "CPS_DATABASE_URL": url,
        "CPS_PASSWORD_PROFILE": "test",
        "CPS_SECRET_KEY": "write-benchmark-" + "k" * 32,
        # Rate limits stay on: each post is counted and checked; the allowances are
        # raised so that a benchmark's citizen posting hundreds a minute is not refused.
        "CPS_RATE_LIMITS": "on",
        "CPS_POSTS_PER_MINUTE": "1000000",
        "CPS_TOPICS_PER_HOUR": "1000000",
        "CPS_SIGNUPS_PER_ADDRESS": "1000000",
        "CPS_SIGNUPS_PER_MINUTE": "1000000",
        "PYTHONPATH": str(ROOT),
    }
    if redis_url:
        env["CPS_REDIS_URL"] = redis_url
    return env


@contextlib.contextmanager
def serve(cmd: list[str], env: dict[str, str], port: int, workdir: Path, name: str,
          pg_database: str | None, redis_pid: int | None, workers: int = 1) -> Iterator[Server]:
    log_path = workdir / f"{name}.log"
    with log_path.open("ab") as log:
        proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_http(f"http://127.0.0.1:{port}/readyz", 120, proc)
            if workers > 1:
                deadline = time.monotonic() + 60
                while len(descendants(proc.pid)) < workers + 1 and time.monotonic() < deadline:
                    time.sleep(0.2)
                for _ in range(4 * workers):
                    _wait_http(f"http://127.0.0.1:{port}/readyz", 30, proc)
            yield Server(proc, port, pg_database, redis_pid)
        finally:
            _stop(proc)


def cps_server(
    url: str, redis: tuple[str, int] | None, workdir: Path, workers: int, core: int | None,
    pg_database: str | None, profile: str = "",
) -> contextlib.AbstractContextManager[Server]:
    port = free_port()
    program = ["-m", "bench.profile_serve", profile] if profile else ["-m", "cps"]
    cmd = [*(taskset_prefix(core) if workers == 1 else []), sys.executable, *program, "serve",
           "--port", str(port), "--workers", str(workers)]
    return serve(cmd, _cps_env(url, redis[0] if redis else None), port, workdir,
                 f"cps-{workers}", pg_database, redis[1] if redis else None, workers)


def baseline_server(url: str, workdir: Path, core: int | None, pg_database: str | None,
                    raw: bool) -> contextlib.AbstractContextManager[Server]:
    port = free_port()
    cmd = [*taskset_prefix(core), sys.executable, "-m", "bench.baseline_write",
           "--port", str(port), "--database-url", url, *(["--raw"] if raw else [])]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return serve(cmd, env, port, workdir, "baseline-raw" if raw else "baseline", pg_database,
                 None)


@dataclass
class Population:
    tokens: list[str]  # the citizens who post
    handles: list[str]
    topics: list[int]


def populate(port: int, users: int, topics: int) -> Population:
    """An organizer's organization, public space and topics; `users` citizens."""
    import httpx

    with httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v1", timeout=60) as http:

        def ok(r: httpx.Response) -> Any:
            if r.status_code not in (200, 201):
                raise SetupError(f"{r.request.method} {r.request.url}: {r.status_code} {r.text}")
            return r.json()

        def account(n: int) -> tuple[str, str]:
            email = f"writer-{n}-{secrets.token_hex(3)}@example.org"
            user = ok(http.post("/auth/register", json={
                "email": email, "password": PASSWORD, "display_name": f"Writer {n}",
                "stakeholder_type": "citizen"}))["user"]
            token = ok(http.post("/auth/login", json={"email": email,
                                                      "password": PASSWORD}))["token"]
            http.cookies.clear()
            return token, str(user["handle"])

        organizer, _ = account(0)
        auth = {"Authorization": f"Bearer {organizer}"}
        org = ok(http.post("/orgs", headers=auth, json={
            "name": "Write Bench City", "kind": "local_government", "country": "Korea"}))
        space = ok(http.post(f"/orgs/{org['org']['id']}/spaces", headers=auth, json={
            "name": "Writing", "description": "write benchmark", "visibility": "public"}))
        ids = [
            ok(http.post(f"/spaces/{space['space']['id']}/topics", headers=auth,
                         json={"title": f"Write topic {n + 1}", "body": "Opening post"}
                         ))["topic"]["id"]
            for n in range(topics)
        ]
        people = [account(n + 1) for n in range(users)]
    return Population([t for t, _ in people], [h for _, h in people], ids)


def _recv(pipe: Connection, timeout: float, what: str) -> Any:
    if not pipe.poll(timeout):
        raise SetupError(f"no answer from {what} within {timeout:.0f} s")
    message = pipe.recv()
    if isinstance(message, tuple) and message and message[0] == "crashed":
        raise SetupError(f"{what} crashed: {message[1]}")
    return message


def _phase(server: Server, spec: LoadSpec) -> tuple[LoadReport, float, dict[str, float],
                                                    dict[str, int]]:
    """Run one load phase: its report, the server's CPU and the helpers' CPU over it."""
    ctx = mp.get_context("spawn")
    mine, theirs = ctx.Pipe()
    proc = ctx.Process(target=load_main, args=(spec, theirs), daemon=True)
    proc.start()
    theirs.close()
    try:
        _, warm = _recv(mine, 120, "the load process (warm-up)")
        pids = server.pids()
        cpu = total_cpu(pids)
        helpers = server.helpers()
        mine.send("go")
        report: LoadReport = _recv(mine, spec.duration + 120, "the load process")
        cpu = total_cpu(pids) - cpu
        after = server.helpers()
        # Processes that came or went during the phase are left out (a lower bound:
        # the pool replaces a backend whose statement timed out).
        used = {name: sum(t - helpers.get(name, {})[pid] for pid, t in by_pid.items()
                          if pid in helpers.get(name, {}))
                for name, by_pid in after.items()}
    finally:
        proc.join(10)
        if proc.is_alive():
            proc.kill()
    return report, cpu, used, warm


def measure(name: str, server: Server, people: Population, args: argparse.Namespace,
            topics: list[int], processes: int = 1) -> Figures:
    figures = Figures(name, processes=processes)
    load_core = args.load_core

    def spec(rate: float, warmup: int) -> LoadSpec:
        return LoadSpec(server.port, topics, people.tokens, people.handles, args.concurrency,
                        args.duration, rate, warmup, secrets.token_hex(4), load_core,
                        args.mention_every)

    def tally(statuses: dict[str, int]) -> None:
        for k, v in statuses.items():
            figures.statuses[k] = figures.statuses.get(k, 0) + v

    _step(f"{name}: saturating for {args.duration:g} s")
    report, cpu, helpers, warm = _phase(server, spec(0.0, args.warmup))
    tally(warm)
    tally(report.statuses)
    if not report.ok:
        raise SetupError(f"{name}: no post was accepted ({report.statuses})")
    figures.accepted_per_s = report.ok / report.elapsed
    figures.cpu_ms = cpu / report.ok * 1000
    figures.saturated_p50_ms = percentile(report.latencies, 50) * 1000
    figures.load_cpu_ms = report.cpu_seconds / report.ok * 1000
    if "db" in helpers:
        figures.db_cpu_ms = helpers["db"] / report.ok * 1000
    if "redis" in helpers:
        figures.redis_cpu_ms = helpers["redis"] / report.ok * 1000
    figures.half_rate = figures.accepted_per_s / 2
    _step(f"{name}: {figures.accepted_per_s:.0f}/s; now {figures.half_rate:.0f}/s "
          f"for {args.duration:g} s")
    report, _, _, warm = _phase(server, spec(figures.half_rate, 0))
    tally(report.statuses)
    figures.p50_ms = percentile(report.latencies, 50) * 1000
    figures.p99_ms = percentile(report.latencies, 99) * 1000
    figures.half_late = report.late
    return figures


def _step(text: str) -> None:
    print(f"  .. {text}", file=sys.stderr, flush=True)


# A run.


@dataclass
class DatabaseRun:
    kind: str
    cps: Figures | None = None
    baseline: Figures | None = None
    raw: Figures | None = None
    one: Figures | None = None  # PostgreSQL + Redis, many topics, 1 process
    two: Figures | None = None  # ... 2 processes


def run_database(kind: str, args: argparse.Namespace, workdir: Path) -> DatabaseRun:
    out = DatabaseRun(kind)
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(database(kind, args.pg_admin))
        pg_db = url.rsplit("/", 1)[1] if kind == "postgresql" else None
        profile = f"{args.profile}.{kind}.prof" if args.profile else ""
        with cps_server(url, None, workdir, 1, args.server_core, pg_db, profile) as server:
            _step(f"{kind}: signing up {args.users} citizens, opening {args.topics} topics")
            people = populate(server.port, args.users, args.topics)
            out.cps = measure(f"CPS, {kind}, 1 process, one topic", server, people, args,
                              people.topics[:1])
        with baseline_server(url, workdir, args.server_core, pg_db, raw=False) as server:
            out.baseline = measure(f"baseline, {kind}, SQLAlchemy", server, people, args,
                                   people.topics[:1])
        with baseline_server(url, workdir, args.server_core, pg_db, raw=True) as server:
            out.raw = measure(f"baseline, {kind}, bare driver", server, people, args,
                              people.topics[:1])
        if kind == "postgresql" and not args.no_scale:
            redis = stack.enter_context(private_redis(workdir))
            with cps_server(url, redis, workdir, 1, args.server_core, pg_db) as server:
                out.one = measure(f"CPS, postgresql + redis, 1 process, {args.topics} topics",
                                  server, people, args, people.topics)
            with cps_server(url, redis, workdir, 2, None, pg_db) as server:
                out.two = measure(f"CPS, postgresql + redis, 2 processes, {args.topics} topics",
                                  server, people, args, people.topics, processes=2)
    return out


def _fmt(value: float, digits: int = 2) -> str:
    return "n/a" if math.isnan(value) else f"{value:,.{digits}f}"


def print_figures(f: Figures) -> None:
    print(f"{f.name:<56} {_fmt(f.accepted_per_s, 0):>6}/s  CPU {_fmt(f.cpu_ms)} ms/post"
          + (f" (+ db {_fmt(f.db_cpu_ms)})" if not math.isnan(f.db_cpu_ms) else "")
          + (f" (+ redis {_fmt(f.redis_cpu_ms)})" if not math.isnan(f.redis_cpu_ms) else "")
          + f"; at {_fmt(f.half_rate, 0)}/s p50 {_fmt(f.p50_ms, 1)} ms, p99 {_fmt(f.p99_ms, 1)} ms"
          + (f"; refused {f.refused}" if f.refused else "")
          + (f"; {f.half_late} sent late" if f.half_late else ""))


def print_profile(path: str, rows: int = 30) -> None:
    """Where CPS's process spent its time: the functions of most cumulative time."""
    import pstats

    if not Path(path).exists():
        print(f"\nno profile at {path}")
        return
    print(f"\n== profile of CPS ({path}), cumulative, top {rows}")
    stats = pstats.Stats(path)
    stats.sort_stats("cumulative").print_stats(rows)


def targets(runs: list[DatabaseRun]) -> list[tuple[str, bool, str]]:
    checks: list[tuple[str, bool, str]] = []
    for run in runs:
        cps, base = run.cps, run.baseline
        if cps is None or base is None:
            continue
        ratio = cps.cpu_ms / base.cpu_ms
        checks.append((f"{run.kind}: server CPU per post ≤ {TARGET_CPU_RATIO:g}x the baseline's",
                       ratio <= TARGET_CPU_RATIO,
                       f"{ratio:.2f}x ({_fmt(cps.cpu_ms)} / {_fmt(base.cpu_ms)} ms)"))
        rate = cps.accepted_per_s / base.accepted_per_s
        checks.append((f"{run.kind}: accepted posts/s into one topic ≥ {TARGET_RATE_RATIO:g}x "
                       "the baseline's", rate >= TARGET_RATE_RATIO,
                       f"{rate:.2f}x ({cps.accepted_per_s:.0f} / {base.accepted_per_s:.0f})"))
        refused = cps.refused
        checks.append((f"{run.kind}: no post refused (no 429, no 503, no error)", not refused,
                       str(refused or "none")))
        if run.one is not None and run.two is not None:
            scale = run.two.accepted_per_s / run.one.accepted_per_s
            checks.append((f"{run.kind} + redis, many topics: 2 processes ≥ {TARGET_SCALE:g}x "
                           "one process's posts/s", scale >= TARGET_SCALE,
                           f"{scale:.2f}x ({run.two.accepted_per_s:.0f} / "
                           f"{run.one.accepted_per_s:.0f})"))
    return checks


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    database_options(p)
    p.add_argument("--users", type=int, default=20, help="citizens posting (default 20)")
    p.add_argument("--topics", type=int, default=20,
                   help="topics of the many-topics runs (default 20)")
    p.add_argument("--concurrency", type=int, default=32,
                   help="connections posting back to back at saturation (default 32)")
    p.add_argument("--duration", type=float, default=10.0, help="seconds per phase (default 10)")
    p.add_argument("--warmup", type=int, default=200, help="posts before each measure")
    p.add_argument("--mention-every", type=int, default=0,
                   help="every Nth post mentions another citizen (default 0: none)")
    p.add_argument("--no-scale", action="store_true",
                   help="skip the PostgreSQL + Redis runs of 1 and 2 processes")
    p.add_argument("--profile", default="",
                   help="run CPS's one-process server under cProfile, into PROFILE.<db>.prof "
                        "(slower: compare its shares, not its times), and print where it spent")
    p.add_argument("--server-core", type=int, default=0)
    p.add_argument("--load-core", type=int, default=1)
    p.add_argument("--smoke", action="store_true", help="seconds, for CI; judges nothing")
    return p


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    kinds = database_kinds(parser, args)
    if args.smoke:
        args.users, args.topics, args.concurrency = 3, 2, 4
        args.duration, args.warmup = 1.0, 10
    if (os.cpu_count() or 1) < 2:
        args.server_core = args.load_core = None
    print(f"machine: {describe()}")
    print(f"load average (1/5/15 min) before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"pinning: one server process on core {args.server_core}, the load on core "
          f"{args.load_core}; two server processes, PostgreSQL and Redis unpinned")
    print(f"load: {args.users} citizens, {args.concurrency} connections, {args.duration:g} s "
          f"per phase, {args.warmup} warm-up posts"
          + (f", every {args.mention_every}th post mentions someone" if args.mention_every
             else ""))
    started = time.monotonic()
    runs: list[DatabaseRun] = []
    with tempfile.TemporaryDirectory(prefix="cps-write-") as tmp:
        try:
            for kind in kinds:
                run = run_database(kind, args, Path(tmp))
                runs.append(run)
                print(f"\n== {kind}")
                for f in (run.cps, run.baseline, run.raw, run.one, run.two):
                    if f is not None:
                        print_figures(f)
        except SetupError as exc:
            kept = Path(tempfile.mkdtemp(prefix="cps-write-logs-"))
            for log in Path(tmp).glob("*.log"):
                shutil.copy(log, kept / log.name)
            print(f"write: {exc} (server logs kept in {kept})", file=sys.stderr)
            return 2
    print(f"\nload average (1/5/15 min) after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.profile:
        for run in runs:
            print_profile(f"{args.profile}.{run.kind}.prof")
    checks = targets(runs)
    print()
    for name, passed, measured in checks:
        print(f"{'PASS' if passed else 'FAIL'}  {name}: {measured}")
    failed = [name for name, passed, _ in checks if not passed]
    elapsed = time.monotonic() - started
    if args.smoke:
        print(f"\nSMOKE: PASS ({elapsed:.0f} s; figures not judged)")
        return 0
    print(f"\n{'FAIL' if failed else 'PASS'} ({elapsed:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
