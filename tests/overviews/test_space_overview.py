"""GET /spaces/{id}/overview: a space's page in one request (issue 17): the space, its
organization and the reader's follow level, saying only what the reader may see
(SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from cps.services.context import Context
from tests.consensus.conftest import consensus_world
from tests.support.api import Api
from tests.support.direct import platform_admin

pytestmark = pytest.mark.anyio


async def test_the_page_in_one_answer(api: Api, ctx: Context) -> None:
    world = await consensus_world(api, await platform_admin(ctx, api), tier="plus")
    space_id = world["space"]["id"]
    path = f"/spaces/{space_id}/overview"

    body = await api.ok("GET", path)
    assert body["space"] == (await api.ok("GET", f"/spaces/{space_id}"))["space"]
    assert body["org"] == (await api.ok("GET", f"/orgs/{world['org']['id']}"))["org"]
    assert body["follow"] is None
    assert body["org"]["is_admin"] is False and body["space"]["can_moderate"] is False

    await api.ok("PUT", f"/spaces/{space_id}/follow", world["citizen"], {"level": "watching"})
    citizen = await api.ok("GET", path, world["citizen"])
    assert citizen["follow"] == {"level": "watching", "inherited": False}
    moderator = await api.ok("GET", path, world["mod"])
    assert moderator["space"]["can_moderate"] is True
    assert moderator["org"]["is_admin"] is False
    admin = await api.ok("GET", path, world["admin"])
    assert admin["org"]["is_admin"] is True and admin["space"]["can_administer"] is True


async def test_a_muted_reader_sees_it_before_writing(api: Api, ctx: Context) -> None:
    world = await consensus_world(api, await platform_admin(ctx, api), tier="plus")
    await api.ok("POST", f"/spaces/{world['space']['id']}/mutes", world["mod"],
                 {"user_id": world["citizen"].id, "reason": "Shouting", "duration_seconds": 86400})
    body = await api.ok("GET", f"/spaces/{world['space']['id']}/overview", world["citizen"])
    assert body["space"]["standing"]["kind"] == "mute"
    other = await api.ok("GET", f"/spaces/{world['space']['id']}/overview", world["other"])
    assert other["space"]["standing"] is None


async def test_a_private_space_is_not_found_by_an_outsider(api: Api, ctx: Context) -> None:
    world = await consensus_world(api, await platform_admin(ctx, api), tier="plus",
                                  visibility="private")
    path = f"/spaces/{world['space']['id']}/overview"
    stranger = await api.user("Stranger")
    for reader in (None, stranger):
        r = await api.call("GET", path, reader)
        assert r.status_code == 404, r.text
        assert r.json()["error"]["code"] == "not_found"
    for reader in (world["citizen"], world["mod"], world["admin"]):
        assert (await api.ok("GET", path, reader))["space"]["id"] == world["space"]["id"]


@pytest.mark.parametrize("space_id", ["999999", "0", "2147483648", "99999999999"])
async def test_a_forged_space_is_not_found(api: Api, space_id: str) -> None:
    r = await api.call("GET", f"/spaces/{space_id}/overview")
    assert r.status_code == 404, r.text
    assert r.json()["error"]["code"] == "not_found"


async def test_a_forged_token_is_refused(api: Api, ctx: Context) -> None:
    world = await consensus_world(api, await platform_admin(ctx, api), tier="plus")
    r = await api.call("GET", f"/spaces/{world['space']['id']}/overview",
                       headers={"Authorization": "Bearer " + "x" * 43})
    assert r.status_code == 401
