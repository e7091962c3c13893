"""Poll events on a real WebSocket: created, voted (counts, never who), closed."""

from __future__ import annotations

import pytest

from tests.live.helpers import set_tier
from tests.support.api import Api
from tests.support.clients import live_client
from tests.support.servers import InProcessServer

pytestmark = pytest.mark.anyio


async def test_a_follower_of_the_topic_sees_a_poll_open_fill_up_and_close(
    live_api: Api, served_app: InProcessServer, database_url: str
) -> None:
    api = live_api
    w = await api.world()
    await set_tier(database_url, w["org"]["id"], "plus")
    t = w["topic"]["id"]
    reader = await api.user("Reader")
    async with live_client(served_app.ws_url, reader.token) as client:
        await client.subscribe(f"topic:{t}")
        poll = (await api.ok("POST", f"/topics/{t}/polls", w["admin"],
                             {"question": "Which route first?", "options": ["A", "B"]},
                             status=201))["poll"]
        created = (await client.events(f"topic:{t}", 1))[0]
        assert created["name"] == "poll.created"
        assert created["data"]["id"] == poll["id"]
        assert [o["label"] for o in created["data"]["options"]] == ["A", "B"]
        assert created["data"]["accepting_votes"] is True

        b = poll["options"][1]["id"]
        await api.ok("PUT", f"/polls/{poll['id']}/vote", w["citizen"], {"option_id": b})
        voted = (await client.events(f"topic:{t}", 1))[0]
        assert voted["name"] == "poll.voted"
        assert [o["votes"] for o in voted["data"]["options"]] == [0, 1]
        assert voted["data"]["total_votes"] == 1
        # Who voted is not said: the event is the poll as an anonymous reader sees it.
        assert voted["data"]["my_vote"] is None
        assert voted["data"] == (await api.ok("GET", f"/polls/{poll['id']}"))["poll"]

        await api.ok("POST", f"/polls/{poll['id']}/close", w["admin"])
        closed = (await client.events(f"topic:{t}", 1))[0]
        assert closed["name"] == "poll.closed"
        assert closed["data"]["closed"] is True
        assert closed["data"]["read_only_reason"] == "closed"
        assert [o["votes"] for o in closed["data"]["options"]] == [0, 1]
