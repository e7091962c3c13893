"""Connect benchmark: 5,000 sockets connect and subscribe to one topic, then all
drop and resubscribe at once with `since` (a reconnect storm), against a minimal
WebSocket server in the same run.

    .venv/bin/python -m bench.connect --smoke                  # CI: 200 sockets, judges integrity
    .venv/bin/python -m bench.connect                          # 5,000 sockets, 1 process, SQLite
    .venv/bin/python -m bench.connect --mode postgres --workers 2   # PostgreSQL + Redis

What it does, all on 127.0.0.1:

1. starts `python -m cps serve` pinned to core 0 (`taskset`) on a fresh
   database (as bench/fanout.py does), registers a user and opens one topic;
2. one client process, pinned to core 1, opens --sockets WebSockets,
   --concurrency handshakes in flight, each signed in with the user's token
   (`?token=`, as a browser does) and subscribing to the topic; the phase's time
   runs from the first handshake to the last `subscribed` frame;
3. the storm: every socket closes, and once the server let them all go they
   reconnect at once (--storm-concurrency in flight) and subscribe again with
   `since` = the seq their `subscribed` frame said. Every socket must be
   answered `subscribed` with the same seq again (no event was written
   meanwhile): a socket refused, timed out, closed, or answered with an error
   or a `reset` counts as lost;
4. during each phase it reads the server's CPU time (/proc) and samples its RSS
   every 20 ms: the memory peak;
5. does 2-4 again against bench/baseline_broadcast.py (a `websockets` server that
   answers `subscribed` and does nothing else: no authentication, no database),
   with the same client, and prints CPS's time and CPU as ratios to it;
6. prints the machine and a PASS/FAIL line per target of issue 19.

Exit status: 1 if a target failed (a socket lost or refused counts), 2 if the
run could not be set up.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import math
import multiprocessing as mp
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
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
    pin_self,
    raise_nofile,
    run_queue_wait,
    taskset_prefix,
    total_cpu,
    total_rss,
)
from bench.fanout import (  # noqa: E402
    SetupError,
    _make_topics,
    _stop,
    _wait_http,
    fresh_postgres,
    private_redis,
)
from bench.loadclient import ClientProcess, ClientSocket, ClientSpec  # noqa: E402

# Issue 19's targets.
TARGET_RATIO = 1.5  # CPS's time to connect (or to weather the storm) ÷ the minimal server's
TARGET_SECONDS = 6.0  # 5,000 sockets, one server process on one core
TARGET_SOCKETS = 5000
PHASE_TIMEOUT = 60.0  # a socket not subscribed within this is lost


# The client process.


@dataclass
class PhaseReport:
    subscribed: int = 0
    lost: int = 0
    seconds: float = 0.0
    client_cpu: float = 0.0
    seq_changed: int = 0  # a resubscribe answered with another seq than before
    errors: list[str] = field(default_factory=list)
    frames: dict[str, int] = field(default_factory=dict)


class ConnectClient(ClientProcess):
    """Opens the sockets when told, drops and reopens them when told."""

    def __init__(self, spec: ClientSpec, pipe: Connection, storm_concurrency: int) -> None:
        super().__init__(spec, pipe)
        self.storm_concurrency = storm_concurrency

    async def _open(self, channel: str, since: int | None, gate: asyncio.Semaphore,
                    report: PhaseReport) -> ClientSocket | None:
        """One socket, one attempt: a refusal or a time-out is a lost socket."""
        loop = asyncio.get_running_loop()
        async with gate:
            sock = ClientSocket(self, channel)
            sock.since = since
            try:
                await asyncio.wait_for(
                    loop.create_connection(functools.partial(_same, sock), self.spec.host,
                                           self.spec.port), PHASE_TIMEOUT)
                await asyncio.wait_for(asyncio.shield(sock.subscribed), PHASE_TIMEOUT)
            except (TimeoutError, OSError) as exc:
                if sock.transport is not None:
                    sock.transport.close()
                report.lost += 1
                if len(report.errors) < 10:
                    report.errors.append(f"{channel}: {exc!r}")
                return None
        return sock

    async def _phase(self, since: dict[int, int] | None, concurrency: int) -> PhaseReport:
        report = PhaseReport()
        gate = asyncio.Semaphore(concurrency)
        cpu = _own_cpu()
        started = time.perf_counter()
        channels = self.spec.channels
        opened = await asyncio.gather(*(
            self._open(ch, None if since is None else since[i], gate, report)
            for i, ch in enumerate(channels)))
        report.seconds = time.perf_counter() - started
        report.client_cpu = _own_cpu() - cpu
        self.sockets = [s for s in opened if s is not None]
        report.subscribed = len(self.sockets)
        if since is not None:
            report.seq_changed = sum(
                1 for i, s in enumerate(opened)
                if s is not None and s.subscribed_seq != since[i])
        report.frames = dict(self.other)
        report.errors += self.errors[:10]
        self.other.clear()
        self.errors.clear()
        return report

    async def _drop(self) -> None:
        """Close every socket and wait until the server closed its side."""
        for sock in self.sockets:
            sock.close()
        deadline = time.monotonic() + PHASE_TIMEOUT
        while time.monotonic() < deadline and not all(s.lost_connection for s in self.sockets):
            await asyncio.sleep(0.05)
        for sock in self.sockets:
            if sock.transport is not None:
                sock.transport.close()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            command = await loop.run_in_executor(None, self.pipe.recv)
            if command == "connect":
                self.pipe.send(await self._phase(None, self.spec.connect_concurrency))
            elif command == "drop":
                seqs = {i: s.subscribed_seq or 0 for i, s in enumerate(self.sockets)}
                await self._drop()
                self.pipe.send(("dropped", len(seqs)))
                self._since = seqs
            elif command == "storm":
                self.spec.channels = self.spec.channels[: len(self._since)]
                self.pipe.send(await self._phase(self._since, self.storm_concurrency))
            else:
                await self._drop()
                self.pipe.send(("done",))
                return

    _since: dict[int, int]


def _same(sock: ClientSocket) -> ClientSocket:
    return sock


def _own_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def client_main(spec: ClientSpec, storm_concurrency: int, pipe: Connection) -> None:
    pin_self(spec.core)
    try:
        try:
            import uvloop
        except ImportError:
            asyncio.run(ConnectClient(spec, pipe, storm_concurrency).run())
        else:
            uvloop.run(ConnectClient(spec, pipe, storm_concurrency).run())
    except Exception as exc:  # report instead of dying silently
        pipe.send(("crashed", repr(exc)))
    finally:
        pipe.close()


# One side (CPS or the baseline) under the client.


@dataclass
class Phase:
    sockets: int = 0
    subscribed: int = 0
    lost: int = 0
    seq_changed: int = 0
    seconds: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    rss_before: int = 0
    rss_peak: int = 0
    waited: float = 0.0  # seconds the server was runnable but another process had the core
    errors: list[str] = field(default_factory=list)
    frames: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return (self.subscribed == self.sockets and not self.lost and not self.seq_changed
                and not self.frames)


@dataclass
class Side:
    name: str
    connect: Phase = field(default_factory=Phase)
    storm: Phase = field(default_factory=Phase)


class RssPeak:
    """Samples the server processes' RSS every 20 ms in a thread: the peak."""

    def __init__(self, pids: Callable[[], list[int]]) -> None:
        self.pids = pids
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        pids = self.pids()
        while not self._stop.is_set():
            self.peak = max(self.peak, total_rss(pids))
            self._stop.wait(0.02)

    def __enter__(self) -> RssPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, total_rss(self.pids()))


def _recv(pipe: Connection, timeout: float, what: str) -> Any:
    if not pipe.poll(timeout):
        raise SetupError(f"no answer from the client within {timeout:.0f} s ({what})")
    message = pipe.recv()
    if isinstance(message, tuple) and message and message[0] == "crashed":
        raise SetupError(f"the client crashed: {message[1]}")
    return message


def _settle(pids: list[int], quiet: float = 0.05, longest: float = 20.0) -> None:
    """Wait until the server uses under `quiet` of a core (closes still unwinding)."""
    deadline = time.monotonic() + longest
    before = total_cpu(pids)
    while time.monotonic() < deadline:
        time.sleep(0.3)
        now = total_cpu(pids)
        if now - before < quiet * 0.3:
            return
        before = now


def _measure(phase: Phase, pipe: Connection, command: str, pids: Callable[[], list[int]],
             sockets: int) -> None:
    phase.sockets = sockets
    current = pids()
    phase.rss_before = total_rss(current)
    cpu = total_cpu(current)
    waited = run_queue_wait(current)
    with RssPeak(pids) as peak:
        pipe.send(command)
        report: PhaseReport = _recv(pipe, PHASE_TIMEOUT * 3 + sockets * 0.05, command)
        _settle(current)
    phase.server_cpu = total_cpu(current) - cpu
    phase.waited = run_queue_wait(current) - waited
    phase.rss_peak = peak.peak
    phase.subscribed = report.subscribed
    phase.lost = report.lost
    phase.seq_changed = report.seq_changed
    phase.seconds = report.seconds
    phase.client_cpu = report.client_cpu
    phase.errors = report.errors
    phase.frames = report.frames


def drive(side: Side, args: argparse.Namespace, port: int, path: str, channel: str,
          pids: Callable[[], list[int]]) -> None:
    ctx = mp.get_context("spawn")
    mine, theirs = ctx.Pipe()
    spec = ClientSpec("127.0.0.1", port, path, [channel] * args.sockets, args.load_core,
                      connect_concurrency=args.concurrency)
    proc = ctx.Process(target=client_main, args=(spec, args.storm_concurrency, theirs),
                       daemon=True)
    proc.start()
    theirs.close()
    try:
        _step(f"{side.name}: connecting {args.sockets:,} sockets")
        _measure(side.connect, mine, "connect", pids, args.sockets)
        _step(f"{side.name}: {side.connect.subscribed:,} subscribed in "
              f"{side.connect.seconds:.2f} s; dropping them all")
        mine.send("drop")
        _, dropped = _recv(mine, PHASE_TIMEOUT + 10, "drop")
        _settle(pids())
        _step(f"{side.name}: the storm: {dropped:,} sockets resubscribe with since")
        _measure(side.storm, mine, "storm", pids, dropped)
        mine.send("done")
        _recv(mine, PHASE_TIMEOUT + 10, "done")
    finally:
        proc.join(5)
        if proc.is_alive():
            proc.kill()
            proc.join(2)


def _step(text: str) -> None:
    print(f"  .. {text}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def cps_server(args: argparse.Namespace, workdir: Path) -> Iterator[tuple[str, int, str]]:
    """`cps serve` on a fresh database: (name, port, the user's token)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPS_")}
    env |= {"CPS_RATE_LIMITS": "off",  # 5,000 sockets from one address
            "CPS_PASSWORD_PROFILE": "test", "CPS_SECRET_KEY": secrets.token_urlsafe(32)}
    with contextlib.ExitStack() as stack:
        if args.mode == "postgres":
            env["CPS_DATABASE_URL"] = stack.enter_context(fresh_postgres(args.pg_admin))
        else:
            env["CPS_DATABASE_URL"] = f"sqlite:///{workdir / 'bench.db'}"
        if args.workers > 1 or args.redis:
            env["CPS_REDIS_URL"], _ = stack.enter_context(private_redis(workdir))
        name = (f"CPS ({args.workers} process{'es' if args.workers > 1 else ''}, {args.mode}, "
                f"{'redis' if 'CPS_REDIS_URL' in env else 'memory broker'})")
        log = (workdir / "cps-serve.log").open("wb")
        stack.callback(log.close)
        server = subprocess.Popen(
            [*taskset_prefix(args.server_core), sys.executable, "-m", "cps", "serve",
             "--port", str(port), "--workers", str(args.workers)],
            cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
        stack.callback(_stop, server)
        base = f"http://127.0.0.1:{port}"
        _wait_http(f"{base}/readyz", 90, server)
        deadline = time.monotonic() + 60
        expected = 1 if args.workers == 1 else args.workers + 1
        while len(descendants(server.pid)) < expected and time.monotonic() < deadline:
            time.sleep(0.2)
        for _ in range(4 * args.workers):
            _wait_http(f"{base}/readyz", 30, server)
        token, channels = _make_topics(base, 1)
        args.server_pid = server.pid
        yield name, port, f"/ws?token={token}#{channels[0]}"


def run_cps(args: argparse.Namespace, workdir: Path) -> Side:
    with cps_server(args, workdir) as (name, port, where):
        path, channel = where.split("#", 1)
        side = Side(name)
        pid = args.server_pid
        drive(side, args, port, path, channel, lambda: descendants(pid))
    return side


BASELINES = {
    "baseline_broadcast.py": "baseline (a websockets server that answers subscribe, 1 process)",
    "baseline_asgi.py": "the server stack alone (a bare ASGI app on CPS's uvicorn, 1 process)",
}


def run_baseline(args: argparse.Namespace, workdir: Path,
                 script: str = "baseline_broadcast.py") -> Side:
    import socket

    side = Side(BASELINES[script])
    port, control = free_port(), free_port()
    log = (workdir / f"{script}.log").open("wb")
    server = subprocess.Popen(
        [*taskset_prefix(args.server_core), sys.executable,
         str(ROOT / "bench" / script), "--port", str(port),
         "--control-port", str(control)], cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
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
        drive(side, args, port, "/ws", "topic:1", lambda: [server.pid])
    finally:
        _stop(server, 5)
        log.close()
    return side


# Report.


def _ratio(a: float, b: float) -> float:
    return a / b if b else math.nan


def print_side(side: Side) -> None:
    print(f"\n== {side.name}")
    for label, phase in (("connect and subscribe", side.connect),
                         ("reconnect storm (since)", side.storm)):
        per_socket = phase.server_cpu / phase.subscribed * 1e6 if phase.subscribed else math.nan
        grown = (phase.rss_peak - phase.rss_before) / 2**20
        rate = phase.subscribed / phase.seconds if phase.seconds else 0.0
        print(f"{label:<24} {phase.subscribed:,} of {phase.sockets:,} subscribed in "
              f"{phase.seconds:.2f} s ({rate:,.0f}/s); lost {phase.lost}"
              + (f", {phase.seq_changed} answered another seq" if phase.seq_changed else "")
              + (f", other frames {phase.frames}" if phase.frames else ""))
        print(f"{'':<24} server CPU {phase.server_cpu:.2f} s ({per_socket:,.0f} µs per socket; "
              f"it waited {phase.waited:.2f} s for a busy core), "
              f"client CPU {phase.client_cpu:.2f} s; server RSS peak "
              f"{phase.rss_peak / 2**20:.0f} MiB ({grown:+.0f} MiB over the phase)")
        for error in phase.errors[:5]:
            print(f"{'':<24} error: {error}")


def check_targets(args: argparse.Namespace, cps: Side, base: Side | None,
                  stack: Side | None = None) -> list[tuple[str, bool | None, str]]:
    big = args.sockets >= TARGET_SOCKETS and args.workers == 1
    checks: list[tuple[str, bool | None, str]] = [
        ("no socket refused or lost, connecting or in the storm",
         cps.connect.ok and cps.storm.ok,
         f"lost {cps.connect.lost} + {cps.storm.lost}, subscribed {cps.connect.subscribed:,} "
         f"and {cps.storm.subscribed:,} of {args.sockets:,}"),
    ]
    for label, mine, theirs in (
        ("connect", cps.connect, base.connect if base else None),
        ("storm", cps.storm, base.storm if base else None),
    ):
        ratio = _ratio(mine.seconds, theirs.seconds) if theirs else math.nan
        checks.append((
            f"{label}: CPS within {TARGET_RATIO:g} times the minimal server's time",
            (ratio <= TARGET_RATIO) if theirs is not None and args.sockets >= 1000 else None,
            f"{ratio:.2f} times ({mine.seconds:.2f} s / "
            f"{theirs.seconds if theirs else math.nan:.2f} s)"))
        cpu_ratio = _ratio(mine.server_cpu, theirs.server_cpu) if theirs else math.nan
        checks.append((
            f"{label}: server CPU as a ratio to the minimal server's (shown, not judged: the "
            "issue's targets are times)", None, f"{cpu_ratio:.2f} times"))
        checks.append((
            f"{label}: {TARGET_SOCKETS:,} sockets under {TARGET_SECONDS:g} s, one process",
            (mine.seconds < TARGET_SECONDS) if big else None, f"{mine.seconds:.2f} s"))
        alone = None if stack is None else stack.connect if label == "connect" else stack.storm
        if alone is not None and theirs is not None:
            checks.append((
                f"{label}: where the time goes (shown, not judged): the server stack alone / "
                "the minimal server, and CPS / the stack alone",
                None, f"{_ratio(alone.seconds, theirs.seconds):.2f} and "
                f"{_ratio(mine.seconds, alone.seconds):.2f} times"))
    return checks


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description="CPS connect and reconnect-storm benchmark (issue 19)")
    p.add_argument("--sockets", type=int, default=TARGET_SOCKETS)
    p.add_argument("--concurrency", type=int, default=100,
                   help="handshakes in flight while connecting (default 100)")
    p.add_argument("--storm-concurrency", type=int, default=1000,
                   help="handshakes in flight in the storm (default 1000)")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--mode", choices=["sqlite", "postgres"],
                   help="database (default: sqlite for 1 process, postgres for more)")
    p.add_argument("--redis", action="store_true", help="Redis with 1 process too")
    p.add_argument("--pg-admin", default="postgresql://postgres@127.0.0.1:5432/test")
    p.add_argument("--server-core", type=int, default=0)
    p.add_argument("--load-core", type=int, default=1)
    p.add_argument("--no-baseline", action="store_true")
    p.add_argument("--smoke", action="store_true", help="200 sockets: judges integrity only")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.smoke:
        args.sockets = 200
    args.mode = args.mode or ("postgres" if args.workers > 1 else "sqlite")
    if args.workers > 1 and args.mode != "postgres":
        print("connect: --workers > 1 needs --mode postgres", file=sys.stderr)
        return 2
    if min(args.sockets, args.concurrency, args.storm_concurrency, args.workers) < 1:
        print("connect: --sockets, --concurrency and --workers must be positive", file=sys.stderr)
        return 2
    if (os.cpu_count() or 1) < 2:
        args.server_core = args.load_core = None
    if raise_nofile(args.sockets + 1024) < args.sockets + 256:
        print(f"connect: raise the open-files limit (ulimit -n) for {args.sockets} sockets",
              file=sys.stderr)
        return 2
    print(f"machine: {machine_line()}")
    print(f"load average (1 min) before: {os.getloadavg()[0]:.2f}")
    pin_self(args.load_core)
    print(f"pinning: server on core {args.server_core}, client on core {args.load_core}; "
          f"{args.sockets:,} sockets signed in with one token, one topic; "
          f"{args.concurrency} handshakes in flight connecting, {args.storm_concurrency} "
          "in the storm")
    started = time.monotonic()

    def stop(signum: int, frame: Any) -> None:
        raise SetupError(f"stopped by {signal.Signals(signum).name}")

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGALRM, stop)
    signal.alarm(170 if args.smoke else 600)
    base: Side | None = None
    stack: Side | None = None
    with tempfile.TemporaryDirectory(prefix="cps-bench-") as tmp:
        try:
            cps = run_cps(args, Path(tmp))
            print_side(cps)
            if not args.no_baseline:
                base = run_baseline(args, Path(tmp))
                print_side(base)
                if not args.smoke:
                    stack = run_baseline(args, Path(tmp), "baseline_asgi.py")
                    print_side(stack)
        except SetupError as exc:
            print(f"connect: {exc}", file=sys.stderr)
            log = Path(tmp) / "cps-serve.log"
            if log.exists():
                print(log.read_text(errors="replace")[-3000:], file=sys.stderr)
            return 2
        finally:
            signal.alarm(0)
    print(f"\nload average (1 min) after: {os.getloadavg()[0]:.2f}")
    checks = check_targets(args, cps, base, stack)
    if args.smoke:
        checks = checks[:1]
    print()
    for name, passed, measured in checks:
        verdict = "n/a " if passed is None else ("PASS" if passed else "FAIL")
        print(f"{verdict}  {name}: {measured}")
    failed = [name for name, passed, _ in checks if passed is False]
    for other in (base, stack):
        if other is not None and not (other.connect.ok and other.storm.ok):
            failed.append(f"{other.name} lost sockets")
    print(f"\n{'SMOKE: ' if args.smoke else ''}{'FAIL' if failed else 'PASS'} "
          f"({time.monotonic() - started:.0f} s)" + (f": {'; '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
