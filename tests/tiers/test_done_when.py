"""Issue 4's "done when", all over the public API."""

from __future__ import annotations

import pytest

from cps.services.context import Context
from tests.support.api import Api, User
from tests.support.direct import events_on

pytestmark = pytest.mark.anyio


async def test_a_free_org_hits_its_quota_requests_plus_and_the_same_call_then_succeeds(
    api: Api, ctx: Context, platform_admin: User
) -> None:
    admin = await api.user("New city clerk")
    org = await api.org(admin, "Town of Gangneung")
    oid = org["id"]
    assert org["tier"] == "free"
    for name in ("Parks", "Roads", "Schools"):
        await api.space(admin, oid, name=name)

    fourth = {"name": "Libraries", "description": "Opening hours", "visibility": "public"}
    r = await api.call("POST", f"/orgs/{oid}/spaces", admin, fourth)
    assert r.status_code == 402
    error = r.json()["error"]
    assert error["code"] == "quota_exceeded"
    assert (error["limit"], error["usage"], error["required_tier"]) == (3, 3, "plus")

    asked = await api.ok("POST", f"/orgs/{oid}/upgrade-requests", admin,
                         {"tier": error["required_tier"], "note": "We need a fourth space"},
                         status=201)
    request_id = asked["upgrade_request"]["id"]

    queue = (await api.ok("GET", "/admin/upgrade-requests?status=pending",
                          platform_admin))["upgrade_requests"]
    assert [(q["id"], q["org_id"], q["tier"]) for q in queue] == [(request_id, oid, "plus")]
    await api.ok("POST", f"/admin/upgrade-requests/{request_id}/approve", platform_admin,
                 {"reason": "Welcome to plus"})

    r = await api.call("POST", f"/orgs/{oid}/spaces", admin, fourth)
    assert r.status_code == 201, r.text
    assert r.json()["space"]["name"] == "Libraries"
    quotas = (await api.ok("GET", f"/orgs/{oid}", admin))["org"]["entitlements"]["quotas"]
    assert quotas["public_spaces"] == {"limit": 20, "usage": 4}

    history = (await api.ok("GET", f"/orgs/{oid}/tier-history", admin))["tier_changes"]
    assert [(h["from_tier"], h["to_tier"], h["request_id"], h["reason"],
             h["changed_by"]["id"]) for h in history] == [
        ("free", "plus", request_id, "Welcome to plus", platform_admin.id)
    ]
    requests = (await api.ok("GET", f"/orgs/{oid}/upgrade-requests", admin))["upgrade_requests"]
    assert [(q["status"], q["note"], q["requested_by"]["id"], q["decided_by"]["id"])
            for q in requests] == [("approved", "We need a fourth space", admin.id,
                                    platform_admin.id)]
    # The outcome reached the admin's own channel, in order.
    seen = [e for e in await events_on(ctx, f"user:{admin.id}")
            if not e["name"].startswith("notification.")]  # tests/notifications
    assert [e["name"] for e in seen] == ["upgrade_request.decided", "org.tier_changed"]
    assert seen[0]["data"]["upgrade_request"]["status"] == "approved"
    assert seen[1]["data"]["tier_change"]["request_id"] == request_id
