"""Officials over the HTTP API: who may name and remove them, what anyone may read,
and the mark their posts carry (`author.official`) where, and only where, they
speak for the organization, computed when read (docs/accountability.md)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from cps.services.context import Context
from tests.support.api import Api, User
from tests.support.direct import platform_admin

pytestmark = pytest.mark.anyio


async def _name(api: Api, org_id: int, admin: User, user: User) -> dict[str, Any]:
    return dict((await api.ok("POST", f"/orgs/{org_id}/officials", admin,
                              {"user_id": user.id}))["official"])


async def _officials(api: Api, org_id: int) -> list[int]:
    return [o["user"]["id"] for o in (await api.ok("GET", f"/orgs/{org_id}/officials"))
            ["officials"]]


async def test_an_org_admin_names_lists_and_removes_officials(api: Api) -> None:
    w = await api.world()
    org = w["org"]["id"]
    clerk = await api.user("Min-ji Clerk", "government")
    official = await _name(api, org, w["admin"], clerk)
    assert official["user"] == {"id": clerk.id, "display_name": "Min-ji Clerk",
                                "stakeholder_type": "government"}
    assert official["created_at"]
    # Public, to anyone signed in or not; never an email.
    listed = (await api.ok("GET", f"/orgs/{org}/officials"))["officials"]
    assert listed == [official] and "email" not in listed[0]["user"]
    # Naming them again is a conflict, not a second row.
    again = await api.call("POST", f"/orgs/{org}/officials", w["admin"], {"user_id": clerk.id})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_official"
    second = await api.user("Second Clerk")
    await _name(api, org, w["admin"], second)
    assert await _officials(api, org) == [clerk.id, second.id]

    await api.ok("DELETE", f"/orgs/{org}/officials/{clerk.id}", w["admin"])
    assert await _officials(api, org) == [second.id]
    gone = await api.call("DELETE", f"/orgs/{org}/officials/{clerk.id}", w["admin"])
    assert gone.status_code == 404


async def test_a_platform_admin_may_name_officials_of_any_organization(api: Api, ctx: Context) -> None:
    w = await api.world()
    platform = await platform_admin(ctx, api)
    await _name(api, w["org"]["id"], platform, w["citizen"])
    await api.ok("DELETE", f"/orgs/{w['org']['id']}/officials/{w['citizen'].id}", platform)
    assert await _officials(api, w["org"]["id"]) == []


async def test_only_the_organizations_admins_name_or_remove_officials(api: Api) -> None:
    w = await api.world()
    org = w["org"]["id"]
    other_admin = await api.user("Busan Admin")
    await api.org(other_admin, "City of Busan")
    mod = await api.user("Space moderator")
    await api.ok("POST", f"/spaces/{w['space']['id']}/moderators", w["admin"],
                 {"user_id": mod.id})
    # A participant, a moderator of one of its spaces, another city's admin: 403.
    for who in (w["citizen"], mod, other_admin):
        r = await api.call("POST", f"/orgs/{org}/officials", who, {"user_id": who.id})
        assert r.status_code == 403, (who.display_name, r.text)
    # Signed out: 401.
    assert (await api.call("POST", f"/orgs/{org}/officials", None,
                           {"user_id": w["citizen"].id})).status_code == 401
    assert await _officials(api, org) == []

    await _name(api, org, w["admin"], mod)
    for who in (w["citizen"], mod, other_admin):
        r = await api.call("DELETE", f"/orgs/{org}/officials/{mod.id}", who)
        assert r.status_code == 403, (who.display_name, r.text)
    assert (await api.call("DELETE", f"/orgs/{org}/officials/{mod.id}")).status_code == 401
    assert await _officials(api, org) == [mod.id]


async def test_forged_ids_are_refused_without_a_trace(api: Api) -> None:
    w = await api.world()
    org = w["org"]["id"]
    admin = w["admin"]
    missing_org = org + 1000
    for path in (f"/orgs/{missing_org}/officials", f"/orgs/{2**31}/officials"):
        assert (await api.call("GET", path)).status_code == 404
        r = await api.call("POST", path, admin, {"user_id": w["citizen"].id})
        assert r.status_code == 404, r.text
    # An unknown person: 404; an id no database holds, or not an id at all: 422.
    r = await api.call("POST", f"/orgs/{org}/officials", admin, {"user_id": 999_999})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    for forged in (2**31, 0, -1, "1", None, 1.5):
        r = await api.call("POST", f"/orgs/{org}/officials", admin, {"user_id": forged})
        assert r.status_code == 422, (forged, r.text)
    assert (await api.call("POST", f"/orgs/{org}/officials", admin, {})).status_code == 422
    for user_id in (999_999, 2**31):
        r = await api.call("DELETE", f"/orgs/{org}/officials/{user_id}", admin)
        assert r.status_code == 404, r.text
    # Another organization's admin removing from their own org someone who is an
    # official only here: not one of theirs (404), and still ours.
    await _name(api, org, admin, w["citizen"])
    busan_admin = await api.user("Busan Admin")
    busan = await api.org(busan_admin, "City of Busan")
    r = await api.call("DELETE", f"/orgs/{busan['id']}/officials/{w['citizen'].id}", busan_admin)
    assert r.status_code == 404
    assert await _officials(api, org) == [w["citizen"].id]


async def test_naming_the_same_person_at_once_makes_one_official(api: Api, ctx: Context) -> None:
    w = await api.world()
    org = w["org"]["id"]
    platform = await platform_admin(ctx, api)
    clerk = await api.user("Clerk")
    answers = await asyncio.gather(*(
        api.call("POST", f"/orgs/{org}/officials", who, {"user_id": clerk.id})
        for who in (w["admin"], platform, w["admin"])
    ))
    assert sorted(r.status_code for r in answers) == [201, 409, 409]
    assert await _officials(api, org) == [clerk.id]
