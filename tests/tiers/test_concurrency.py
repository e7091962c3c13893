"""Quotas hold under concurrency, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest

from tests.support.api import Api

pytestmark = pytest.mark.anyio


async def test_twenty_simultaneous_space_creations_on_a_free_org_create_exactly_three(api: Api) -> None:
    admin = await api.user()
    org = await api.org(admin)
    results = await asyncio.gather(*[
        api.call("POST", f"/orgs/{org['id']}/spaces", admin,
                 {"name": f"Space {i}", "visibility": "public"})
        for i in range(20)
    ])
    assert sorted(r.status_code for r in results) == [201] * 3 + [402] * 17
    for r in results:
        if r.status_code == 402:
            error = r.json()["error"]
            assert error["code"] == "quota_exceeded"
            assert (error["limit"], error["usage"]) == (3, 3)
            assert error["required_tier"] == "plus"
    spaces = (await api.ok("GET", f"/orgs/{org['id']}/spaces"))["spaces"]
    assert len(spaces) == 3
    quota = (await api.ok("GET", f"/orgs/{org['id']}"))["org"]["entitlements"]["quotas"]
    assert quota["public_spaces"] == {"limit": 3, "usage": 3}


async def test_twenty_simultaneous_moderator_additions_on_a_free_org_add_exactly_two(api: Api) -> None:
    admin = await api.user()
    org = await api.org(admin)
    space = await api.space(admin, org["id"])
    people = [await api.user(f"Volunteer {i}") for i in range(20)]
    results = await asyncio.gather(*[
        api.call("POST", f"/spaces/{space['id']}/moderators", admin, {"user_id": p.id})
        for p in people
    ])
    assert sorted(r.status_code for r in results) == [201] * 2 + [402] * 18
    refused = [r.json()["error"] for r in results if r.status_code == 402]
    assert all(e["code"] == "quota_exceeded" and (e["limit"], e["usage"]) == (2, 2)
               for e in refused)
    moderators = (await api.ok("GET", f"/spaces/{space['id']}/moderators"))["members"]
    assert len(moderators) == 2
