"""The platform admin's organization table updates live: a change of tier reaches
every platform admin's own channel (`user:{id}`), which nobody else may follow;
on SQLite with the in-process broker and on PostgreSQL with Redis."""

from __future__ import annotations

import pytest

from tests.live.conftest import (
    api,
    backend,
    http,
    pg_database,
    redis_server,
    server,
)
from tests.support.api import Api
from tests.support.clients import live_client
from tests.support.servers import AppServer

__all__ = ["api", "backend", "http", "pg_database", "redis_server", "server"]

pytestmark = pytest.mark.anyio


async def test_an_approval_reaches_every_platform_admin_live_and_no_one_else(
    api: Api, server: AppServer
) -> None:
    emails = [f"root-{n}-{id(api)}@example.org" for n in (1, 2)]
    for email in emails:
        server.create_admin(email)
    deciding, watching = [await api.login(email) for email in emails]
    mayor = await api.user("Mayor")
    org = await api.org(mayor)
    citizen = await api.user("Citizen")

    async with (live_client(server.ws_url, watching.token) as admin_page,
                live_client(server.ws_url, citizen.token) as citizen_page):
        await admin_page.subscribe(f"user:{watching.id}")
        await citizen_page.subscribe(f"user:{citizen.id}")
        # Someone else's channel, the platform admin's included, is refused.
        await citizen_page.send({"type": "subscribe", "channel": f"user:{watching.id}"})
        await citizen_page.expect("error", code="forbidden", channel=f"user:{watching.id}")

        req = (await api.ok("POST", f"/orgs/{org['id']}/upgrade-requests", mayor,
                            {"tier": "premium"}, status=201))["upgrade_request"]
        # The pending list follows too: the request made, then decided.
        [made] = await admin_page.events(f"user:{watching.id}", 1)
        assert made["name"] == "upgrade_request.changed"
        assert made["data"]["upgrade_request"]["id"] == req["id"]
        assert made["data"]["upgrade_request"]["status"] == "pending"
        await api.ok("POST", f"/admin/upgrade-requests/{req['id']}/approve", deciding)

        decided, event = await admin_page.events(f"user:{watching.id}", 2)
        assert decided["name"] == "upgrade_request.changed"
        assert decided["data"]["upgrade_request"]["status"] == "approved"
        assert event["name"] == "org.tier_changed"
        assert event["data"]["org_id"] == org["id"]
        assert event["data"]["org_name"] == org["name"]
        assert event["data"]["tier_change"]["to_tier"] == "premium"
        await citizen_page.quiet(0.5)
