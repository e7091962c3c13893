"""/ws as the contract describes it: handshake, frames, errors, limits, who may follow what.

Every test runs against a real `cps serve` process, over SQLite with the
in-process broker and over PostgreSQL with Redis."""

from __future__ import annotations

import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Origin

from tests.live.conftest import Backend
from tests.live.helpers import private_world
from tests.support.api import Api
from tests.support.clients import live_client
from tests.support.servers import AppServer

pytestmark = pytest.mark.anyio


async def test_subscribe_answers_the_channels_seq_then_each_event_in_order(
    api: Api, server: AppServer
) -> None:
    w = await api.world()
    t = w["topic"]["id"]
    async with live_client(server.ws_url) as client:
        assert await client.subscribe(f"topic:{t}") == 1  # the opening post
        posts = [await api.post(w["citizen"], t, f"reply {n}") for n in range(3)]
        events = await client.events(f"topic:{t}", 3)
    assert [e["seq"] for e in events] == [2, 3, 4]
    assert {e["name"] for e in events} == {"post.created"}
    assert [e["data"]["id"] for e in events] == [p["id"] for p in posts]
    assert events[0]["data"]["body"] == "reply 0"


async def test_a_space_channel_carries_topic_events(api: Api, server: AppServer) -> None:
    w = await api.world()
    s = w["space"]["id"]
    async with live_client(server.ws_url) as client:
        start = await client.subscribe(f"space:{s}")
        topic = await api.topic(w["admin"], s, title="Night buses")
        await api.ok("PATCH", f"/topics/{topic['id']}", w["admin"], {"pinned": True})
        created, pinned = await client.events(f"space:{s}", 2)
    assert (created["seq"], created["name"]) == (start + 1, "topic.created")
    assert created["data"]["title"] == "Night buses"
    assert (pinned["seq"], pinned["name"]) == (start + 2, "topic.pinned")


async def test_ping_answers_pong(server: AppServer) -> None:
    async with live_client(server.ws_url) as client:
        await client.send({"type": "ping"})
        assert await client.recv() == {"type": "pong"}


async def test_unsubscribe_stops_the_events_of_that_channel_only(
    api: Api, server: AppServer
) -> None:
    w = await api.world()
    t = w["topic"]["id"]
    other = await api.topic(w["admin"], w["space"]["id"], title="Trams")
    async with live_client(server.ws_url) as client:
        await client.subscribe(f"topic:{t}")
        await client.subscribe(f"topic:{other['id']}")
        await client.send({"type": "unsubscribe", "channel": f"topic:{t}"})
        await client.expect("unsubscribed", channel=f"topic:{t}")
        await api.post(w["citizen"], t, "nobody follows this here")
        await api.post(w["citizen"], other["id"], "but this one")
        [event] = await client.events(f"topic:{other['id']}", 1)
        assert event["data"]["body"] == "but this one"
        await client.quiet(0.5)


async def test_malformed_and_unknown_frames_get_error_frames_and_the_socket_stays_usable(
    api: Api, server: AppServer
) -> None:
    w = await api.world()
    t = w["topic"]["id"]
    cases: list[tuple[str | bytes, str]] = [
        ("this is not json", "malformed_frame"),
        ("[1, 2, 3]", "malformed_frame"),
        ('"subscribe"', "malformed_frame"),
        ("null", "malformed_frame"),
        (b"\xff\xfe binary", "malformed_frame"),
        ('{"type": "dance"}', "unknown_type"),
        ('{"channel": "topic:1"}', "unknown_type"),
        ('{"type": ["subscribe"]}', "unknown_type"),
        ('{"type": "subscribe", "channel": "topic:abc"}', "unknown_channel"),
        ('{"type": "subscribe", "channel": "chat:1"}', "unknown_channel"),
        ('{"type": "subscribe", "channel": "topic:0"}', "unknown_channel"),
        ('{"type": "subscribe"}', "unknown_channel"),
        ('{"type": "subscribe", "channel": 42}', "unknown_channel"),
        ('{"type": "subscribe", "channel": "topic:99999999"}', "not_found"),
        ('{"type": "subscribe", "channel": "space:99999999"}', "not_found"),
        (json.dumps({"type": "subscribe", "channel": f"topic:{t}", "since": -1}),
         "invalid_since"),
        (json.dumps({"type": "subscribe", "channel": f"topic:{t}", "since": "3"}),
         "invalid_since"),
        (json.dumps({"type": "subscribe", "channel": f"topic:{t}", "since": True}),
         "invalid_since"),
        (json.dumps({"type": "typing", "channel": f"topic:{t}"}), "not_subscribed"),
    ]
    async with live_client(server.ws_url) as client:
        for raw, code in cases:
            await client.ws.send(raw)
            frame = await client.expect("error")
            assert frame["code"] == code, (raw, frame)
            assert isinstance(frame["message"], str) and frame["message"], frame
        # Still usable: ping, subscribe, events.
        await client.send({"type": "ping"})
        await client.expect("pong")
        assert await client.subscribe(f"topic:{t}") == 1
        await api.post(w["citizen"], t, "after the noise")
        [event] = await client.events(f"topic:{t}", 1)
        assert event["seq"] == 2


async def test_an_error_about_a_channel_names_it(server: AppServer) -> None:
    async with live_client(server.ws_url) as client:
        await client.send({"type": "subscribe", "channel": "topic:99999999"})
        frame = await client.expect("error", code="not_found")
        assert frame["channel"] == "topic:99999999"


async def test_a_frame_over_64_kib_closes_the_socket_with_1009(server: AppServer) -> None:
    async with live_client(server.ws_url, max_size=None) as client:
        # Just under the limit is a frame like any other.
        await client.send({"type": "ping", "padding": "x" * (60 * 1024)})
        await client.expect("pong")
        await client.send({"type": "ping", "padding": "x" * (65 * 1024)})
        assert await client.closed_with() == 1009


async def test_a_flood_of_frames_is_rate_limited_then_closed_with_1008(server: AppServer) -> None:
    async with live_client(server.ws_url) as client:
        sent = 0
        try:
            for _ in range(600):
                await client.send({"type": "ping"})
                sent += 1
        except ConnectionClosed:
            pass
        codes: list[str] = []
        pongs = 0
        close_code = None
        try:
            while True:
                frame = await client.recv(5)
                if frame["type"] == "pong":
                    pongs += 1
                else:
                    assert frame["type"] == "error", frame
                    codes.append(frame["code"])
        except ConnectionClosed as exc:
            close_code = exc.rcvd.code if exc.rcvd else None
    assert close_code == 1008
    assert codes and set(codes) == {"rate_limited"}
    assert 60 <= pongs < 200, pongs  # the burst went through, the flood did not


async def test_a_foreign_origin_is_refused_with_403_before_the_socket_opens(
    server: AppServer
) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with connect(server.ws_url, origin=Origin("https://evil.example"), open_timeout=5):
            pass
    assert refused.value.response.status_code == 403


async def test_the_served_origin_and_no_origin_are_allowed(server: AppServer) -> None:
    async with live_client(server.ws_url, origin=server.base_url) as browser:
        await browser.send({"type": "ping"})
        await browser.expect("pong")
    async with live_client(server.ws_url) as script:  # no Origin header at all
        await script.send({"type": "ping"})
        await script.expect("pong")


async def test_credentials_by_bearer_header_query_token_or_cookie(
    api: Api, server: AppServer
) -> None:
    user = await api.user()
    for kwargs in ({"token": user.token}, {"token": user.token, "query_token": True},
                   {"cookie": user.token}):
        async with live_client(server.ws_url, **kwargs) as client:
            assert await client.subscribe(f"user:{user.id}") >= 0, kwargs


async def test_an_invalid_bearer_token_is_refused_and_an_invalid_cookie_is_anonymous(
    api: Api, server: AppServer
) -> None:
    """As over HTTP: a client that sends a token must learn that it no longer works
    (401 invalid_token), not follow as a guest without knowing it."""
    w = await api.world()
    user = w["citizen"]
    for kwargs in ({"token": "not-a-token"}, {"token": "not-a-token", "query_token": True}):
        with pytest.raises(InvalidStatus) as refused:
            async with live_client(server.ws_url, **kwargs):
                pass
        assert refused.value.response.status_code == 401
        assert json.loads(refused.value.response.body)["error"]["code"] == "invalid_token"
    async with live_client(server.ws_url, cookie="not-a-token") as client:
        assert await client.subscribe(f"topic:{w['topic']['id']}") == 1
        await client.send({"type": "subscribe", "channel": f"user:{user.id}"})
        await client.expect("error", code="forbidden", channel=f"user:{user.id}")


async def test_anonymous_may_follow_public_channels_only(api: Api, server: AppServer,
                                                          backend: Backend) -> None:
    w = await api.world()
    p = await private_world(api, backend.database_url)
    async with live_client(server.ws_url) as anonymous:
        await anonymous.subscribe(f"topic:{w['topic']['id']}")
        await anonymous.subscribe(f"space:{w['space']['id']}")
        for channel in (f"space:{p['space']['id']}", f"topic:{p['topic']['id']}"):
            await anonymous.send({"type": "subscribe", "channel": channel})
            await anonymous.expect("error", code="not_found", channel=channel)
        channel = f"user:{w['citizen'].id}"
        await anonymous.send({"type": "subscribe", "channel": channel})
        await anonymous.expect("error", code="forbidden", channel=channel)


async def test_a_private_space_is_followed_by_its_members_only(api: Api, server: AppServer,
                                                                backend: Backend) -> None:
    p = await private_world(api, backend.database_url)
    channels = (f"space:{p['space']['id']}", f"topic:{p['topic']['id']}")
    async with live_client(server.ws_url, p["outsider"].token) as outsider:
        for channel in channels:
            await outsider.send({"type": "subscribe", "channel": channel})
            await outsider.expect("error", code="not_found", channel=channel)
    async with live_client(server.ws_url, p["member"].token) as member:
        for channel in channels:
            await member.subscribe(channel)
        await api.post(p["member"], p["topic"]["id"], "members only")
        [event] = await member.events(channels[1], 1)
        assert event["data"]["body"] == "members only"


async def test_a_user_channel_is_for_that_user_only(api: Api, server: AppServer) -> None:
    alice, bob = await api.user("Alice"), await api.user("Bob")
    async with live_client(server.ws_url, alice.token) as client:
        await client.subscribe(f"user:{alice.id}")
        await client.send({"type": "subscribe", "channel": f"user:{bob.id}"})
        await client.expect("error", code="forbidden", channel=f"user:{bob.id}")
