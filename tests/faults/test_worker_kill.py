"""A process killed with SIGKILL in the middle of posts: no post is lost or doubled
(each either landed, or its client got an error and the retry with the same
`client_id` landed once), and the clients of the dead process resume on another
without missing or repeating an event."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx
import pytest

from tests.faults.conftest import ServeFactory
from tests.support.api import Api
from tests.support.clients import Follower, contiguous
from tests.support.servers import RedisServer, start_together
from tests.support.waiting import eventually

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.timeout(120)]

POSTERS = 8


@dataclass
class Outcome:
    client_id: str
    post_id: int
    retried: bool
    status: int


async def test_sigkill_mid_posts_loses_and_doubles_nothing(
    redis_server: RedisServer, pg_url: str, serve: ServeFactory
) -> None:
    victim = serve(database_url=pg_url, redis_url=redis_server.url)
    survivor = serve(database_url=pg_url, redis_url=redis_server.url)
    await start_together(victim, survivor)
    limits = httpx.Limits(max_connections=POSTERS * 2)
    async with (
        httpx.AsyncClient(base_url=victim.base_url, limits=limits) as to_victim,
        httpx.AsyncClient(base_url=survivor.base_url, limits=limits) as to_survivor,
    ):
        on_victim_api, on_survivor_api = Api(to_victim), Api(to_survivor)
        place = await on_survivor_api.place(topics=2)
        channels = [f"topic:{t}" for t in place.topic_ids]
        authors = [await on_survivor_api.user(f"Author {i}") for i in range(POSTERS)]
        on_victim = [Follower([victim.ws_url, survivor.ws_url], channels,
                              backoff=(0.05, 0.5)) for _ in range(6)]
        on_survivor = [Follower([survivor.ws_url], channels) for _ in range(2)]
        followers = on_victim + on_survivor
        for f in followers:
            f.start()
        await asyncio.gather(*(asyncio.wait_for(f.subscribed.wait(), 10) for f in followers))

        outcomes: list[Outcome] = []
        errors: list[str] = []
        stop = asyncio.Event()
        victim_dead = asyncio.Event()

        async def poster(i: int) -> None:
            topic = place.topic_ids[i % 2]
            n = 0
            while not stop.is_set():
                client_id = f"author{i}-post{n}"
                body = {"body": f"post {n} of author {i}", "client_id": client_id}
                path = f"/topics/{topic}/posts"
                retried = False
                try:
                    api = on_survivor_api if victim_dead.is_set() else on_victim_api
                    r = await api.call("POST", path, authors[i], body, timeout=5)
                except httpx.TransportError as exc:
                    errors.append(type(exc).__name__)
                    retried = True
                    r = await on_survivor_api.call("POST", path, authors[i], body, timeout=5)
                assert r.status_code in (200, 201), r.text
                assert r.status_code == 201 or retried, "only a retry finds its post landed"
                outcomes.append(Outcome(client_id, r.json()["post"]["id"], retried,
                                        r.status_code))
                n += 1

        posters = [asyncio.create_task(poster(i)) for i in range(POSTERS)]
        await eventually(lambda: len(outcomes) >= 40, 20, "posts flow")
        victim.kill()
        victim_dead.set()
        await asyncio.sleep(1.5)
        stop.set()
        await asyncio.gather(*posters)

        assert errors, "some posts were in flight when the process died"
        retries = [o for o in outcomes if o.retried]
        print(f"{len(outcomes)} posts; {len(errors)} cut by the kill "
              f"({sorted(set(errors))}); retries: "
              f"{sum(o.status == 201 for o in retries)} landed on retry, "
              f"{sum(o.status == 200 for o in retries)} had landed before the kill")

        # Exactly once in the database, as every reader sees it.
        ids = {o.post_id for o in outcomes}
        assert len(ids) == len(outcomes), "two client_ids answered with one post"
        stored: list[int] = []
        for topic in place.topic_ids:
            stored += (await on_survivor_api.post_ids(topic))[1:]  # without the first posts
        assert sorted(stored) == sorted(ids), "every post stored once, nothing else"

        # Every client ends with every event, in order, once: also those of the
        # dead process, which resumed on the survivor with `since`.
        per_channel = {c: 1 + sum(1 for o in outcomes if _topic(o, place.topic_ids) == c)
                       for c in channels}
        for channel in channels:
            expected = list(range(1, per_channel[channel] + 1))
            await eventually(
                lambda: all(f.seen(channel) == expected for f in followers),  # noqa: B023
                10, f"every client has all of {channel}")
        for f in followers:
            for channel in channels:
                log = f.logs[channel]
                assert (log.gaps, log.duplicates, log.resets) == ([], [], 0), log
                assert contiguous(log.seqs)
            got = {e["data"]["id"] for c in channels for e in f.logs[c].events[1:]}
            assert got == ids
        for f in on_victim:
            assert f.connections >= 2, "the victim's clients reconnected"
            assert f.url_index % 2 == 1 or f.connections > 2
        for f in on_survivor:
            assert f.connections == 1
        for f in followers:
            await f.stop()


def _topic(outcome: Outcome, topic_ids: list[int]) -> str:
    author = int(outcome.client_id.split("-")[0].removeprefix("author"))
    return f"topic:{topic_ids[author % 2]}"
