"""Several processes serve one live conversation: PostgreSQL + Redis, two `cps serve`
processes on two ports (so each client knows which process it talks to), and
`cps serve --workers 2`."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from tests.live.helpers import post_many, private_world, topic_world
from tests.support.api import Api
from tests.support.clients import Frame, LiveClient, live_client
from tests.support.databases import run_sync
from tests.support.servers import AppServer, RedisServer, socket_owners, start_together

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


def ids(frame: Frame, key: str = "users") -> set[int]:
    return {person["id"] for person in frame[key]}


# Presence heartbeat of these servers: a process unheard for three of them drops
# out of the others' presence (10 s in production; short here to keep the test short).
HEARTBEAT = 2.0


def _server(tmp: Path, pg_database: str, redis: RedisServer, workers: int = 1) -> AppServer:
    return AppServer(tmp, database_url=pg_database, redis_url=redis.url, workers=workers,
                     env={"CPS_PRESENCE_HEARTBEAT_SECONDS": str(HEARTBEAT)})


@pytest.fixture(scope="module")
def pair(pg_database: str, redis_server: RedisServer,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AppServer, AppServer]]:
    a = _server(tmp_path_factory.mktemp("a"), pg_database, redis_server)
    b = _server(tmp_path_factory.mktemp("b"), pg_database, redis_server)
    run_sync(start_together(a, b))
    yield a, b
    a.stop()
    b.stop()


@pytest.fixture
async def apis(pair: tuple[AppServer, AppServer]) -> AsyncIterator[tuple[Api, Api]]:
    async with (httpx.AsyncClient(base_url=pair[0].base_url, timeout=10) as a,
                httpx.AsyncClient(base_url=pair[1].base_url, timeout=10) as b):
        yield Api(a), Api(b)


async def test_a_post_through_one_process_reaches_a_client_of_the_other_within_a_second(
    pair: tuple[AppServer, AppServer], apis: tuple[Api, Api]
) -> None:
    (a, b), (api_a, api_b) = pair, apis
    w, t, channel = await topic_world(api_a)
    async with (live_client(a.ws_url) as on_a, live_client(b.ws_url) as on_b):
        await on_a.subscribe(channel)
        await on_b.subscribe(channel)
        for n, (api, far) in enumerate([(api_a, on_b), (api_b, on_a)] * 2):
            start = time.monotonic()
            post = await api.post(w["citizen"], t, f"crossing {n}")
            [event] = await far.events(channel, 1, timeout=1.0)
            assert time.monotonic() - start < 1.0
            assert (event["seq"], event["data"]["id"]) == (n + 2, post["id"])
            near = on_a if far is on_b else on_b
            [same] = await near.events(channel, 1, timeout=1.0)
            assert same == event


async def test_concurrent_posts_through_both_processes_reach_everyone_in_order_once(
    pair: tuple[AppServer, AppServer], apis: tuple[Api, Api]
) -> None:
    (a, b), (api_a, api_b) = pair, apis
    w, t, channel = await topic_world(api_a)
    clients = [live_client(server.ws_url) for server in (a, b, a, b)]
    async with clients[0] as c0, clients[1] as c1, clients[2] as c2, clients[3] as c3:
        for client in (c0, c1, c2, c3):
            await client.subscribe(channel)
        await asyncio.gather(post_many(api_a, w["citizen"], t, 20, concurrency=3),
                             post_many(api_b, w["admin"], t, 20, concurrency=3))
        for client in (c0, c1, c2, c3):
            events = await client.events(channel, 40, timeout=5)
            assert [e["seq"] for e in events] == list(range(2, 42))
            await client.quiet(0.3)


async def test_a_client_that_moves_to_the_other_process_resumes_with_since(
    pair: tuple[AppServer, AppServer], apis: tuple[Api, Api]
) -> None:
    """Issue 3's "done when": follow on A, drop, ten posts, reconnect to B with since."""
    (a, b), (api_a, api_b) = pair, apis
    w, t, channel = await topic_world(api_a)
    async with live_client(a.ws_url) as client:
        last = await client.subscribe(channel)
        post = await api_b.post(w["citizen"], t, "seen on A")
        [event] = await client.events(channel, 1, timeout=1.0)
        assert event["data"]["id"] == post["id"]
        last = event["seq"]
    missed = await post_many(api_a, w["citizen"], t, 10, prefix="missed")
    async with live_client(b.ws_url) as client:
        assert await client.subscribe(channel, since=last) == last + 10
        events = await client.events(channel, 10)
        await client.quiet(0.3)
    assert [e["seq"] for e in events] == list(range(last + 1, last + 11))
    assert [e["data"]["id"] for e in events] == [p["id"] for p in missed]


async def test_presence_and_typing_cross_processes(
    pair: tuple[AppServer, AppServer], apis: tuple[Api, Api]
) -> None:
    a, b = pair
    api_a, _ = apis
    w, _, channel = await topic_world(api_a)
    alice, bob = w["admin"], w["citizen"]
    async with live_client(a.ws_url, alice.token) as on_a:
        await on_a.subscribe(channel)
        async with live_client(b.ws_url, bob.token) as on_b:
            await on_b.subscribe(channel)
            both = {alice.id, bob.id}
            await on_a.presence(channel, lambda f: ids(f) == both, timeout=2)
            await on_b.presence(channel, lambda f: ids(f) == both, timeout=2)
            await on_b.send({"type": "typing", "channel": channel})
            frame = await on_a.presence(channel, lambda f: ids(f, "typing") == {bob.id},
                                        timeout=2)
            assert frame["typing"] == [{"id": bob.id, "display_name": bob.display_name}]
            start = time.monotonic()
        # Bob's socket on B closed: A's presence drops him promptly.
        await on_a.presence(channel, lambda f: ids(f) == {alice.id}, timeout=1.5)
        assert time.monotonic() - start < 1.5


async def test_logout_through_one_process_closes_the_socket_on_the_other(
    pair: tuple[AppServer, AppServer], apis: tuple[Api, Api]
) -> None:
    _, b = pair
    api_a, _ = apis
    user = await api_a.user()
    async with live_client(b.ws_url, user.token) as on_b:
        await on_b.subscribe(f"user:{user.id}")
        start = time.monotonic()
        await api_a.ok("POST", "/auth/logout", user, status=204)
        assert await on_b.closed_with(timeout=5) == 4001
        assert time.monotonic() - start < 5


async def test_removal_through_one_process_ends_subscriptions_on_the_other(
    pair: tuple[AppServer, AppServer], apis: tuple[Api, Api], pg_database: str
) -> None:
    _, b = pair
    api_a, _ = apis
    p = await private_world(api_a, pg_database)
    channel = f"topic:{p['topic']['id']}"
    async with live_client(b.ws_url, p["member"].token) as on_b:
        await on_b.subscribe(channel)
        await api_a.ok("DELETE", f"/spaces/{p['space']['id']}/members/{p['member'].id}",
                       p["admin"], status=204)
        await on_b.expect("error", code="subscription_ended", channel=channel, timeout=5)
        await api_a.post(p["admin"], p["topic"]["id"], "not for you")
        await on_b.quiet(0.5)


async def test_a_killed_process_drops_out_of_the_others_presence(
    pair: tuple[AppServer, AppServer], apis: tuple[Api, Api], pg_database: str,
    redis_server: RedisServer, tmp_path: Path
) -> None:
    """A process that dies says nothing; its share of presence expires after three
    heartbeats (30 s in production)."""
    a, _ = pair
    api_a, _ = apis
    w, _, channel = await topic_world(api_a)
    alice, bob = w["admin"], w["citizen"]
    doomed = _server(tmp_path, pg_database, redis_server)
    await doomed.start()
    try:
        async with live_client(a.ws_url, alice.token) as on_a:
            await on_a.subscribe(channel)
            async with live_client(doomed.ws_url, bob.token) as on_doomed:
                await on_doomed.subscribe(channel)
                await on_a.presence(channel, lambda f: ids(f) == {alice.id, bob.id}, timeout=2)
                start = time.monotonic()
                doomed.kill()
                expiry = 3 * HEARTBEAT
                await on_a.presence(channel, lambda f: ids(f) == {alice.id}, timeout=expiry + 4)
                # Not before it was three heartbeats unheard (it may have spoken up to one
                # heartbeat before it died), and not much after: a throttle, a margin.
                assert expiry - HEARTBEAT - 0.5 <= time.monotonic() - start <= expiry + 4
    finally:
        doomed.kill()


async def test_workers_2_every_client_sees_every_post(
    pg_database: str, redis_server: RedisServer, tmp_path: Path
) -> None:
    """`cps serve --workers 2`: clients on both workers see every post within a second."""
    server = _server(tmp_path, pg_database, redis_server, workers=2)
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as http, \
                contextlib.AsyncExitStack() as stack:
            api = Api(http)
            w, t, channel = await topic_world(api)
            clients: list[LiveClient] = []
            workers: set[int] = set()
            while len(workers) < 2 or len(clients) < 4:
                assert len(clients) < 40, "every client landed on the same worker"
                client = await stack.enter_async_context(live_client(server.ws_url))
                await client.subscribe(channel)
                clients.append(client)
                owners = socket_owners(server.port)
                workers = {owners[c.ws.local_address[1]] for c in clients}
            for n in range(4):
                start = time.monotonic()
                await api.post(w["citizen"], t, f"to all workers {n}")
                for client in clients:
                    [event] = await client.events(channel, 1, timeout=1.0)
                    assert event["seq"] == n + 2
                assert time.monotonic() - start < 1.0
    finally:
        server.stop()


async def test_sign_in_attempts_are_counted_across_processes(
    pair: tuple[AppServer, AppServer], apis: tuple[Api, Api]
) -> None:
    """Five wrong passwords per account per window, whichever process they reach:
    the counters are in Redis, so two processes do not allow ten."""
    api_a, api_b = apis
    user = await api_a.user("Target")
    # A client address of its own, so the address's counter is this test's alone.
    address = {"X-Forwarded-For": "203.0.113.71"}
    wrong = {"email": user.email, "password": "not the password"}
    for n in range(5):
        api = api_a if n % 2 else api_b
        answer = await api.http.post("/api/v1/auth/login", json=wrong, headers=address)
        assert answer.status_code == 401, answer.text
    for api in (api_a, api_b):
        answer = await api.http.post("/api/v1/auth/login", json=wrong, headers=address)
        assert answer.status_code == 429, answer.text
        assert answer.json()["error"]["code"] == "rate_limited"
        assert 0 < int(answer.headers["retry-after"]) <= 300
