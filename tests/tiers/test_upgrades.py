"""The upgrade flow: requests, decisions, direct changes, history, and who may do what."""

from __future__ import annotations

import asyncio

import pytest

from cps.services.context import Context
from cps.storage.models import OrgAdmin
from tests.support.api import Api, User
from tests.support.direct import events_on
from tests.tiers.conftest import set_tier

pytestmark = pytest.mark.anyio


async def test_an_approved_request_changes_the_tier_and_tells_every_org_admin(
    api: Api, ctx: Context, platform_admin: User
) -> None:
    admin = await api.user("Mayor")
    org = await api.org(admin)
    second = await api.user("Deputy")
    async with ctx.db.write() as tx:  # no endpoint adds org admins yet
        tx.session.add(OrgAdmin(org_id=org["id"], user_id=second.id))

    created = await api.ok("POST", f"/orgs/{org['id']}/upgrade-requests", admin,
                           {"tier": "premium", "note": "Budget approved by council"}, status=201)
    req = created["upgrade_request"]
    assert req["status"] == "pending" and req["tier"] == "premium"
    assert req["note"] == "Budget approved by council"
    assert req["requested_by"]["id"] == admin.id and req["decided_by"] is None
    assert req["org_name"] == org["name"]

    pending = await api.ok("GET", "/admin/upgrade-requests?status=pending", platform_admin)
    assert [r["id"] for r in pending["upgrade_requests"]] == [req["id"]]

    decided = await api.ok("POST", f"/admin/upgrade-requests/{req['id']}/approve",
                           platform_admin, {"reason": "Invoice 2026-17 paid"})
    out = decided["upgrade_request"]
    assert out["status"] == "approved" and out["reason"] == "Invoice 2026-17 paid"
    assert out["decided_by"]["id"] == platform_admin.id and out["decided_at"]

    shown = (await api.ok("GET", f"/orgs/{org['id']}", admin))["org"]
    assert shown["tier"] == "premium"
    assert shown["entitlements"]["capabilities"]["analytics"] is True
    assert shown["entitlements"]["quotas"]["public_spaces"]["limit"] is None

    for user in (admin, second):
        # Each also has its notification (tests/notifications), between the two.
        names = [e["name"] for e in await events_on(ctx, f"user:{user.id}")]
        assert names == ["upgrade_request.decided", "notification.created", "org.tier_changed"]
    changed = (await events_on(ctx, f"user:{admin.id}"))[2]["data"]
    assert changed["org_id"] == org["id"]
    assert changed["tier_change"]["from_tier"] == "free"
    assert changed["tier_change"]["to_tier"] == "premium"
    assert changed["tier_change"]["request_id"] == req["id"]
    # The platform admin is not an admin of this org: the request made and decided
    # (their pending list) and the change of tier (their organization table) reach
    # their channel; the org's admins hear no upgrade_request.changed.
    seen = await events_on(ctx, f"user:{platform_admin.id}")
    assert [e["name"] for e in seen] == [
        "upgrade_request.changed", "upgrade_request.changed", "org.tier_changed"]
    assert [e["data"]["upgrade_request"]["status"] for e in seen[:2]] == ["pending", "approved"]
    assert {e["data"]["upgrade_request"]["id"] for e in seen[:2]} == {req["id"]}

    assert (await api.ok("GET", "/admin/upgrade-requests?status=pending",
                         platform_admin))["upgrade_requests"] == []


async def test_approving_needs_no_body_as_the_contract_says(api: Api, platform_admin: User) -> None:
    admin = await api.user()
    org = await api.org(admin)
    req = (await api.ok("POST", f"/orgs/{org['id']}/upgrade-requests", admin,
                        {"tier": "plus"}, status=201))["upgrade_request"]
    r = await api.call("POST", f"/admin/upgrade-requests/{req['id']}/approve", platform_admin)
    assert r.status_code == 200, r.text
    assert r.json()["upgrade_request"]["reason"] == ""
    assert (await api.ok("GET", f"/orgs/{org['id']}"))["org"]["tier"] == "plus"


async def test_a_malformed_approval_body_is_refused_without_deciding(api: Api, platform_admin: User) -> None:
    admin = await api.user()
    org = await api.org(admin)
    req = (await api.ok("POST", f"/orgs/{org['id']}/upgrade-requests", admin,
                        {"tier": "plus"}, status=201))["upgrade_request"]
    path = f"/admin/upgrade-requests/{req['id']}/approve"
    r = await api.call("POST", path, platform_admin, content=b"{nope",
                       headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "malformed_json"
    r = await api.call("POST", path, platform_admin, json={"reason": 5})
    assert r.status_code == 422 and "reason" in r.json()["error"]["fields"]
    r = await api.call("POST", path, platform_admin, json=["reason"])
    assert r.status_code == 422
    assert (await api.ok("GET", f"/orgs/{org['id']}"))["org"]["tier"] == "free"


async def test_a_request_must_ask_for_a_higher_tier(api: Api, platform_admin: User) -> None:
    admin = await api.user()
    org = await api.org(admin)
    path = f"/orgs/{org['id']}/upgrade-requests"
    for tier in ("free", "gold", None):
        r = await api.call("POST", path, admin, {"tier": tier})
        assert r.status_code == 422, (tier, r.text)
        assert "tier" in r.json()["error"]["fields"]
    await set_tier(api, platform_admin, org["id"], "plus")
    r = await api.call("POST", path, admin, {"tier": "plus"})
    assert r.status_code == 422
    r = await api.call("POST", path, admin, {"tier": "premium", "note": "x" * 2001})
    assert r.status_code == 422 and "note" in r.json()["error"]["fields"]
    await api.ok("POST", path, admin, {"tier": "premium"}, status=201)


async def test_one_pending_request_per_organization(api: Api, ctx: Context, platform_admin: User) -> None:
    admin = await api.user()
    org = await api.org(admin)
    path = f"/orgs/{org['id']}/upgrade-requests"
    first = (await api.ok("POST", path, admin, {"tier": "plus"}, status=201))["upgrade_request"]
    r = await api.call("POST", path, admin, {"tier": "premium"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "request_pending"

    rejected = await api.ok("POST", f"/admin/upgrade-requests/{first['id']}/reject",
                            platform_admin, {"reason": "Payment not received"})
    assert rejected["upgrade_request"]["status"] == "rejected"
    assert rejected["upgrade_request"]["reason"] == "Payment not received"
    assert (await api.ok("GET", f"/orgs/{org['id']}"))["org"]["tier"] == "free"
    assert (await api.ok("GET", f"/orgs/{org['id']}/tier-history", admin))["tier_changes"] == []
    assert [e["name"] for e in await events_on(ctx, f"user:{admin.id}")] == [
        "upgrade_request.decided", "notification.created"
    ]

    again = await api.ok("POST", path, admin, {"tier": "premium"}, status=201)
    listed = (await api.ok("GET", path, admin))["upgrade_requests"]
    assert [(r["id"], r["status"]) for r in listed] == [
        (first["id"], "rejected"), (again["upgrade_request"]["id"], "pending")
    ]


async def test_simultaneous_requests_leave_exactly_one_pending(api: Api) -> None:
    admin = await api.user()
    org = await api.org(admin)
    path = f"/orgs/{org['id']}/upgrade-requests"
    results = await asyncio.gather(
        *[api.call("POST", path, admin, {"tier": "plus", "note": str(i)}) for i in range(10)]
    )
    assert sorted(r.status_code for r in results) == [201] + [409] * 9
    assert len((await api.ok("GET", path, admin))["upgrade_requests"]) == 1


async def test_deciding_twice_is_a_conflict(api: Api, platform_admin: User) -> None:
    admin = await api.user()
    org = await api.org(admin)
    req = (await api.ok("POST", f"/orgs/{org['id']}/upgrade-requests", admin,
                        {"tier": "plus"}, status=201))["upgrade_request"]
    base = f"/admin/upgrade-requests/{req['id']}"
    results = await asyncio.gather(
        api.call("POST", f"{base}/approve", platform_admin, {"reason": "a"}),
        api.call("POST", f"{base}/approve", platform_admin, {"reason": "b"}),
        api.call("POST", f"{base}/reject", platform_admin, {"reason": "c"}),
    )
    assert sorted(r.status_code for r in results) == [200, 409, 409]
    assert {r.json()["error"]["code"] for r in results if r.status_code == 409} == {
        "already_decided"
    }
    history = (await api.ok("GET", f"/orgs/{org['id']}/tier-history", admin))["tier_changes"]
    winner = next(r for r in results if r.status_code == 200).json()["upgrade_request"]
    assert len(history) == (1 if winner["status"] == "approved" else 0)


async def test_rejecting_needs_a_reason(api: Api, platform_admin: User) -> None:
    admin = await api.user()
    org = await api.org(admin)
    req = (await api.ok("POST", f"/orgs/{org['id']}/upgrade-requests", admin,
                        {"tier": "plus"}, status=201))["upgrade_request"]
    for body in ({}, {"reason": "   "}):
        r = await api.call("POST", f"/admin/upgrade-requests/{req['id']}/reject",
                           platform_admin, body)
        assert r.status_code == 422 and "reason" in r.json()["error"]["fields"]
    listed = await api.ok("GET", f"/orgs/{org['id']}/upgrade-requests", admin)
    assert listed["upgrade_requests"][0]["status"] == "pending"


async def test_a_request_overtaken_by_a_direct_change_cannot_be_approved(api: Api, platform_admin: User) -> None:
    admin = await api.user()
    org = await api.org(admin)
    req = (await api.ok("POST", f"/orgs/{org['id']}/upgrade-requests", admin,
                        {"tier": "plus"}, status=201))["upgrade_request"]
    await set_tier(api, platform_admin, org["id"], "premium")
    r = await api.call("POST", f"/admin/upgrade-requests/{req['id']}/approve", platform_admin)
    assert r.status_code == 409 and r.json()["error"]["code"] == "request_superseded"
    assert (await api.ok("GET", f"/orgs/{org['id']}"))["org"]["tier"] == "premium"
    await api.ok("POST", f"/admin/upgrade-requests/{req['id']}/reject", platform_admin,
                 {"reason": "Already on premium"})


async def test_a_platform_admin_sets_any_tier_directly_and_history_keeps_every_change(
    api: Api, ctx: Context, platform_admin: User
) -> None:
    admin = await api.user()
    org = await api.org(admin)
    up = await set_tier(api, platform_admin, org["id"], "premium", "Paid by bank transfer")
    assert up["entitlements"]["capabilities"]["custom_branding"] is True
    down = await set_tier(api, platform_admin, org["id"], "free", "Contract ended")
    assert down["entitlements"]["quotas"]["public_spaces"]["limit"] == 3
    r = await api.call("POST", f"/admin/orgs/{org['id']}/tier", platform_admin,
                       {"tier": "free", "reason": "again"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "tier_unchanged"
    for body in ({"tier": "gold", "reason": "x"}, {"tier": "plus"}, {"tier": "plus", "reason": ""}):
        r = await api.call("POST", f"/admin/orgs/{org['id']}/tier", platform_admin, body)
        assert r.status_code == 422, body

    for viewer in (admin, platform_admin):
        history = (await api.ok("GET", f"/orgs/{org['id']}/tier-history", viewer))["tier_changes"]
        assert [(h["from_tier"], h["to_tier"], h["reason"], h["request_id"]) for h in history] == [
            ("free", "premium", "Paid by bank transfer", None),
            ("premium", "free", "Contract ended", None),
        ]
        assert all(h["changed_by"]["id"] == platform_admin.id for h in history)
        assert history[0]["created_at"] <= history[1]["created_at"]
    assert [(e["name"], e["data"]["tier_change"]["to_tier"])
            for e in await events_on(ctx, f"user:{admin.id}")
            if not e["name"].startswith("notification.")] == [
        ("org.tier_changed", "premium"), ("org.tier_changed", "free")
    ]


async def test_only_admins_see_and_only_the_platform_decides(api: Api, platform_admin: User) -> None:
    admin = await api.user("Org admin")
    org = await api.org(admin)
    stranger = await api.user("Stranger")
    req = (await api.ok("POST", f"/orgs/{org['id']}/upgrade-requests", admin,
                        {"tier": "plus"}, status=201))["upgrade_request"]
    oid, rid = org["id"], req["id"]

    for method, path, body in [
        ("POST", f"/orgs/{oid}/upgrade-requests", {"tier": "premium"}),
        ("GET", f"/orgs/{oid}/upgrade-requests", None),
        ("GET", f"/orgs/{oid}/tier-history", None),
    ]:
        assert (await api.call(method, path, stranger, body)).status_code == 403, path
        assert (await api.call(method, path, None, body)).status_code == 401, path
        unknown = path.replace(f"/orgs/{oid}/", "/orgs/999999/")
        assert (await api.call(method, unknown, admin, body)).status_code == 404, unknown

    for method, path, body in [
        ("GET", "/admin/upgrade-requests", None),
        ("POST", f"/admin/upgrade-requests/{rid}/approve", {}),
        ("POST", f"/admin/upgrade-requests/{rid}/reject", {"reason": "no"}),
        ("POST", f"/admin/orgs/{oid}/tier", {"tier": "premium", "reason": "self-service"}),
    ]:
        for user in (admin, stranger):
            r = await api.call(method, path, user, body)
            assert r.status_code == 403, (path, r.text)
            assert r.json()["error"]["code"] == "forbidden"
        assert (await api.call(method, path, None, body)).status_code == 401, path

    for method, path, body in [
        ("POST", "/admin/upgrade-requests/999999/approve", {}),
        ("POST", "/admin/upgrade-requests/999999/reject", {"reason": "no"}),
        ("POST", "/admin/orgs/999999/tier", {"tier": "plus", "reason": "x"}),
        ("GET", "/orgs/999999/tier-history", None),
    ]:
        assert (await api.call(method, path, platform_admin, body)).status_code == 404, path

    r = await api.call("GET", "/admin/upgrade-requests?status=maybe", platform_admin)
    assert r.status_code == 422 and "status" in r.json()["error"]["fields"]
    seen = await api.ok("GET", f"/orgs/{oid}/upgrade-requests", platform_admin)
    assert [r["id"] for r in seen["upgrade_requests"]] == [rid]
    assert (await api.ok("GET", f"/orgs/{oid}"))["org"]["tier"] == "free"
