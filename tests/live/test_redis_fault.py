"""Redis dies mid-stream (SIGKILL) under two app processes, then comes back on the
same port: posts are still accepted and stored, /readyz says what is down, and
every client ends up with every event, in order, once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.support.api import Api
from tests.support.clients import Follower
from tests.support.databases import run_sync
from tests.support.servers import AppServer, RedisServer, start_together
from tests.support.waiting import eventually

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


@pytest.fixture(scope="module")
def pair(pg_database: str, redis_server: RedisServer,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AppServer, AppServer]]:
    servers = tuple(AppServer(tmp_path_factory.mktemp(name), database_url=pg_database,
                              redis_url=redis_server.url) for name in ("a", "b"))
    run_sync(start_together(*servers))
    yield servers[0], servers[1]
    for server in servers:
        server.stop()


@pytest.fixture
async def apis(pair: tuple[AppServer, AppServer]) -> AsyncIterator[tuple[Api, Api]]:
    async with (httpx.AsyncClient(base_url=pair[0].base_url, timeout=10) as a,
                httpx.AsyncClient(base_url=pair[1].base_url, timeout=10) as b):
        yield Api(a), Api(b)


async def readiness(api: Api) -> tuple[int, dict[str, str]]:
    r = await api.http.get("/readyz")
    return r.status_code, r.json().get("checks", {})


async def test_a_redis_crash_loses_no_post_and_no_event(
    pair: tuple[AppServer, AppServer], apis: tuple[Api, Api], redis_server: RedisServer
) -> None:
    a, b = pair
    api_a, api_b = apis
    w = await api_a.world()
    t = w["topic"]["id"]
    channel = f"topic:{t}"
    writers = [(api_a, w["citizen"]), (api_b, w["admin"])]

    async def post(n: int, text: str) -> None:
        api, user = writers[n % 2]
        await api.post(user, t, text)  # asserts 201

    async with (Follower([a.ws_url], [channel], since=None, backoff=(0.2, 0.2)) as on_a,
                Follower([b.ws_url], [channel], since=None, backoff=(0.2, 0.2)) as on_b):
        for n in range(3):
            await post(n, f"before {n}")
        await on_a.wait_for(channel, 3, timeout=2)
        await on_b.wait_for(channel, 3, timeout=2)

        redis_server.kill()

        async def both_say_redis_is_down() -> bool:
            states = [await readiness(api) for api in apis]
            return all(code == 503 and checks.get("redis") == "down"
                       and checks.get("database") == "ok" for code, checks in states)

        await eventually(both_say_redis_is_down, 5, "/readyz answering 503 naming redis",
                         interval=0.05)
        for n in range(10):
            await post(n, f"during {n}")
        stored = (await api_b.ok("GET", f"/topics/{t}/posts"))["posts"]
        assert [p["body"] for p in stored[-10:]] == [f"during {n}" for n in range(10)]

        await asyncio.sleep(2)  # down long enough for a few reconnection attempts to fail

        redis_server.start()

        async def both_ready() -> bool:
            return all(code == 200 for code, _ in [await readiness(api) for api in apis])

        await eventually(both_ready, 5, "/readyz back to 200", interval=0.05)
        for n in range(3):
            await post(n, f"after {n}")
        await on_a.wait_for(channel, 16, timeout=10)
        await on_b.wait_for(channel, 16, timeout=10)
        expected = list(range(2, 18))
        seqs_a, seqs_b = on_a.logs[channel].arrived, on_b.logs[channel].arrived
        assert seqs_a == expected, seqs_a
        assert seqs_b == expected, seqs_b
        bodies = [e["data"]["body"] for e in on_a.logs[channel].events]
        assert bodies[3:13] == [f"during {n}" for n in range(10)]
