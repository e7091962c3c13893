"""The queue updates live on `moderation:{space_id}`: the space's moderators follow
it; anyone else is refused and hears nothing, and a moderator removed from the space
stops hearing it. On SQLite with the in-process broker and on PostgreSQL with a real
Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from cps.app import create_app
from tests.modqueue.conftest import network
from tests.support import databases
from tests.support.api import Api
from tests.support.clients import live_client
from tests.support.servers import InProcessServer, in_process, private_redis
from tests.support.settings import make_settings

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["sqlite-memory", "postgresql-redis"])
async def served(request: pytest.FixtureRequest, sqlite_template: Path,
                 tmp_path: Path) -> AsyncIterator[InProcessServer]:
    if request.param == "sqlite-memory":
        settings = make_settings(databases.sqlite_copy(sqlite_template, tmp_path))
        async with in_process(create_app(settings), settings=settings) as srv:
            yield srv
        return
    url: str = request.getfixturevalue("pg_session_url")
    await databases.truncate_pg(url)
    (tmp_path / "redis").mkdir()
    with private_redis(tmp_path / "redis") as redis:
        settings = make_settings(url, redis.url)
        async with in_process(create_app(settings), settings=settings) as srv:
            yield srv


@pytest.fixture
async def over_http(served: InProcessServer) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(base_url=served.base_url, timeout=10) as client:
        yield Api(client)


async def test_moderators_hear_their_queues_change_and_nobody_else_does(
    served: InProcessServer, over_http: Api
) -> None:
    api = over_http
    n = await network(api, served.state["ctx"])
    first, second = n.cities[0], n.cities[1]
    async with live_client(served.ws_url, n.mona.token) as mona, \
            live_client(served.ws_url, n.citizen.token) as citizen, \
            live_client(served.ws_url) as anonymous:
        for city in n.cities:
            await mona.subscribe(f"moderation:{city.space_id}")
        # Not a moderator: refused, signed in or not (the space itself is public).
        await citizen.send({"type": "subscribe", "channel": f"moderation:{first.space_id}"})
        await citizen.expect("error", code="forbidden", channel=f"moderation:{first.space_id}")
        await anonymous.send({"type": "subscribe", "channel": f"moderation:{first.space_id}"})
        refused = await anonymous.expect("error", channel=f"moderation:{first.space_id}")
        assert refused["code"] in {"forbidden", "not_found"}, refused
        # The citizen follows the space's public channel, which carries no queue news.
        await citizen.subscribe(f"space:{second.space_id}")

        post = await api.post(n.troll, second.topic_id, "More rude words")
        await api.ok("POST", f"/posts/{post['id']}/flags", n.flagger, {"reason": "spam"},
                     status=201)
        [event] = await mona.events(f"moderation:{second.space_id}", 1)
        assert event["name"] == "queue.changed"
        assert event["data"] == {"space_id": second.space_id, "what": "flag.created"}
        # Settling it is news too (the audited act says what it was).
        flag_id = (await api.ok("GET", f"/moderation/queue?space_id={second.space_id}",
                                n.mona))["items"][-1]["flagged"]["flags"][0]["id"]
        await api.ok("POST", f"/flags/{flag_id}/resolve", n.mona, {"action": "dismiss"})
        [event] = await mona.events(f"moderation:{second.space_id}", 1)
        assert event["data"] == {"space_id": second.space_id, "what": "flags.dismiss"}
        # The citizen heard the public log entry of that act, and nothing of the queue.
        frame = await citizen.recv()
        assert (frame["channel"], frame["name"]) == (
            f"space:{second.space_id}", "moderation.logged"), frame
        assert "flag" not in str(frame["data"].get("what", ""))
        await citizen.quiet(0.5)

        # Removed as a moderator of the first city: that queue's news stops.
        r = await api.call("DELETE", f"/spaces/{first.space_id}/moderators/{n.mona.id}",
                           first.admin)
        assert r.status_code == 204, r.text
        ended = await mona.expect("error", code="subscription_ended",
                                  channel=f"moderation:{first.space_id}")
        assert ended
        await mona.send({"type": "subscribe", "channel": f"moderation:{first.space_id}"})
        await mona.expect("error", code="forbidden", channel=f"moderation:{first.space_id}")


async def test_a_private_spaces_queue_channel_is_not_found_for_strangers(
    served: InProcessServer, over_http: Api
) -> None:
    api = over_http
    n = await network(api, served.state["ctx"])
    city = n.cities[0]
    council = (await api.ok("POST", f"/orgs/{city.org_id}/spaces", city.admin, {
        "name": "Council", "description": "", "visibility": "private"}, status=201))["space"]
    async with live_client(served.ws_url, n.mona.token) as mona, \
            live_client(served.ws_url, city.admin.token) as admin:
        channel = f"moderation:{council['id']}"
        await mona.send({"type": "subscribe", "channel": channel})
        await mona.expect("error", code="not_found", channel=channel)
        await admin.subscribe(channel)
        for bad in ("moderation:0", "moderation:x", "moderation:99999999999"):
            await mona.send({"type": "subscribe", "channel": bad})
            frame = await mona.recv()
            assert frame["type"] == "error", frame


async def test_a_burst_of_subscribes_to_queues_is_authorized_like_one(
    served: InProcessServer, over_http: Api
) -> None:
    """The page subscribes to every queue at once: a burst is authorized together
    (subscriptions.permission.authorize_many), by the same rule."""
    api = over_http
    n = await network(api, served.state["ctx"])
    channels = [f"moderation:{c.space_id}" for c in n.cities]
    async with live_client(served.ws_url, n.mona.token) as mona, \
            live_client(served.ws_url, n.citizen.token) as citizen:
        for client in (mona, citizen):
            for channel in channels:
                await client.send({"type": "subscribe", "channel": channel})
        got = [await mona.recv() for _ in channels]
        assert sorted((f["type"], f["channel"]) for f in got) == sorted(
            ("subscribed", c) for c in channels), got
        refused = [await citizen.recv() for _ in channels]
        assert sorted((f["type"], f.get("code"), f["channel"]) for f in refused) == sorted(
            ("error", "forbidden", c) for c in channels), refused
