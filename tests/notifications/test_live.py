"""Every open page of a person hears the same: two sockets subscribed to one person's
channel (two tabs, two devices) get notification.created with the new count when
someone replies, and notification.read with the count when the person reads in
either; nobody else may follow that channel. Real sockets, both databases."""

from __future__ import annotations

import pytest

from tests.moderation.conftest import moderated_world
from tests.support.api import Api
from tests.support.clients import live_client
from tests.support.servers import InProcessServer

pytestmark = pytest.mark.anyio


async def test_two_pages_of_one_person_hear_the_same_count(
        live_api: Api, served_app: InProcessServer) -> None:
    api = live_api
    w = await moderated_world(api)
    citizen = w["citizen"]
    mine = await api.post(citizen, w["topic"]["id"], "Bus lane on main street?")
    neighbour = await api.user("Neighbour")
    channel = f"user:{citizen.id}"
    async with live_client(served_app.ws_url, citizen.token) as tab, \
            live_client(served_app.ws_url, citizen.token) as phone:
        await tab.subscribe(channel)
        await phone.subscribe(channel)
        reply = await api.post(neighbour, w["topic"]["id"], "Yes", parent_id=mine["id"])
        for page in (tab, phone):
            [event] = await page.events(channel, 1)
            assert event["name"] == "notification.created"
            assert event["data"]["unread_count"] == 1
            note = event["data"]["notification"]
            assert note["kind"] == "reply" and note["post_id"] == reply["id"]
            assert note["actor"]["display_name"] == "Neighbour"
        await api.ok("POST", "/notifications/read", citizen, {"ids": [note["id"]]})
        for page in (tab, phone):
            [event] = await page.events(channel, 1)
            assert event["name"] == "notification.read"
            assert event["data"] == {"ids": [note["id"]], "unread_count": 0}
        await api.post(neighbour, w["topic"]["id"], "Again", parent_id=mine["id"])
        for page in (tab, phone):
            [event] = await page.events(channel, 1)
            assert event["data"]["unread_count"] == 1
        await api.ok("POST", "/notifications/read", citizen, {"all": True})
        for page in (tab, phone):
            [event] = await page.events(channel, 1)
            assert event["data"] == {"all": True, "unread_count": 0}


async def test_nobody_else_follows_a_persons_notifications(
        live_api: Api, served_app: InProcessServer) -> None:
    w = await moderated_world(live_api)
    async with live_client(served_app.ws_url, w["admin"].token) as other:
        await other.send({"type": "subscribe", "channel": f"user:{w['citizen'].id}"})
        await other.expect("error", code="forbidden", channel=f"user:{w['citizen'].id}")
