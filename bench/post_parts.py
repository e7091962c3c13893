"""Where a post's time goes: CPU per post in process, with each part switched off in turn.

    .venv/bin/python -m bench.post_parts                      # SQLite, 2,000 posts a variant
    .venv/bin/python -m bench.post_parts --database-url postgresql://postgres@127.0.0.1/bench
    .venv/bin/python -m bench.post_parts --smoke              # CI: seconds, judges nothing

The application is built as `cps serve` builds it (its lifespan run) on a fresh
database, and called through ASGI directly, without sockets: a citizen posts a
plain sentence into a topic an organizer opened (so the organizer is told of
each post), one post at a time, and the CPU of the whole process (aiosqlite's
thread included) is divided by the posts. Then the same with one part of a post
replaced by a no-op, then with all of them: the difference is what that part
costs. A measurement only: a post with a part switched off is not a valid post.

The parts: the token's read (`auth`: cached after the first), the topic
author's notification (`notify`), language detection (`lang`), markdown and
sanitising (`markdown`), tracking the topic (`tracking`: on PostgreSQL a CTE
of the post's insert, so what it saves there is less than a statement), counting the author
in (`participation`: also a write of the insert), the topic's event (`event`).

bench/write.py measures a post against a minimal write across the network; this
says which of CPS's parts the difference is made of (docs/scaling.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import pin_self  # noqa: E402
from bench.machine import describe  # noqa: E402

PASSWORD = "bench password 1234"  # throwaway accounts on a throwaway database
PARTS = ("auth", "notify", "lang", "markdown", "tracking", "participation", "event")
Asgi = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


def _environment(url: str) -> dict[str, str]:
    return {
        "CPS_DATABASE_URL": url, "CPS_PASSWORD_PROFILE": "test",
        "CPS_SECRET_KEY": "post-parts-benchmark-" + "k" * 32, "CPS_RATE_LIMITS": "on",
        "CPS_POSTS_PER_MINUTE": "1000000", "CPS_TOPICS_PER_HOUR": "1000000",
        "CPS_SIGNUPS_PER_ADDRESS": "1000000", "CPS_SIGNUPS_PER_MINUTE": "1000000",
    }


async def _noop(*_args: Any, **_kwargs: Any) -> None:
    return None


@contextmanager
def switched_off(parts: set[str]) -> Iterator[None]:
    """Replace each named part of a post with a no-op (restored afterwards)."""
    from cps.services.accounts import identity
    from cps.services.discussion import mentions, participation, posts
    from cps.services.events import journal
    from cps.services.following import levels
    from cps.services.languages import detection
    from cps.services.notifications import acts
    from cps.storage import portable

    cache: dict[str, Any] = {}
    real_authenticate = identity.authenticate

    async def cached(ctx: Any, token: str) -> Any:
        if token not in cache:
            cache[token] = await real_authenticate(ctx, token)
        return cache[token]

    async def plain(_session: Any, body: str) -> str:
        return f"<p>{body}</p>"

    async def nobody(*_args: Any, **_kwargs: Any) -> list[int]:
        return []

    # Tracking and taking part are writes of the published post's own insert, and the
    # audience is read with it: the insert without them.
    writes: list[Any] = [posts._count_post if "participation" in parts else posts._count_published]
    writes += [] if "tracking" in parts else [levels.track_unless_watching]
    writes += [] if "participation" in parts else [participation.counts_in]
    telling = portable.HotWithWrites(
        posts._insert_post, *writes, beside=None if "notify" in parts else acts.audience_statement)
    replaced: list[tuple[Any, str, Any]] = [
        (identity, "authenticate", cached), (acts, "post_published", _noop),
        (mentions, "mentioned_in", nobody), (detection, "detect", lambda _text: None),
        (posts, "_INSERT_TELLING", telling),
        (mentions, "render", plain),
        (participation, "took_part", _noop), (journal, "record", _noop),
    ]
    owner = {"authenticate": {"auth"}, "post_published": {"notify"},
             "mentioned_in": {"notify"},
             "_INSERT_TELLING": {"notify", "tracking", "participation"},
             "detect": {"lang"}, "render": {"markdown"},
             "took_part": {"participation"}, "record": {"event"}}
    saved = [(module, name, getattr(module, name)) for module, name, _ in replaced]
    try:
        for module, name, stand_in in replaced:
            if owner[name] & parts:
                setattr(module, name, stand_in)
        yield
    finally:
        for module, name, original in saved:
            setattr(module, name, original)


class Client:
    """Calls the ASGI app directly with the lifespan's state, as uvicorn would."""

    def __init__(self, app: Asgi, state: dict[str, Any]) -> None:
        self.app = app
        self.state = state

    async def call(self, method: str, path: str, token: str | None = None,
                   payload: dict[str, Any] | None = None) -> Any:
        body = json.dumps(payload).encode() if payload is not None else b""
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.Event().wait()  # the client never goes away
            raise AssertionError("unreachable")

        answer: dict[str, Any] = {"body": b""}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
            elif message["type"] == "http.response.body":
                answer["body"] += message.get("body", b"")

        headers = [(b"host", b"127.0.0.1"), (b"content-type", b"application/json"),
                   (b"content-length", str(len(body)).encode())]
        if token:
            headers.append((b"authorization", b"Bearer " + token.encode()))
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": method, "scheme": "http", "path": "/api/v1" + path, "raw_path": b"",
                 "root_path": "", "query_string": b"", "headers": headers,
                 "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
                 "state": dict(self.state)}
        await self.app(scope, receive, send)
        if answer.get("status") not in (200, 201):
            raise RuntimeError(f"{method} {path}: {answer.get('status')} {answer['body'][:300]!r}")
        return json.loads(answer["body"]) if answer["body"] else None

    async def account(self, n: int) -> str:
        email = f"parts-{n}-{secrets.token_hex(3)}@example.org"
        await self.call("POST", "/auth/register", None, {
            "email": email, "password": PASSWORD, "display_name": f"Writer {n}",
            "stakeholder_type": "citizen"})
        login = await self.call("POST", "/auth/login", None, {"email": email, "password": PASSWORD})
        return str(login["token"])


async def measure(url: str, posts: int, variants: list[set[str]]) -> list[float]:
    """CPU per post (seconds) of each variant, on one fresh database."""
    os.environ.update(_environment(url))
    from cps.app import create_app
    from cps.config import load_settings
    from cps.storage.migrations import upgrade

    await upgrade(url)
    app = create_app(load_settings())
    results: list[float] = []
    async with app.router.lifespan_context(app) as state:
        client = Client(app, dict(state or {}))
        organizer = await client.account(0)
        org = await client.call("POST", "/orgs", organizer, {
            "name": "Parts City", "kind": "local_government", "country": "Korea"})
        space = await client.call("POST", f"/orgs/{org['org']['id']}/spaces", organizer, {
            "name": "Parts", "description": "post parts benchmark", "visibility": "public"})
        topic = (await client.call("POST", f"/spaces/{space['space']['id']}/topics", organizer, {
            "title": "Where a post's time goes", "body": "Opening post"}))["topic"]["id"]
        tokens = [await client.account(n + 1) for n in range(20)]
        counter = iter(range(10**9))

        async def post() -> None:
            n = next(counter)
            await client.call("POST", f"/topics/{topic}/posts", tokens[n % len(tokens)], {
                "body": f"Post {n} of the parts benchmark: plain words, as most posts are.",
                "client_id": f"parts-{n}"})

        for parts in variants:
            with switched_off(parts):
                for _ in range(max(20, posts // 10)):  # warm: caches, the model, the pool
                    await post()
                started = time.process_time()
                for _ in range(posts):
                    await post()
                results.append((time.process_time() - started) / posts)
            print(f"  .. {', '.join(sorted(parts)) or 'a whole post'}: "
                  f"{results[-1] * 1000:.2f} ms", file=sys.stderr, flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--database-url", default="", help="default: a fresh SQLite file")
    p.add_argument("--posts", type=int, default=2000, help="posts per variant")
    p.add_argument("--core", type=int, default=0, help="the core to run on (-1: any)")
    p.add_argument("--smoke", action="store_true", help="a few posts, two variants")
    args = p.parse_args(argv)
    variants: list[set[str]] = [set(), *({part} for part in PARTS), set(PARTS)]
    if args.smoke:
        args.posts, variants = 30, [set(), {"notify"}]
    pin_self(None if args.core < 0 else args.core)
    print(f"machine: {describe()}")
    with tempfile.TemporaryDirectory(prefix="cps-parts-") as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'parts.db'}"
        import uvloop

        figures = uvloop.run(measure(url, args.posts, variants))
    whole = figures[0]
    print(f"\n{url.split(':', 1)[0]}, {args.posts:,} posts a variant, CPU per post in process")
    print(f"{'a whole post':<36} {whole * 1000:6.2f} ms")
    for parts, figure in zip(variants[1:], figures[1:], strict=True):
        label = "without all of them" if len(parts) > 1 else f"without {next(iter(parts))}"
        print(f"{label:<36} {figure * 1000:6.2f} ms   "
              f"(the part: {(whole - figure) * 1000:5.2f} ms, {(whole - figure) / whole:4.0%})")
    print("\nSMOKE: done" if args.smoke else "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
