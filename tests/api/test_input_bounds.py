"""Input past what Python or the database can hold is refused as input: 422 naming
the field (404 for an id in the path), never a 500.

A time whose UTC instant is outside Python's years (9999-12-31T23:00-14:00,
0001-01-01T00:00+14:00) raised OverflowError; an id or cursor past 2^31-1 reached
PostgreSQL's int4 columns. Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from cps.services.context import Context
from cps.storage.types import ID_MAX
from tests.api.helpers import assert_error
from tests.support.api import Api
from tests.support.clients import live_client
from tests.support.direct import set_tier
from tests.support.servers import InProcessServer

pytestmark = pytest.mark.anyio

PAST_ID = ID_MAX + 1
HUGE = 99_999_999_999
# Valid RFC 3339 that no UTC datetime can hold, and the same at the edge of the bounds.
NO_UTC_INSTANT = ["9999-12-31T23:00:00-14:00", "0001-01-01T00:00:00+14:00"]
OUT_OF_RANGE_TIMES = [*NO_UTC_INSTANT, "9000-01-01T00:00:00Z", "0999-12-31T23:59:59Z",
                      "2027-02-30T00:00:00Z", "2027-03-01T18:00:00", "2027-03-01"]


def field_error(r: Any, name: str) -> None:
    error = assert_error(r, 422, "invalid")
    assert name in error["fields"], error


@pytest.mark.parametrize("closes_at", OUT_OF_RANGE_TIMES)
async def test_a_poll_closing_time_out_of_range_is_422(api: Api, ctx: Context, closes_at: str) -> None:
    w = await api.world()
    await set_tier(ctx, w["org"]["id"], "plus")
    r = await api.call("POST", f"/topics/{w['topic']['id']}/polls", w["admin"],
                       {"question": "When?", "options": ["a", "b"], "closes_at": closes_at})
    field_error(r, "closes_at")


async def test_a_poll_may_close_at_the_edge_of_the_range_with_any_offset(api: Api, ctx: Context) -> None:
    w = await api.world()
    await set_tier(ctx, w["org"]["id"], "plus")
    poll = await api.ok("POST", f"/topics/{w['topic']['id']}/polls", w["admin"],
                        {"question": "When?", "options": ["a", "b"],
                         "closes_at": "8999-12-31T23:59:59-14:00"}, status=201)
    assert poll["poll"]["closes_at"].startswith("9000-01-01T13:59:59")


@pytest.mark.parametrize("since", OUT_OF_RANGE_TIMES)
async def test_an_audit_since_out_of_range_is_422(api: Api, since: str) -> None:
    w = await api.world()
    r = await api.call("GET", f"/spaces/{w['space']['id']}/moderation/audit", w["admin"],
                       params={"since": since})
    field_error(r, "since")


async def test_an_audit_since_with_any_offset_inside_the_range_is_read(api: Api) -> None:
    w = await api.world()
    await api.ok("PATCH", f"/topics/{w['topic']['id']}", w["admin"], {"pinned": True})
    path = f"/spaces/{w['space']['id']}/moderation/audit"
    early = await api.ok("GET", path, w["admin"], params={"since": "1000-01-01T00:00:00+14:00"})
    late = await api.ok("GET", path, w["admin"], params={"since": "8999-12-31T23:59:59-14:00"})
    assert [e["action"] for e in early["entries"]] == ["topic.pinned"]
    assert late["entries"] == []


@pytest.mark.parametrize("name", ["actor", "before"])
@pytest.mark.parametrize("value", [str(PAST_ID), str(HUGE), str(2**63), "0", "-1", "", "1e3",
                                   " 5", "1_0"])
async def test_an_audit_id_filter_out_of_range_is_422(api: Api, name: str, value: str) -> None:
    w = await api.world()
    r = await api.call("GET", f"/spaces/{w['space']['id']}/moderation/audit", w["admin"],
                       params={name: value})
    field_error(r, name)


@pytest.mark.parametrize("path", ["/spaces/{space}/moderation/audit",
                                  "/spaces/{space}/moderation/log"])
@pytest.mark.parametrize("query", [{"before": str(PAST_ID)}, {"limit": "201"},
                                   {"limit": "0"}, {"before": str(HUGE), "limit": "5"}])
async def test_log_pages_past_their_bounds_are_422(api: Api, path: str, query: dict[str, str]) -> None:
    w = await api.world()
    r = await api.call("GET", path.format(space=w["space"]["id"]), w["admin"], params=query)
    field_error(r, next(iter(query)))


async def test_the_largest_ids_are_read_as_ids_that_name_nothing(api: Api) -> None:
    w = await api.world()
    page = await api.ok("GET", f"/spaces/{w['space']['id']}/moderation/audit", w["admin"],
                        params={"actor": str(ID_MAX), "before": str(ID_MAX)})
    assert page["entries"] == []


@pytest.mark.parametrize("method,path", [
    ("GET", "/topics/{big}"),
    ("GET", "/spaces/{big}/topics"),
    ("GET", "/topics/{big}/posts"),
    ("GET", "/posts/{big}/revisions"),
    ("GET", "/polls/{big}"),
    ("GET", "/appeals/{big}"),
    ("PATCH", "/posts/{big}"),
    ("DELETE", "/spaces/{space}/moderators/{big}"),
    ("DELETE", "/posts/{big}/reactions/like"),
    ("GET", "/orgs/{big}/analytics"),
])
@pytest.mark.parametrize("big", [PAST_ID, HUGE, 2**64])
async def test_a_path_id_past_the_database_is_404(api: Api, method: str, path: str, big: int) -> None:
    w = await api.world()
    body = {"body": "x"} if method == "PATCH" else None
    r = await api.call(method, path.format(big=big, space=w["space"]["id"]), w["admin"], body)
    assert_error(r, 404, "not_found")


@pytest.mark.parametrize("payload", [
    {"body": "A reply", "parent_id": PAST_ID},
    {"body": "A reply", "parent_id": HUGE},
])
async def test_a_body_id_past_the_database_is_422(api: Api, payload: dict[str, Any]) -> None:
    w = await api.world()
    r = await api.call("POST", f"/topics/{w['topic']['id']}/posts", w["citizen"], payload)
    field_error(r, "parent_id")


def topic_cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize("raw", [
    "0|9999-12-31T23:00:00-14:00|5",
    "1|0001-01-01T00:00:00+14:00|5",
    f"0|2026-01-01T00:00:00+00:00|{PAST_ID}",
    f"0|2026-01-01T00:00:00+00:00|{HUGE}",
])
async def test_a_forged_topic_cursor_out_of_range_is_422(api: Api, raw: str) -> None:
    w = await api.world()
    r = await api.call("GET", f"/spaces/{w['space']['id']}/topics",
                       params={"cursor": topic_cursor(raw)})
    field_error(r, "cursor")


@pytest.mark.parametrize("query", [{"limit": "101"}, {"limit": str(HUGE)},
                                   {"cursor": "12345"}, {"cursor": "x" * 10}])
async def test_thread_pages_past_their_bounds_are_422(api: Api, query: dict[str, str]) -> None:
    w = await api.world()
    r = await api.call("GET", f"/topics/{w['topic']['id']}/posts", params=query)
    field_error(r, next(iter(query)))


@pytest.mark.parametrize("days", ["0", "366", str(HUGE), "-1", ""])
async def test_an_analytics_window_out_of_range_is_422(api: Api, ctx: Context, days: str) -> None:
    w = await api.world()
    await set_tier(ctx, w["org"]["id"], "premium")
    r = await api.call("GET", f"/orgs/{w['org']['id']}/analytics", w["admin"],
                       params={"days": days})
    field_error(r, "days")


async def test_a_websocket_channel_past_the_database_is_an_error_frame(live_api: Api,
                                                                      served_app: InProcessServer) -> None:
    w = await live_api.world()
    t = w["topic"]["id"]
    async with live_client(served_app.ws_url) as client:
        for channel in (f"topic:{HUGE}", f"space:{PAST_ID}", f"user:{2**64}",
                        f"topic:{t}\n", "topic:" + "9" * 30):
            await client.send({"type": "subscribe", "channel": channel})
            frame = await client.expect("error", code="unknown_channel")
            assert frame["message"], frame
        # The largest id is an id like any other: it names nothing here.
        await client.send({"type": "subscribe", "channel": f"topic:{ID_MAX}"})
        await client.expect("error", code="not_found")
        # A `since` past anything stored starts the client over; the socket goes on.
        assert await client.subscribe(f"topic:{t}", since=2**70) == 1
        await client.expect("reset", channel=f"topic:{t}")
        await client.send({"type": "ping"})
        await client.expect("pong")


@pytest.mark.parametrize("action", ["post.hide\x00", "\x00"])
async def test_a_nul_in_a_text_parameter_is_422(api: Api, action: str) -> None:
    w = await api.world()
    r = await api.call("GET", f"/spaces/{w['space']['id']}/moderation/audit", w["admin"],
                       params={"action": action})
    field_error(r, "action")


async def test_fields_a_body_does_not_declare_are_ignored_whatever_they_hold(api: Api) -> None:
    """The document lets a body carry other properties; the server ignores them, even
    those no column could store."""
    w = await api.world()
    r = await api.call("POST", f"/topics/{w['topic']['id']}/posts", w["citizen"],
                       {"body": "Kept", "x": "\x00", "y": HUGE, "z": [{"\x00": -HUGE}]})
    assert r.status_code == 201, r.text
    r = await api.call("POST", f"/topics/{w['topic']['id']}/posts", w["citizen"],
                       {"body": "Not kept\x00"})
    field_error(r, "body")
    # Inside a declared object too.
    await api.ok("PATCH", f"/spaces/{w['space']['id']}", w["admin"],
                 {"flag_threshold": 4, "word_filter": {"extra": 2.5e35, "x": {"y": HUGE}}})


async def test_a_ban_may_last_as_long_as_the_document_says_and_no_longer(api: Api) -> None:
    w = await api.world()
    path = f"/spaces/{w['space']['id']}/bans"
    ban = {"user_id": w["citizen"].id, "reason": "Spam"}
    r = await api.call("POST", path, w["admin"], {**ban, "duration_seconds": ID_MAX + 1})
    field_error(r, "duration_seconds")
    await api.ok("POST", path, w["admin"], {**ban, "duration_seconds": ID_MAX}, status=201)


@pytest.mark.parametrize("user_id", ["{id}.0", "{id}e0", "{id}.000"])
async def test_a_whole_number_written_with_a_fraction_is_that_integer(api: Api, user_id: str) -> None:
    """JSON Schema counts 7.0 as an integer; so does the server."""
    w = await api.world()
    raw = '{"user_id": ' + user_id.format(id=w["citizen"].id) + "}"
    r = await api.call("POST", f"/spaces/{w['space']['id']}/moderators", w["admin"],
                       content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 201, r.text
    assert r.json()["member"]["user"]["id"] == w["citizen"].id


@pytest.mark.parametrize("user_id", ["1.5", "2147483648.0", "1e400"])
async def test_a_number_that_is_no_id_is_422(api: Api, user_id: str) -> None:
    w = await api.world()
    r = await api.call("POST", f"/spaces/{w['space']['id']}/moderators", w["admin"],
                       content='{"user_id": ' + user_id + "}",
                       headers={"Content-Type": "application/json"})
    field_error(r, "user_id")
