"""Authorization is not only checked at subscribe time: a logout or a removal from
a private space ends what it no longer allows within 5 seconds."""

from __future__ import annotations

import time

import httpx
import pytest
from websockets.exceptions import InvalidStatus

from tests.live.conftest import Backend
from tests.live.helpers import private_world
from tests.support.api import Api, User
from tests.support.clients import live_client
from tests.support.servers import AppServer

pytestmark = pytest.mark.anyio


async def _login_again(http: httpx.AsyncClient, user: User) -> str:
    r = await http.post("/api/v1/auth/login",
                        json={"email": user.email, "password": "correct horse battery"})
    assert r.status_code == 200, r.text
    http.cookies.clear()
    return str(r.json()["token"])


async def test_logout_closes_the_sockets_using_that_token_with_4001(
    api: Api, http: httpx.AsyncClient, server: AppServer
) -> None:
    w = await api.world()
    user, t = w["citizen"], w["topic"]["id"]
    other_token = await _login_again(http, user)
    async with (live_client(server.ws_url, user.token) as header,
                live_client(server.ws_url, user.token, query_token=True) as query,
                live_client(server.ws_url, other_token) as other_device):
        for client in (header, query, other_device):
            await client.subscribe(f"topic:{t}")
        start = time.monotonic()
        await api.ok("POST", "/auth/logout", user, status=204)
        assert await header.closed_with(timeout=5) == 4001
        assert await query.closed_with(timeout=5) == 4001
        assert time.monotonic() - start < 5
        # The session on the other device was not signed out: it still follows.
        await api.post(w["admin"], t, "still here?")
        [event] = await other_device.events(f"topic:{t}", 1)
        assert event["data"]["body"] == "still here?"
    # The revoked token is refused from now on (401 invalid_token, as over HTTP).
    with pytest.raises(InvalidStatus) as refused:
        async with live_client(server.ws_url, user.token):
            pass
    assert refused.value.response.status_code == 401


async def test_removal_from_a_private_space_ends_its_subscriptions(
    api: Api, server: AppServer, backend: Backend
) -> None:
    p = await private_world(api, backend.database_url)
    w = await api.world()  # a public topic the member also follows
    member, s, t = p["member"], p["space"]["id"], p["topic"]["id"]
    public = f"topic:{w['topic']['id']}"
    async with live_client(server.ws_url, member.token) as client:
        for channel in (f"space:{s}", f"topic:{t}", public):
            await client.subscribe(channel)
        start = time.monotonic()
        await api.ok("DELETE", f"/spaces/{s}/members/{member.id}", p["admin"], status=204)
        ended = {(await client.expect("error", code="subscription_ended", timeout=5))["channel"]
                 for _ in range(2)}
        assert ended == {f"space:{s}", f"topic:{t}"}
        assert time.monotonic() - start < 5
        # Nothing more from the space; the public topic still flows.
        await api.post(p["admin"], t, "after you left")
        await api.topic(p["admin"], s, title="Also private")
        await api.post(w["citizen"], w["topic"]["id"], "public news")
        [event] = await client.events(public, 1)
        assert event["data"]["body"] == "public news"
        await client.quiet(0.5)
        # And subscribing again is refused as for any outsider.
        await client.send({"type": "subscribe", "channel": f"topic:{t}"})
        await client.expect("error", code="not_found", channel=f"topic:{t}")


async def test_removal_of_another_member_ends_nothing_for_the_rest(
    api: Api, server: AppServer, backend: Backend
) -> None:
    p = await private_world(api, backend.database_url)
    s, t = p["space"]["id"], p["topic"]["id"]
    leaving = await api.user("Leaving")
    await api.ok("POST", f"/spaces/{s}/members", p["admin"], {"user_id": leaving.id}, status=201)
    async with live_client(server.ws_url, p["member"].token) as staying:
        await staying.subscribe(f"topic:{t}")
        await api.ok("DELETE", f"/spaces/{s}/members/{leaving.id}", p["admin"], status=204)
        await api.post(p["admin"], t, "still members")
        [event] = await staying.events(f"topic:{t}", 1)
        assert event["data"]["body"] == "still members"
