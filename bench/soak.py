"""Soak: many WebSocket clients, several workers, Redis and PostgreSQL, thousands
of posts from many authors over HTTP. Every client must end with every event of
every channel it follows: none lost, none twice, `seq` going up by one.

    .venv/bin/python bench/soak.py            # 500 clients, 2 workers, 10,000 posts
    .venv/bin/python bench/soak.py --smoke    # 100 clients, 1,000 posts: under a minute

It starts its own `cps serve --workers N` (CPS_RATE_LIMITS=off, the test
password profile), a private redis-server (or --redis-url) and a fresh database
on the PostgreSQL of --pg-admin-url, and removes them afterwards. The last line
is `SOAK PASS ...` or `SOAK FAIL ...`; the exit status says the same.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parents[1]
API = "/api/v1"
PASSWORD = "correct horse battery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentiles(values: list[float]) -> str:
    if not values:
        return "n/a"
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return (f"p50 {at(0.50):.1f} ms, p90 {at(0.90):.1f} ms, p99 {at(0.99):.1f} ms, "
            f"max {ordered[-1] * 1000:.1f} ms")


# --- the services ---------------------------------------------------------------------


class Services:
    """A private redis-server, a fresh PostgreSQL database, `cps serve`."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.folder = Path(tempfile.mkdtemp(prefix="cps-soak-"))
        self.redis: subprocess.Popen[bytes] | None = None
        self.redis_url = args.redis_url
        self.database = f"cps_soak_{uuid.uuid4().hex[:8]}"
        self.admin_url = args.pg_admin_url
        self.database_url = self.admin_url.rsplit("/", 1)[0] + "/" + self.database
        self.server: subprocess.Popen[bytes] | None = None
        self.port = free_port()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        if not self.redis_url:
            port = free_port()
            self.redis = subprocess.Popen(
                ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", str(self.folder)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.redis_url = f"redis://127.0.0.1:{port}/0"
        conn = await asyncpg.connect(self.admin_url)
        try:
            await conn.execute(f'CREATE DATABASE "{self.database}"')
        finally:
            await conn.close()
        env = {k: v for k, v in os.environ.items() if not k.startswith("CPS_")}
        env.update({
            "CPS_DATABASE_URL": self.database_url, "CPS_REDIS_URL": self.redis_url,
            "CPS_SECRET_KEY": "soak-secret-key-0123456789", "CPS_RATE_LIMITS": "off",
            "CPS_PASSWORD_PROFILE": "test", "PYTHONUNBUFFERED": "1",
        })
        log = (self.folder / "serve.log").open("wb")
        self.server = subprocess.Popen(
            [sys.executable, "-m", "cps", "serve", "--port", str(self.port),
             "--workers", str(self.args.workers)],
            cwd=self.folder, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient(base_url=self.base_url, timeout=2) as http:
            while True:
                if self.server.poll() is not None:
                    raise RuntimeError("cps serve exited:\n" + self.log())
                try:
                    if (await http.get("/readyz")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("cps serve did not become ready:\n" + self.log())
                await asyncio.sleep(0.1)
        await asyncio.sleep(1.5)  # every worker through its lifespan

    def log(self, tail: int = 40) -> str:
        path = self.folder / "serve.log"
        lines = path.read_text(errors="replace").splitlines() if path.exists() else []
        return "\n".join(lines[-tail:])

    async def versions(self) -> tuple[str, str]:
        conn = await asyncpg.connect(self.database_url)
        try:
            pg = str(await conn.fetchval("SHOW server_version"))
        finally:
            await conn.close()
        host, port = self.redis_url.split("//", 1)[1].split("/", 1)[0].split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(b"INFO server\r\n")
        await writer.drain()
        info = (await reader.read(4096)).decode(errors="replace")
        writer.close()
        redis = next((line.split(":", 1)[1].strip() for line in info.splitlines()
                      if line.startswith("redis_version:")), "?")
        return pg, redis

    async def stop(self) -> None:
        if self.server is not None and self.server.poll() is None:
            os.killpg(self.server.pid, signal.SIGTERM)
            try:
                self.server.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.server.pid, signal.SIGKILL)
                self.server.wait()
        if self.redis is not None:
            self.redis.kill()
            self.redis.wait()
        if not self.args.keep:
            conn = await asyncpg.connect(self.admin_url)
            try:
                await conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            finally:
                await conn.close()
            shutil.rmtree(self.folder, ignore_errors=True)


# --- the clients ------------------------------------------------------------------


@dataclass
class Client:
    """A WebSocket client following a few topics, checking every channel's seq."""

    url: str
    channels: list[str]
    last: dict[str, int] = field(default_factory=dict)
    posts: dict[str, set[int]] = field(default_factory=dict)
    gaps: int = 0
    duplicates: int = 0
    resets: int = 0
    errors: list[str] = field(default_factory=list)
    subscribed: asyncio.Event = field(default_factory=asyncio.Event)
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self, latencies: list[float], sent: dict[int, float]) -> None:
        try:
            async with connect(self.url, max_size=2**22, ping_interval=None,
                               open_timeout=60) as ws:
                for channel in self.channels:
                    self.last[channel] = 0
                    self.posts[channel] = set()
                    await ws.send(json.dumps({"type": "subscribe", "channel": channel,
                                              "since": 0}))
                waiting = set(self.channels)
                while not self.stop.is_set():
                    try:
                        raw = await asyncio.wait_for(ws.recv(), 0.5)
                    except TimeoutError:
                        continue
                    now = time.monotonic()
                    frame = json.loads(raw)
                    kind = frame.get("type")
                    if kind == "event":
                        self._event(frame, now, latencies, sent)
                    elif kind == "subscribed":
                        waiting.discard(frame["channel"])
                        if not waiting:
                            self.subscribed.set()
                    elif kind == "reset":
                        self.resets += 1
                    elif kind == "error":
                        self.errors.append(str(frame)[:200])
        except Exception as exc:  # a dropped socket is a failure of the soak
            self.errors.append(repr(exc)[:200])

    def _event(self, frame: dict[str, Any], now: float, latencies: list[float],
               sent: dict[int, float]) -> None:
        channel = frame["channel"]
        seq = int(frame["seq"])
        last = self.last.get(channel, 0)
        if seq <= last:
            self.duplicates += 1
            return
        if seq != last + 1:
            self.gaps += 1
        self.last[channel] = seq
        if frame.get("name") == "post.created":
            post_id = int(frame["data"]["id"])
            self.posts[channel].add(post_id)
            started = sent.get(post_id)
            if started is not None:
                latencies.append(now - started)


# --- the run ----------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        total = next(line for line in Path("/proc/meminfo").read_text().splitlines()
                     if line.startswith("MemTotal"))
        memory = f", {int(total.split()[1]) / 1024 / 1024:.1f} GiB RAM"
    except (OSError, StopIteration):
        pass
    return (f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} CPUs"
            f"{memory}, Python {platform.python_version()}")


POST_ATTEMPTS = 4


async def _post_as_a_client(
    http: httpx.AsyncClient, url: str, headers: dict[str, str], body: dict[str, Any],
    failures: list[str], retried: list[str],
) -> httpx.Response | None:
    """Post as the contract tells clients to: a 503 (the server is overloaded or its
    database did not answer in time) or a dropped connection is retried after
    Retry-After with the same client_id, so a post that did land is answered 200,
    not written twice. None, with the reason in `failures`, if it never lands."""
    for attempt in range(POST_ATTEMPTS):
        try:
            r = await http.post(url, headers=headers, json=body)
        except httpx.HTTPError as exc:
            problem = repr(exc)[:200]
        else:
            if r.status_code in (200, 201):
                return r
            problem = f"{r.status_code} {r.text[:200]}"
            if r.status_code != 503:
                break
        if attempt + 1 < POST_ATTEMPTS:
            retried.append(problem)
            await asyncio.sleep(0.5 * (attempt + 1))
    failures.append(problem)
    return None


async def register(http: httpx.AsyncClient, name: str) -> dict[str, Any]:
    email = f"{name.replace(' ', '-').lower()}-{uuid.uuid4().hex[:8]}@example.org"
    r = await http.post(f"{API}/auth/register",
                        json={"email": email, "password": PASSWORD, "display_name": name})
    r.raise_for_status()
    r = await http.post(f"{API}/auth/login", json={"email": email, "password": PASSWORD})
    r.raise_for_status()
    http.cookies.clear()
    return {"id": r.json()["user"]["id"], "auth": {"Authorization": f"Bearer {r.json()['token']}"}}


async def soak(args: argparse.Namespace) -> bool:
    services = Services(args)
    print(f"machine: {machine()}")
    print(f"soak: {args.clients} clients x {args.follow} topics, {args.workers} workers, "
          f"{args.posts} posts by {args.authors} authors in {args.topics} topics, "
          f"{args.concurrency} posting at once")
    try:
        await services.start()
        pg, redis = await services.versions()
        print(f"services: PostgreSQL {pg}, Redis {redis}, cps serve on {services.base_url}")
        return await _run(args, services)
    finally:
        await services.stop()


async def _run(args: argparse.Namespace, services: Services) -> bool:
    limits = httpx.Limits(max_connections=args.concurrency + 4)
    async with httpx.AsyncClient(base_url=services.base_url, timeout=60, limits=limits) as http:
        admin = await register(http, "Soak admin")
        org = (await http.post(f"{API}/orgs", headers=admin["auth"], json={
            "name": "Soak City", "kind": "local_government", "country": "Korea"})).json()["org"]
        space = (await http.post(f"{API}/orgs/{org['id']}/spaces", headers=admin["auth"], json={
            "name": "Soak", "visibility": "public"})).json()["space"]
        topics = []
        for n in range(args.topics):
            r = await http.post(f"{API}/spaces/{space['id']}/topics", headers=admin["auth"],
                                json={"title": f"Topic {n}", "body": "The first post"})
            topics.append(r.json()["topic"]["id"])
        authors = await asyncio.gather(*(register(http, f"Author {n}")
                                         for n in range(args.authors)))

        # Clients: each follows `follow` topics, every topic followed about equally.
        ws_url = services.base_url.replace("http", "ws") + "/ws"
        clients = []
        for n in range(args.clients):
            chosen = [topics[(n * args.follow + k) % len(topics)] for k in range(args.follow)]
            clients.append(Client(ws_url, sorted({f"topic:{t}" for t in chosen})))
        latencies: list[float] = []
        sent: dict[int, float] = {}
        tasks = []
        connect_started = time.monotonic()
        for start in range(0, len(clients), 50):
            batch = clients[start:start + 50]
            tasks += [asyncio.create_task(c.run(latencies, sent)) for c in batch]
            await asyncio.wait_for(asyncio.gather(*(c.subscribed.wait() for c in batch)), 60)
        print(f"clients: {len(clients)} subscribed in {time.monotonic() - connect_started:.1f} s")

        # Posts: `concurrency` posters, each author posting to random topics.
        created: dict[str, set[int]] = {f"topic:{t}": set() for t in topics}
        http_latencies: list[float] = []
        failures: list[str] = []
        retried: list[str] = []  # answers a client retried (503, connection errors)
        queue: asyncio.Queue[int] = asyncio.Queue()
        for n in range(args.posts):
            queue.put_nowait(n)
        rng = random.Random(7)

        async def poster() -> None:
            while True:
                try:
                    n = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                author = authors[n % len(authors)]
                topic = rng.choice(topics)
                started = time.monotonic()
                r = await _post_as_a_client(
                    http, f"{API}/topics/{topic}/posts", author["auth"],
                    {"body": f"soak post {n}", "client_id": f"s{n}"}, failures, retried)
                if r is None:
                    continue
                took = time.monotonic() - started
                post_id = int(r.json()["post"]["id"])
                sent[post_id] = started
                http_latencies.append(took)
                created[f"topic:{topic}"].add(post_id)

        posting_started = time.monotonic()
        await asyncio.gather(*(poster() for _ in range(args.concurrency)))
        posting = time.monotonic() - posting_started
        accepted = sum(len(ids) for ids in created.values())

        # Every client gets every event of what it follows.
        def complete(client: Client) -> bool:
            return all(client.posts[c] >= created[c] for c in client.channels)

        deadline = time.monotonic() + args.settle
        while time.monotonic() < deadline and not all(complete(c) for c in clients):
            await asyncio.sleep(0.2)
        drained = time.monotonic() - posting_started
        for client in clients:
            client.stop.set()
        await asyncio.gather(*tasks)

        # The database has every post, once.
        stored = 0
        for topic in topics:
            cursor = None
            while True:
                url = f"{API}/topics/{topic}/posts?limit=100" + (f"&cursor={cursor}"
                                                                if cursor else "")
                body = (await http.get(url)).json()
                stored += len(body["posts"])
                cursor = body["next_cursor"]
                if not cursor:
                    break
        stored -= len(topics)  # the first posts

    expected = sum(len(created[c]) for client in clients for c in client.channels)
    received = sum(len(client.posts[c] & created[c]) for client in clients
                   for c in client.channels)
    lost = expected - received
    duplicated = sum(c.duplicates for c in clients)
    gaps = sum(c.gaps for c in clients)
    resets = sum(c.resets for c in clients)
    errors = [e for c in clients for e in c.errors]
    print(f"posting: {accepted} posts accepted in {posting:.1f} s = "
          f"{accepted / posting:.0f} posts/s; HTTP {percentiles(http_latencies)}")
    print(f"delivery: {received} deliveries, all in {drained:.1f} s = "
          f"{received / drained:.0f} deliveries/s; post-to-client {percentiles(latencies)}")
    print(f"checks: lost {lost}, duplicated {duplicated}, seq gaps {gaps}, resets {resets}, "
          f"client errors {len(errors)}, failed posts {len(failures)}, "
          f"retried answers {len(retried)}, "
          f"stored {stored} of {accepted}")
    for problem in (failures + errors)[:5]:
        print(f"  e.g. {problem}")
    ok = (lost == 0 and duplicated == 0 and gaps == 0 and resets == 0 and not errors
          and not failures and accepted == args.posts and stored == accepted)
    verdict = "PASS" if ok else "FAIL"
    print(f"SOAK {verdict}: {args.posts} posts, {args.clients} clients, {args.workers} workers: "
          f"{lost} lost, {duplicated} duplicated, {gaps} gaps; "
          f"{accepted / posting:.0f} posts/s, delivery p99 "
          f"{(sorted(latencies)[int(0.99 * len(latencies))] * 1000) if latencies else 0:.0f} ms")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="a short run for CI")
    parser.add_argument("--clients", type=int)
    parser.add_argument("--posts", type=int)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--topics", type=int)
    parser.add_argument("--follow", type=int, default=3, help="topics per client")
    parser.add_argument("--authors", type=int)
    parser.add_argument("--concurrency", type=int, default=32, help="posts in flight")
    parser.add_argument("--settle", type=float, default=120.0,
                        help="seconds to wait for the last deliveries")
    parser.add_argument("--redis-url", help="use this Redis instead of a private one")
    parser.add_argument("--pg-admin-url", default=os.environ.get(
        "CPS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test"),
        help="a PostgreSQL database from which to create (and drop) the soak's own")
    parser.add_argument("--keep", action="store_true", help="keep the database and the logs")
    args = parser.parse_args()
    defaults = ((100, 1000, 10, 20) if args.smoke else (500, 10_000, 50, 200))
    for name, value in zip(("clients", "posts", "topics", "authors"), defaults, strict=True):
        if getattr(args, name) is None:
            setattr(args, name, value)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = args.clients * 3 + 512
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))
    return 0 if asyncio.run(soak(args)) else 1


if __name__ == "__main__":
    sys.exit(main())
