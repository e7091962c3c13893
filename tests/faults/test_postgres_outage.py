"""PostgreSQL is the source of truth: while it is away (stopped, or frozen as
behind a network partition), writes fail fast with 503 (no request hangs), and
when it returns the pool heals by itself, with no gap in any channel's `seq`.
A private cluster, started by the test."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from tests.faults.conftest import ServeFactory
from tests.support.api import Api
from tests.support.clients import Follower, contiguous
from tests.support.postgres import PrivatePostgres
from tests.support.servers import RedisServer
from tests.support.waiting import eventually

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.timeout(120)]

OUTAGE = 10.0
ANSWER_WITHIN = 5.0
RECOVER_WITHIN = 5.0


@pytest.mark.parametrize("fault", ["stopped", "frozen"])
async def test_postgres_away_for_10_s(
    private_postgres: PrivatePostgres, redis_server: RedisServer, serve: ServeFactory,
    fault: str,
) -> None:
    """Stopped: the server is down, connections are refused. Frozen (SIGSTOP): the
    connections stay open and nothing answers, as behind a network partition."""
    url = await private_postgres.create_database("cps")
    server = serve(database_url=url, redis_url=redis_server.url)
    await server.start()
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        api = Api(http)
        place = await api.place()
        topic = place.topic_ids[0]
        channel = f"topic:{topic}"
        author = await api.user("Author")
        follower = Follower([server.ws_url], [channel])
        follower.start()
        await asyncio.wait_for(follower.subscribed.wait(), 10)

        async def post(body: str) -> tuple[httpx.Response, float]:
            started = time.monotonic()
            r = await api.call("POST", f"/topics/{topic}/posts", author, {"body": body},
                               timeout=30)
            return r, time.monotonic() - started

        created = []
        for n in range(3):
            r, _ = await post(f"before {n}")
            assert r.status_code == 201, r.text
            created.append(r.json()["post"]["id"])

        if fault == "stopped":
            private_postgres.stop()
        else:
            private_postgres.freeze()
        stopped_at = time.monotonic()
        slowest = 0.0
        refused = 0
        while time.monotonic() - stopped_at < OUTAGE:
            r, took = await post(f"during {refused}")
            slowest = max(slowest, took)
            assert r.status_code == 503, r.text
            assert r.json()["error"]["code"] == "unavailable"
            assert "Traceback" not in r.text
            assert r.headers.get("retry-after")
            refused += 1
            if refused == 1:
                ready = await http.get("/readyz", timeout=20)
                assert ready.status_code == 503, ready.text
                assert ready.json()["checks"]["database"] == "down"
                assert "database" in ready.json()["error"]["message"]
                assert (await http.get("/healthz")).status_code == 200
            await asyncio.sleep(0.3)
        assert slowest < ANSWER_WITHIN, f"a write took {slowest:.2f} s to fail"
        assert refused >= 2

        if fault == "stopped":
            private_postgres.start()
        else:
            private_postgres.thaw()
        back_at = time.monotonic()

        async def writes_again() -> bool:
            r, _ = await post("after")
            if r.status_code == 201:
                created.append(r.json()["post"]["id"])
                return True
            assert r.status_code == 503, r.text
            return False

        await eventually(writes_again, RECOVER_WITHIN + 5, "a write succeeds", interval=0.1)
        took = time.monotonic() - back_at
        print(f"slowest refused write {slowest:.3f} s, writes again after {took:.3f} s")
        assert took <= RECOVER_WITHIN, f"the pool recovered {took:.2f} s after PostgreSQL"
        assert (await http.get("/readyz")).status_code == 200
        for n in range(3):
            r, _ = await post(f"after {n}")
            assert r.status_code == 201, r.text
            created.append(r.json()["post"]["id"])

        # No gap: the live client and a client reading from the start agree.
        total = 1 + len(created)
        await eventually(lambda: len(follower.seen(channel)) == total, 5, "live events")
        assert contiguous(follower.seen(channel)), follower.seen(channel)
        late = Follower([server.ws_url], [channel])
        late.start()
        await eventually(lambda: len(late.seen(channel)) == total, 5, "replayed events")
        assert contiguous(late.seen(channel))
        assert [e["data"]["id"] for e in late.logs[channel].events[1:]] == created
        assert follower.logs[channel].gaps == [] and late.logs[channel].gaps == []
        await follower.stop()
        await late.stop()
