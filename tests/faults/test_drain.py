"""SIGTERM drains: the requests in flight finish, every WebSocket is closed with
1001 within the grace of `cps serve --grace`, and then the process exits."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.types import Message

from cps.app import create_app
from cps.asgi import Drain
from cps.config import Settings
from tests.faults.conftest import ServeFactory
from tests.support import asgi
from tests.support.api import PREFIX, Api
from tests.support.clients import Follower
from tests.support.databases import sqlite_copy
from tests.support.servers import AppServer, RedisServer
from tests.support.waiting import eventually

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.timeout(90)]

GRACE = 4.0
IN_FLIGHT = 5
TRICKLE = 1.5  # seconds each in-flight request takes to send its body


async def _trickled(body: dict[str, str]) -> AsyncIterator[bytes]:
    """A request body sent in pieces (chunked), so the request is still in flight."""
    raw = json.dumps(body).encode()
    pieces = 10
    step = len(raw) // pieces + 1
    for i in range(0, len(raw), step):
        yield raw[i:i + step]
        await asyncio.sleep(TRICKLE / pieces)


@pytest.fixture(params=["one process", "two workers"])
def draining_server(request: pytest.FixtureRequest, serve: ServeFactory, sqlite_template: Path,
                    tmp_path: Path) -> AppServer:
    if request.param == "one process":
        return serve(database_url=sqlite_copy(sqlite_template, tmp_path), grace=GRACE)
    redis: RedisServer = request.getfixturevalue("redis_server")
    return serve(database_url=request.getfixturevalue("pg_url"), redis_url=redis.url,
                 workers=2, grace=GRACE)


async def test_sigterm_finishes_requests_and_closes_sockets_with_1001(
    draining_server: AppServer,
) -> None:
    server = draining_server
    await server.start()
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        api = Api(http)
        place = await api.place()
        topic = place.topic_ids[0]
        author = await api.user("Author")
        followers = [Follower([server.ws_url], [f"topic:{topic}"], backoff=(30, 30))
                     for _ in range(10)]
        for f in followers:
            f.start()
        await asyncio.gather(*(asyncio.wait_for(f.subscribed.wait(), 10) for f in followers))

        async def slow_post(n: int) -> httpx.Response:
            return await http.post(
                f"{PREFIX}/topics/{topic}/posts",
                content=_trickled({"body": f"in flight {n}", "client_id": f"drain-{n}"}),
                headers={**author.auth, "content-type": "application/json"})

        in_flight = [asyncio.create_task(slow_post(n)) for n in range(IN_FLIGHT)]
        await asyncio.sleep(TRICKLE / 3)  # the requests have started, not finished
        assert not any(t.done() for t in in_flight)
        signalled = time.monotonic()
        server.signal(signal.SIGTERM)

        await eventually(lambda: all(f.close_codes for f in followers), GRACE,
                         "every socket closed")
        closed_after = time.monotonic() - signalled
        assert [f.close_codes[0] for f in followers] == [1001] * len(followers)
        assert closed_after < GRACE

        answers = await asyncio.gather(*in_flight)
        assert [r.status_code for r in answers] == [201] * IN_FLIGHT, [r.text for r in answers]

        process = server.process
        assert process is not None
        await eventually(lambda: process.poll() is not None, GRACE + 2, "the server exits")
        exited_after = time.monotonic() - signalled
        print(f"sockets closed {closed_after:.3f} s, process exited {exited_after:.3f} s "
              "after SIGTERM")
        with pytest.raises(httpx.ConnectError):
            await http.get("/healthz")
        for f in followers:
            await f.stop()


async def test_a_draining_process_is_not_ready_and_refuses_new_sockets(
    settings: Settings,
) -> None:
    """While its sockets drain, a process sends reconnecting clients elsewhere (1001)
    and /readyz says it is going away, so a load balancer stops routing to it."""
    app = create_app(settings)
    async with asgi.running(app) as state:
        drain = Drain(app, grace=1.0)
        async with asgi.client(drain, state) as http:
            assert (await http.get("/readyz")).status_code == 200
            drain.draining = True
            ready = await http.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["error"]["code"] == "unavailable"
            assert (await http.get("/healthz")).status_code == 200

        sent: list[Message] = []
        incoming = [{"type": "websocket.connect"}]

        async def receive() -> Message:
            return incoming.pop(0)

        async def send(message: Message) -> None:
            sent.append(message)

        scope = {"type": "websocket", "path": "/ws", "headers": [], "query_string": b"",
                 "extensions": {"websocket.http.response": {}}, "state": dict(state)}
        await drain(scope, receive, send)
        assert [m["type"] for m in sent] == ["websocket.accept", "websocket.close"]
        assert sent[1]["code"] == 1001
