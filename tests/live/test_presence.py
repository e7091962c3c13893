"""Presence and typing in one process: who is in a topic, who is typing, and
who left (ephemeral frames, no seq)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from cps.live.presence import Presence, _Topic
from tests.live.helpers import subscribed_clients, topic_world
from tests.support.api import Api
from tests.support.clients import Frame, live_client
from tests.support.servers import AppServer

pytestmark = pytest.mark.anyio


def ids(frame: Frame, key: str = "users") -> set[int]:
    return {person["id"] for person in frame[key]}


async def test_everyone_in_a_topic_sees_who_else_is_there(api: Api, server: AppServer) -> None:
    w, _, channel = await topic_world(api)
    alice, bob = w["admin"], w["citizen"]
    async with subscribed_clients(server.ws_url, channel, alice, bob, None) as clients:
        everyone = {alice.id, bob.id}
        for client in clients:
            frame = await client.presence(
                channel, lambda f: ids(f) == everyone and f["anonymous"] == 1)
            assert "seq" not in frame
            names = {p["id"]: p["display_name"] for p in frame["users"]}
            assert names == {alice.id: alice.display_name, bob.id: bob.display_name}
            assert frame["typing"] == []


async def test_a_closed_socket_leaves_the_others_presence_within_a_second(
    api: Api, server: AppServer
) -> None:
    w, _, channel = await topic_world(api)
    alice, bob = w["admin"], w["citizen"]
    async with live_client(server.ws_url, alice.token) as a:
        await a.subscribe(channel)
        async with live_client(server.ws_url, bob.token) as b:
            await b.subscribe(channel)
            await a.presence(channel, lambda f: ids(f) == {alice.id, bob.id})
            start = time.monotonic()
        await a.presence(channel, lambda f: ids(f) == {alice.id}, timeout=1.5)
        assert time.monotonic() - start < 1.5


async def test_unsubscribing_leaves_the_presence_too(api: Api, server: AppServer) -> None:
    w, _, channel = await topic_world(api)
    alice, bob = w["admin"], w["citizen"]
    async with subscribed_clients(server.ws_url, channel, alice, bob) as (a, b):
        await a.presence(channel, lambda f: ids(f) == {alice.id, bob.id})
        await b.send({"type": "unsubscribe", "channel": channel})
        await a.presence(channel, lambda f: ids(f) == {alice.id}, timeout=1.5)


async def test_typing_shows_up_for_the_others_and_is_throttled(api: Api, server: AppServer) -> None:
    w, _, channel = await topic_world(api)
    alice, bob = w["admin"], w["citizen"]
    async with subscribed_clients(server.ws_url, channel, alice, bob) as (a, b):
        await b.presence(channel, lambda f: ids(f) == {alice.id, bob.id})
        await a.send({"type": "typing", "channel": channel})
        frame = await b.presence(channel, lambda f: ids(f, "typing") == {alice.id},
                                 timeout=1.5)
        assert frame["typing"] == [{"id": alice.id, "display_name": alice.display_name}]
        # A burst of typing frames is one piece of news, not a frame each.
        before = len(b.presence_frames)
        for _ in range(10):
            await a.send({"type": "typing", "channel": channel})
        await b.quiet(0.6)
        assert len(b.presence_frames) - before <= 1


async def test_typing_needs_a_signed_in_subscriber(api: Api, server: AppServer) -> None:
    w, _, channel = await topic_world(api)
    async with live_client(server.ws_url) as anonymous:
        await anonymous.subscribe(channel)
        await anonymous.send({"type": "typing", "channel": channel})
        await anonymous.expect("error", code="not_subscribed", channel=channel)
    async with live_client(server.ws_url, w["citizen"].token) as client:
        space: dict[str, Any] = {"type": "typing", "channel": f"space:{w['space']['id']}"}
        await client.subscribe(space["channel"])
        await client.send(space)
        await client.expect("error", code="not_subscribed")


def test_a_big_room_hears_of_presence_less_often() -> None:
    """Each join would otherwise send every socket of the room a frame."""
    def interval(sockets: int) -> float:
        return Presence.interval(_Topic(local=dict.fromkeys(range(sockets))))

    assert interval(1) == interval(100) == 0.25
    assert interval(1_000) == 2.5
    assert interval(5_000) == interval(50_000) == 5.0
