"""The idempotency key of a post (`client_id`): a retry, even one racing the
original, lands exactly once, with exactly one live event, and burns no `seq`.
On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from cps.services.context import Context
from cps.services.subscriptions import history
from tests.support.api import Api, User

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

RACERS = 12


def _ctx(running_app: tuple[Any, dict[str, Any]]) -> Context:
    ctx = running_app[1]["ctx"]
    assert isinstance(ctx, Context)
    return ctx


async def _replay(ctx: Context, topic_id: int) -> list[dict[str, Any]]:
    """What a client subscribing with since=0 is sent."""
    return [json.loads(text) for _, text in
            await history.stored(ctx, f"topic:{topic_id}", 0, None)]


async def _post(api: Api, user: User, topic_id: int, client_id: str,
                body: str = "Only once, please") -> tuple[int, dict[str, Any]]:
    r = await api.call("POST", f"/topics/{topic_id}/posts", user,
                       {"body": body, "client_id": client_id})
    assert r.status_code in (200, 201), r.text
    return r.status_code, r.json()["post"]


async def test_a_retried_post_lands_once(api: Api, running_app: Any) -> None:
    w = await api.world()
    topic = w["topic"]["id"]
    first_status, first = await _post(api, w["citizen"], topic, "retry-1")
    again_status, again = await _post(api, w["citizen"], topic, "retry-1")
    assert (first_status, again_status) == (201, 200)
    assert again == first
    thread = (await api.ok("GET", f"/topics/{topic}/posts"))["posts"]
    assert [p["id"] for p in thread].count(first["id"]) == 1
    events = await _replay(_ctx(running_app), topic)
    assert [e["data"]["id"] for e in events if e["name"] == "post.created"].count(first["id"]) == 1


async def test_racing_retries_land_once_and_burn_no_seq(api: Api, running_app: Any) -> None:
    w = await api.world()
    topic = w["topic"]["id"]
    answers = await asyncio.gather(*(_post(api, w["citizen"], topic, "race-1")
                                     for _ in range(RACERS)))
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] * (RACERS - 1) + [201]
    assert len({post["id"] for _, post in answers}) == 1
    landed = answers[0][1]["id"]
    thread = (await api.ok("GET", f"/topics/{topic}/posts"))["posts"]
    assert [p["id"] for p in thread].count(landed) == 1
    # The next post follows right after: the losers gave their seq back.
    _, later = await _post(api, w["admin"], topic, "after-the-race", "And then this")
    events = await _replay(_ctx(running_app), topic)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    created = [e["data"]["id"] for e in events if e["name"] == "post.created"]
    assert created.count(landed) == 1 and created[-1] == later["id"]


async def test_a_client_id_belongs_to_its_author(api: Api) -> None:
    """Another author with the same key gets a post of their own, never someone
    else's; the same key in another topic is a conflict."""
    w = await api.world()
    topic = w["topic"]["id"]
    status_a, mine = await _post(api, w["citizen"], topic, "shared-key", "Mine")
    status_b, theirs = await _post(api, w["admin"], topic, "shared-key", "Theirs")
    assert (status_a, status_b) == (201, 201)
    assert mine["id"] != theirs["id"] and theirs["body"] == "Theirs"
    other_topic = await api.topic(w["admin"], w["space"]["id"], "Elsewhere")
    r = await api.call("POST", f"/topics/{other_topic['id']}/posts", w["citizen"],
                       {"body": "Mine", "client_id": "shared-key"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "client_id_used"
