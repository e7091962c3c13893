"""Sessions end on the server: idle and absolute lifetimes, a list of one's
sessions, ending one or all the others (issue 12, item 6)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from cps.services.context import Context
from cps.storage.models import AuthToken
from cps.storage.types import utcnow
from tests.api.helpers import assert_error
from tests.support.api import PREFIX, Api
from tests.support.clients import live_client
from tests.support.servers import InProcessServer

pytestmark = pytest.mark.anyio

PASSWORD = "correct horse battery"


async def sign_in(http: httpx.AsyncClient, email: str, agent: str) -> dict[str, Any]:
    r = await http.post(f"{PREFIX}/auth/login", json={"email": email, "password": PASSWORD},
                        headers={"User-Agent": agent})
    assert r.status_code == 200, r.text
    http.cookies.clear()
    body: dict[str, Any] = r.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_person_sees_their_sessions_with_device_address_and_last_use(api: Api, http: httpx.AsyncClient) -> None:
    me = await api.user()
    await sign_in(http, me.email, "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0")
    phone = await sign_in(http, me.email, "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0) Safari")
    r = await http.get(f"{PREFIX}/me/sessions", headers=bearer(phone["token"]))
    assert r.status_code == 200, r.text
    sessions = r.json()["sessions"]
    assert len(sessions) == 3  # api.user() signed in once too
    current = [s for s in sessions if s["current"]]
    assert len(current) == 1 and "iPhone" in current[0]["user_agent"]
    assert {s["address"] for s in sessions} == {"127.0.0.1"}
    for s in sessions:
        assert s["created_at"] <= s["last_used_at"] < s["expires_at"]
    # Nobody else's sessions, and never a token or its hash.
    other = await api.user()
    r = await http.get(f"{PREFIX}/me/sessions", headers=other.auth)
    assert len(r.json()["sessions"]) == 1
    assert "token" not in r.text and phone["token"] not in r.text


async def test_ending_one_session_signs_it_out_and_leaves_the_others(api: Api, http: httpx.AsyncClient) -> None:
    me = await api.user()
    laptop = await sign_in(http, me.email, "laptop")
    sessions = (await api.ok("GET", "/me/sessions", me))["sessions"]
    laptop_id = next(s["id"] for s in sessions if s["user_agent"] == "laptop")
    await api.ok("DELETE", f"/me/sessions/{laptop_id}", me, status=204)
    assert_error(await http.get(f"{PREFIX}/me", headers=bearer(laptop["token"])), 401)
    assert (await http.get(f"{PREFIX}/me", headers=me.auth)).status_code == 200
    # Already ended, or someone else's: 404, and nothing changes.
    assert_error(await api.call("DELETE", f"/me/sessions/{laptop_id}", me), 404)
    other = await api.user()
    other_id = (await api.ok("GET", "/me/sessions", other))["sessions"][0]["id"]
    assert_error(await api.call("DELETE", f"/me/sessions/{other_id}", me), 404)
    assert (await http.get(f"{PREFIX}/me", headers=other.auth)).status_code == 200


async def test_sign_out_everywhere_else_keeps_only_this_session(api: Api, http: httpx.AsyncClient) -> None:
    me = await api.user()
    others = [await sign_in(http, me.email, f"device {i}") for i in range(3)]
    await api.ok("POST", "/me/sessions/revoke-others", me, status=204)
    for session in others:
        assert_error(await http.get(f"{PREFIX}/me", headers=bearer(session["token"])), 401)
    sessions = (await api.ok("GET", "/me/sessions", me))["sessions"]
    assert [s["current"] for s in sessions] == [True]


async def test_ending_a_session_closes_its_live_sockets(api: Api, served_app: InProcessServer, live_api: Api) -> None:
    me = await live_api.user()
    laptop = await sign_in(live_api.http, me.email, "laptop")
    async with live_client(served_app.ws_url, token=laptop["token"]) as ws:
        await live_api.ok("POST", "/me/sessions/revoke-others", me, status=204)
        assert await ws.closed_with(timeout=5) == 4001


async def test_a_session_unused_for_the_idle_lifetime_ends(api: Api, http: httpx.AsyncClient, ctx: Context) -> None:
    me = await api.user()
    idle = timedelta(seconds=ctx.settings.session_idle_seconds)
    async with ctx.db.write() as tx:
        await tx.session.execute(update(AuthToken).values(
            last_used_at=utcnow() - idle - timedelta(minutes=1)))
    assert_error(await http.get(f"{PREFIX}/me", headers=me.auth), 401, "invalid_token")


async def test_a_session_past_its_absolute_lifetime_ends_even_if_used(api: Api, http: httpx.AsyncClient, ctx: Context) -> None:
    me = await api.user()
    async with ctx.db.write() as tx:
        await tx.session.execute(update(AuthToken).values(
            expires_at=utcnow() - timedelta(seconds=1), last_used_at=utcnow()))
    assert_error(await http.get(f"{PREFIX}/me", headers=me.auth), 401, "invalid_token")


async def test_use_pushes_the_idle_end_back(api: Api, http: httpx.AsyncClient, ctx: Context) -> None:
    me = await api.user()
    long_ago = utcnow() - timedelta(days=3)
    async with ctx.db.write() as tx:
        await tx.session.execute(update(AuthToken).values(last_used_at=long_ago))
    assert (await http.get(f"{PREFIX}/me", headers=me.auth)).status_code == 200
    sessions = (await api.ok("GET", "/me/sessions", me))["sessions"]
    assert sessions[0]["last_used_at"] > long_ago.isoformat()


async def test_the_session_cookie_lives_as_long_as_the_session(http: httpx.AsyncClient, api: Api, ctx: Context) -> None:
    me = await api.user()
    r = await http.post(f"{PREFIX}/auth/login", json={"email": me.email, "password": PASSWORD})
    cookie = next(v for k, v in r.headers.multi_items()
                  if k == "set-cookie" and v.startswith("cps_session="))
    assert f"Max-Age={ctx.settings.session_max_seconds}" in cookie


async def test_sessions_need_a_signed_in_caller(http: httpx.AsyncClient) -> None:
    assert_error(await http.get(f"{PREFIX}/me/sessions"), 401)
    assert_error(await http.post(f"{PREFIX}/me/sessions/revoke-others"), 401)
    assert_error(await http.delete(f"{PREFIX}/me/sessions/1"), 401)
