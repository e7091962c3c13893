"""The least a post can cost on CPS's stack: bench/write.py's baseline server.

    python -m bench.baseline_write --port 8001 --database-url sqlite+aiosqlite:///x.db
    python -m bench.baseline_write --port 8001 --database-url postgresql://... --raw

One Starlette endpoint, `POST /api/v1/topics/{id}/posts`, on the same stack as
CPS (uvicorn with its default loop and HTTP parser, Starlette, SQLAlchemy async
over aiosqlite or asyncpg with CPS's engine settings, CPS's broker) and on a
database CPS migrated and filled: it reads the bearer token's user with one
indexed read, then in one transaction inserts the post row, bumps the channel's
seq and inserts the event row, commits and publishes the event once. It checks
nothing else (no access, no limits, no filter, no markdown, no notifications):
what it costs is the floor a post's CPU is measured against.

`--raw`: the same statements on the bare driver (aiosqlite or asyncpg) without
SQLAlchemy, to show how much of the floor is the ORM layer itself.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import html
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, Protocol

import uvicorn
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from cps.broker.memory import MemoryBroker
from cps.broker.redis import RedisBroker
from cps.storage.database import Database

# The statements, in the portable subset both databases take (named parameters for
# SQLAlchemy; the raw drivers get their own placeholders below).
TOKEN = "SELECT user_id FROM auth_tokens WHERE token_hash = :digest AND revoked_at IS NULL"
POST = (
    "INSERT INTO posts (topic_id, author_id, parent_id, depth, path, body, html, client_id,"
    " created_at, hidden, answers_question) VALUES (:topic, :author, NULL, 0, :path, :body,"
    " :html, :client_id, :now, false, true) RETURNING id"
)
BUMP = (
    "INSERT INTO channels (name, last_seq) VALUES (:channel, 1) ON CONFLICT (name)"
    " DO UPDATE SET last_seq = channels.last_seq + 1 RETURNING last_seq"
)
EVENT = (
    "INSERT INTO events (channel, seq, name, data, created_at)"
    " VALUES (:channel, :seq, 'post.created', :data, :now)"
)


class Store(Protocol):
    async def write(self, digest: str, post: dict[str, Any]) -> tuple[int, int] | None:
        """(post id, seq), or None when the token is unknown."""
        ...

    async def close(self) -> None: ...


def _now() -> datetime:
    return datetime.now(UTC)


class OrmStore:
    """SQLAlchemy async with CPS's engine and write transactions (cps.storage.database)."""

    def __init__(self, url: str) -> None:
        self.db = Database(url)
        self.token, self.post, self.bump, self.event = (
            text(TOKEN), text(POST), text(BUMP), text(EVENT))

    async def write(self, digest: str, post: dict[str, Any]) -> tuple[int, int] | None:
        async with self.db.write() as tx:
            session = tx.session
            user = (await session.execute(self.token, {"digest": digest})).scalar()
            if user is None:
                return None
            post["author"] = user
            post_id = (await session.execute(self.post, post)).scalar_one()
            seq = (await session.execute(self.bump, post)).scalar_one()
            post["seq"] = seq
            await session.execute(self.event, post)
        return int(post_id), int(seq)

    async def close(self) -> None:
        await self.db.dispose()


def _numbered(sql: str, names: list[str]) -> str:
    for n, name in enumerate(names, 1):
        sql = sql.replace(f":{name}", f"${n}")
    return sql


class AsyncpgStore:
    """asyncpg's pool, prepared statements (asyncpg caches them per connection)."""

    def __init__(self, url: str) -> None:
        self.url = url.replace("postgresql+asyncpg://", "postgresql://")
        self.pool: Any = None
        self.post_names = ["topic", "author", "path", "body", "html", "client_id", "now"]
        self.sql_post = _numbered(POST, self.post_names)
        self.sql_token = _numbered(TOKEN, ["digest"])
        self.sql_bump = _numbered(BUMP, ["channel"])
        self.event_names = ["channel", "seq", "data", "now"]
        self.sql_event = _numbered(EVENT, self.event_names)

    async def write(self, digest: str, post: dict[str, Any]) -> tuple[int, int] | None:
        import asyncpg

        if self.pool is None:
            self.pool = await asyncpg.create_pool(self.url, min_size=2, max_size=10)
        async with self.pool.acquire() as conn, conn.transaction():
            user = await conn.fetchval(self.sql_token, digest)
            if user is None:
                return None
            post["author"] = user
            post_id = await conn.fetchval(self.sql_post, *(post[n] for n in self.post_names))
            seq = await conn.fetchval(self.sql_bump, post["channel"])
            post["seq"] = seq
            await conn.execute(self.sql_event, *(post[n] for n in self.event_names))
        return int(post_id), int(seq)

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()


class AiosqliteStore:
    """One aiosqlite connection, writes one at a time (BEGIN IMMEDIATE), as CPS's pragmas."""

    def __init__(self, url: str) -> None:
        self.path = url.split(":///", 1)[1]
        self.conn: Any = None
        self.lock = asyncio.Lock()

    async def write(self, digest: str, post: dict[str, Any]) -> tuple[int, int] | None:
        import aiosqlite

        async with self.lock:
            if self.conn is None:
                self.conn = await aiosqlite.connect(self.path, isolation_level=None)
                for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=15000",
                               "synchronous=NORMAL"):
                    await self.conn.execute(f"PRAGMA {pragma}")
            conn = self.conn
            post = {**post, "now": post["now"].isoformat(sep=" ")}
            await conn.execute("BEGIN IMMEDIATE")
            try:
                async with conn.execute(TOKEN, {"digest": digest}) as cur:
                    row = await cur.fetchone()
                if row is None:
                    await conn.execute("ROLLBACK")
                    return None
                post["author"] = row[0]
                async with conn.execute(POST, post) as cur:
                    post_id = (await cur.fetchone())[0]
                async with conn.execute(BUMP, post) as cur:
                    seq = (await cur.fetchone())[0]
                post["seq"] = seq
                await conn.execute(EVENT, post)
                await conn.execute("COMMIT")
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
        return int(post_id), int(seq)

    async def close(self) -> None:
        if self.conn is not None:
            await self.conn.close()


def make_store(url: str, raw: bool) -> Store:
    if not raw:
        return OrmStore(url)
    if url.startswith("sqlite"):
        return AiosqliteStore(url)
    return AsyncpgStore(url)


def _ignore(channel: str, payload: bytes) -> None:
    return None


def make_app(url: str, redis_url: str | None, raw: bool) -> Starlette:
    store = make_store(url, raw)
    broker = RedisBroker(redis_url, _ignore) if redis_url else MemoryBroker(_ignore)

    async def create_post(request: Request) -> Response:
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            return JSONResponse({"error": {"code": "not_signed_in"}}, status_code=401)
        digest = hashlib.sha256(auth[7:].encode()).hexdigest()
        payload = await request.json()
        body = str(payload.get("body", ""))
        topic = int(request.path_params["topic_id"])
        client_id = payload.get("client_id")
        now = _now()
        channel = f"topic:{topic}"
        post: dict[str, Any] = {
            "topic": topic, "path": str(client_id), "body": body,
            "html": f"<p>{html.escape(body)}</p>", "client_id": client_id, "now": now,
            "channel": channel,
        }
        view = {"topic_id": topic, "body": body, "html": post["html"],
                "created_at": now.isoformat()}
        post["data"] = json.dumps(view, separators=(",", ":"))
        written = await store.write(digest, post)
        if written is None:
            return JSONResponse({"error": {"code": "not_signed_in"}}, status_code=401)
        post_id, seq = written
        view["id"] = post_id
        event = {"type": "event", "channel": channel, "seq": seq, "name": "post.created",
                 "data": view}
        await broker.publish(channel, json.dumps(event, separators=(",", ":")).encode())
        return JSONResponse({"post": view}, status_code=201)

    async def ready(request: Request) -> Response:
        return JSONResponse({"ok": True})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await broker.start()
        yield
        await broker.stop()
        await store.close()

    return Starlette(routes=[Route("/api/v1/topics/{topic_id:int}/posts", create_post,
                                   methods=["POST"]),
                             Route("/readyz", ready)], lifespan=lifespan)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--raw", action="store_true", help="the bare driver, no SQLAlchemy")
    args = parser.parse_args(argv)
    app = make_app(args.database_url, args.redis_url or None, args.raw)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
