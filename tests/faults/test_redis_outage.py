"""Redis is a courier, not a store: when it goes away, posts still land, and when
it comes back every process catches its clients up from the database."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
import redis.asyncio as aioredis

from tests.faults.conftest import ServeFactory
from tests.support.api import Api
from tests.support.clients import Follower, contiguous
from tests.support.servers import AppServer, RedisServer, start_together
from tests.support.waiting import eventually

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.timeout(120)]

OUTAGE = 10.0
RESUBSCRIBE_WITHIN = 5.0


async def _two_servers(serve: ServeFactory, pg_url: str,
                       redis_url: str) -> tuple[AppServer, AppServer]:
    a = serve(database_url=pg_url, redis_url=redis_url)
    b = serve(database_url=pg_url, redis_url=redis_url)
    await start_together(a, b)
    return a, b


async def _numsub(client: aioredis.Redis, channel: str) -> int:
    try:
        [(_, count)] = await client.pubsub_numsub(channel)
        return int(count)
    except (aioredis.RedisError, OSError):
        return 0


async def _ready(http: httpx.AsyncClient) -> httpx.Response:
    return await http.get("/readyz", timeout=5)


async def test_redis_stopped_for_10_s_loses_nothing(
    redis_server: RedisServer, pg_url: str, serve: ServeFactory
) -> None:
    a, b = await _two_servers(serve, pg_url, redis_server.url)
    async with (
        httpx.AsyncClient(base_url=a.base_url) as http_a,
        httpx.AsyncClient(base_url=b.base_url) as http_b,
        aioredis.Redis.from_url(redis_server.url, socket_connect_timeout=0.5) as redis,
    ):
        place = await Api(http_a).place()
        channel = f"topic:{place.topic_ids[0]}"
        author = await Api(http_b).user("Author")
        followers = [Follower([s.ws_url], [channel]) for s in (a, a, b, b)]
        for f in followers:
            f.start()
        await asyncio.gather(*(asyncio.wait_for(f.subscribed.wait(), 10) for f in followers))

        async def post(http: httpx.AsyncClient, body: str) -> httpx.Response:
            return await Api(http).call("POST", f"/topics/{place.topic_ids[0]}/posts", author,
                                        {"body": body}, timeout=10)

        # Live across processes before the outage.
        assert (await post(http_a, "before the outage")).status_code == 201
        await eventually(lambda: all(f.seen(channel) == [1, 2] for f in followers), 5,
                         "the first post reaches both processes' clients")

        redis_server.kill()
        down_at = time.monotonic()
        for http in (http_a, http_b):
            r = await _ready(http)
            assert r.status_code == 503, r.text
            assert r.json()["checks"]["redis"] == "down"
            assert "redis" in r.json()["error"]["message"]
            assert (await http.get("/healthz")).status_code == 200

        during: list[int] = []
        n = 0
        while time.monotonic() - down_at < OUTAGE:
            r = await post(http_a if n % 2 else http_b, f"during the outage {n}")
            assert r.status_code == 201, r.text
            during.append(r.json()["post"]["id"])
            n += 1
            await asyncio.sleep(0.2)
        assert len(during) >= 20
        stored = await Api(http_a).post_ids(place.topic_ids[0])
        assert set(during) <= set(stored), "every post of the outage is stored"

        redis_server.start()  # the same port, empty
        took = await eventually(
            lambda: _all_back(redis, channel, http_a, http_b), RESUBSCRIBE_WITHIN + 1,
            "both processes resubscribed and ready", interval=0.05)
        print(f"{len(during)} posts during the outage; both processes resubscribed "
              f"{took:.2f} s after Redis returned")
        assert took <= RESUBSCRIBE_WITHIN, f"resubscribed after {took:.2f} s"

        expected = list(range(1, 3 + len(during)))
        await eventually(lambda: all(f.seen(channel) == expected for f in followers), 5,
                         "every client got every missed event")

        # And live again, both ways.
        assert (await post(http_b, "after the outage")).status_code == 201
        expected.append(expected[-1] + 1)
        await eventually(lambda: all(f.seen(channel) == expected for f in followers), 5,
                         "a post after the outage reaches every client")
        for f in followers:
            log = f.logs[channel]
            assert (log.gaps, log.duplicates, log.resets) == ([], [], 0)
            assert f.connections == 1, "the clients never had to reconnect"
            await f.stop()


async def _all_back(redis: aioredis.Redis, channel: str, *https: httpx.AsyncClient) -> bool:
    if await _numsub(redis, channel) != 2:
        return False
    answers = await asyncio.gather(*(_ready(h) for h in https))
    return all(r.status_code == 200 for r in answers)


async def test_redis_restarted_empty_loses_nothing(
    redis_server: RedisServer, pg_url: str, serve: ServeFactory
) -> None:
    """Posts keep coming while Redis is killed and started again empty: every
    client, old and new, ends with every event, in order, once."""
    a, b = await _two_servers(serve, pg_url, redis_server.url)
    async with (
        httpx.AsyncClient(base_url=a.base_url) as http_a,
        httpx.AsyncClient(base_url=b.base_url) as http_b,
    ):
        place = await Api(http_a).place(topics=2)
        channels = [f"topic:{t}" for t in place.topic_ids]
        authors = [await Api(http_a).user(f"Author {i}") for i in range(4)]
        followers = [Follower([s.ws_url], channels) for s in (a, b, a, b)]
        for f in followers:
            f.start()
        await asyncio.gather(*(asyncio.wait_for(f.subscribed.wait(), 10) for f in followers))

        created: dict[str, list[int]] = {c: [] for c in channels}
        stop = asyncio.Event()

        async def poster(i: int) -> None:
            http = http_a if i % 2 else http_b
            topic = place.topic_ids[i % 2]
            n = 0
            while not stop.is_set():
                r = await Api(http).call("POST", f"/topics/{topic}/posts", authors[i],
                                         {"body": f"author {i} post {n}"}, timeout=10)
                assert r.status_code == 201, r.text
                created[f"topic:{topic}"].append(r.json()["post"]["id"])
                n += 1
                await asyncio.sleep(0.02)

        posters = [asyncio.create_task(poster(i)) for i in range(4)]
        await asyncio.sleep(1.0)
        redis_server.kill()
        await asyncio.sleep(0.5)
        redis_server.start()
        await asyncio.sleep(2.0)
        stop.set()
        await asyncio.gather(*posters)

        for channel in channels:
            count = 1 + len(created[channel])  # the topic's first post, then ours
            expected = list(range(1, count + 1))
            await eventually(lambda: all(f.seen(channel) == expected for f in followers),  # noqa: B023
                             8, f"every client has all of {channel}")
            for f in followers:
                ids = [e["data"]["id"] for e in f.logs[channel].events[1:]]
                assert sorted(ids) == sorted(created[channel])
        late = Follower([a.ws_url], channels)
        late.start()
        await eventually(
            lambda: all(contiguous(late.seen(c)) and len(late.seen(c)) == 1 + len(created[c])
                        for c in channels), 5, "a new client reads everything back")
        for f in [*followers, late]:
            for channel in channels:
                assert (f.logs[channel].gaps, f.logs[channel].duplicates) == ([], [])
            await f.stop()
