"""GET /topics/{id}/overview: a topic's page in one request (issue 17): the topic, its
space and organization, whether the reader is an official, their follow level and the
newest consensus round, saying only what the reader may see (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from cps.services.consensus import recompute
from cps.services.context import Context
from tests.consensus.conftest import consensus_world, open_round
from tests.support.api import Api
from tests.support.direct import platform_admin

pytestmark = pytest.mark.anyio


async def test_the_page_in_one_answer(api: Api, ctx: Context) -> None:
    world = await consensus_world(api, await platform_admin(ctx, api))
    topic_id = world["topic"]["id"]
    path = f"/topics/{topic_id}/overview"

    body = await api.ok("GET", path)
    assert body["topic"] == (await api.ok("GET", f"/topics/{topic_id}"))["topic"]
    assert body["topic"]["title"] == "Night buses"
    assert body["space"]["id"] == world["space"]["id"]
    assert body["org"]["id"] == world["org"]["id"]
    assert (body["official"], body["follow"]) == (False, None)
    assert body["consensus"] == {"round": None, "next": None}

    # The author follows what they opened; an official of the organization is told so.
    author = await api.ok("GET", path, world["author"])
    assert author["follow"] == await api.ok("GET", f"/topics/{topic_id}/follow", world["author"])
    assert author["official"] is False
    await api.ok("POST", f"/orgs/{world['org']['id']}/officials", world["admin"],
                 {"user_id": world["citizen"].id})
    assert (await api.ok("GET", path, world["citizen"]))["official"] is True

    # The newest round as GET /consensus/{id} says it, and the statement to vote on next.
    opened = await open_round(api, world["mod"], topic_id)
    seen = await api.ok("GET", path, world["other"])
    assert seen["consensus"]["round"] == (await api.ok(
        "GET", f"/consensus/{opened['id']}", world["other"]))["round"]
    assert seen["consensus"]["next"] == (await api.ok(
        "GET", f"/consensus/{opened['id']}/next", world["other"]))["statement"]
    assert seen["consensus"]["next"] is not None
    # Not signed in: the round, nothing to vote on.
    anyone = await api.ok("GET", path)
    assert anyone["consensus"]["round"]["id"] == opened["id"]
    assert anyone["consensus"]["next"] is None
    await recompute.settle(ctx)


async def test_a_banned_reader_sees_it_in_the_space(api: Api, ctx: Context) -> None:
    world = await consensus_world(api, await platform_admin(ctx, api))
    await api.ok("POST", f"/spaces/{world['space']['id']}/bans", world["mod"],
                 {"user_id": world["citizen"].id, "reason": "Insults"})
    body = await api.ok("GET", f"/topics/{world['topic']['id']}/overview", world["citizen"])
    assert body["space"]["standing"]["kind"] == "ban"


async def test_a_private_topic_is_not_found_by_an_outsider(api: Api, ctx: Context) -> None:
    world = await consensus_world(api, await platform_admin(ctx, api), visibility="private")
    path = f"/topics/{world['topic']['id']}/overview"
    stranger = await api.user("Stranger")
    for reader in (None, stranger):
        r = await api.call("GET", path, reader)
        assert r.status_code == 404, r.text
        assert r.json()["error"]["code"] == "not_found"
        assert "Night buses" not in r.text
    for reader in (world["citizen"], world["mod"], world["admin"]):
        assert (await api.ok("GET", path, reader))["topic"]["title"] == "Night buses"


@pytest.mark.parametrize("topic_id", ["999999", "0", "2147483648", "99999999999"])
async def test_a_forged_topic_is_not_found(api: Api, topic_id: str) -> None:
    r = await api.call("GET", f"/topics/{topic_id}/overview")
    assert r.status_code == 404, r.text
    assert r.json()["error"]["code"] == "not_found"


async def test_a_forged_token_is_refused(api: Api, ctx: Context) -> None:
    world = await consensus_world(api, await platform_admin(ctx, api))
    r = await api.call("GET", f"/topics/{world['topic']['id']}/overview",
                       headers={"Authorization": "Bearer " + "x" * 43})
    assert r.status_code == 401
