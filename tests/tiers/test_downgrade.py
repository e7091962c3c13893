"""A downgrade never deletes: what is over the new quotas stays usable, nothing new
over them can be made, and private spaces stay private."""

from __future__ import annotations

import pytest

from tests.tiers.conftest import set_tier

pytestmark = pytest.mark.anyio


async def test_premium_to_free_keeps_every_space_usable_but_creates_nothing_new(
    api, platform_admin
):
    admin = await api.user("Mayor")
    org = await api.org(admin)
    oid = org["id"]
    await set_tier(api, platform_admin, oid, "premium")
    public = [await api.space(admin, oid, name=f"Public {i}") for i in range(5)]
    private = await api.space(admin, oid, "private", name="Council members")
    member, stranger, citizen = await api.user("Member"), await api.user("Stranger"), \
        await api.user("Citizen")
    await api.ok("POST", f"/spaces/{private['id']}/members", admin, {"user_id": member.id},
                 status=201)
    last = public[-1]
    topic = await api.topic(admin, last["id"], "Night buses")
    secret = await api.topic(admin, private["id"], "Budget draft")
    mods = [await api.user(f"Moderator {i}") for i in range(4)]
    for m in mods:
        await api.ok("POST", f"/spaces/{last['id']}/moderators", admin, {"user_id": m.id},
                     status=201)

    down = await set_tier(api, platform_admin, oid, "free", "Subscription lapsed")
    assert down["entitlements"]["quotas"]["public_spaces"] == {"limit": 3, "usage": 5}
    assert down["entitlements"]["quotas"]["moderators_per_space"] == {"limit": 2, "usage": 4}
    assert down["entitlements"]["capabilities"]["private_spaces"] is False
    shown = (await api.ok("GET", f"/orgs/{oid}", admin))["org"]
    assert shown["tier"] == "free"
    assert shown["entitlements"] == down["entitlements"]

    # Over-quota public spaces stay readable and writable.
    listed = (await api.ok("GET", f"/orgs/{oid}/spaces"))["spaces"]
    assert {s["id"] for s in listed} == {s["id"] for s in public}
    assert (await api.ok("GET", f"/spaces/{last['id']}"))["space"]["visibility"] == "public"
    first = (await api.ok("GET", f"/topics/{topic['id']}/posts"))["posts"][0]
    reply = await api.post(citizen, topic["id"], "Still here after the downgrade",
                           parent_id=first["id"])
    await api.ok("PATCH", f"/posts/{reply['id']}", citizen, {"body": "Edited too"})
    posts = (await api.ok("GET", f"/topics/{topic['id']}/posts"))["posts"]
    assert [p["body"] for p in posts][-1] == "Edited too"
    # Moderators over the new quota keep their role and can still moderate.
    assert len((await api.ok("GET", f"/spaces/{last['id']}/moderators"))["members"]) == 4
    pinned = await api.ok("PATCH", f"/topics/{topic['id']}", mods[3], {"pinned": True})
    assert pinned["topic"]["pinned"] is True

    # Nothing new over the quotas or behind a lost capability.
    r = await api.call("POST", f"/orgs/{oid}/spaces", admin, {"name": "Sixth"})
    assert r.status_code == 402
    assert r.json()["error"] | {"message": ""} == {
        "code": "quota_exceeded", "message": "", "quota": "public_spaces",
        "limit": 3, "usage": 5, "required_tier": "plus",
    }
    r = await api.call("POST", f"/orgs/{oid}/spaces", admin,
                       {"name": "Another private", "visibility": "private"})
    assert r.status_code == 402
    assert r.json()["error"]["code"] == "tier_required"
    assert r.json()["error"]["required_tier"] == "plus"
    extra = await api.user("One too many")
    r = await api.call("POST", f"/spaces/{last['id']}/moderators", admin, {"user_id": extra.id})
    assert r.status_code == 402
    assert (r.json()["error"]["limit"], r.json()["error"]["usage"]) == (2, 4)

    # The private space stays private: its members keep it, others see nothing.
    got = await api.ok("GET", f"/spaces/{private['id']}", member)
    assert got["space"]["visibility"] == "private"
    await api.post(member, secret["id"], "Members can still discuss")
    for outsider in (stranger, None):
        assert (await api.call("GET", f"/spaces/{private['id']}", outsider)).status_code == 404
        assert (await api.call("GET", f"/topics/{secret['id']}", outsider)).status_code == 404
        seen = (await api.ok("GET", f"/orgs/{oid}/spaces", outsider))["spaces"]
        assert private["id"] not in {s["id"] for s in seen}
    seen = (await api.ok("GET", f"/orgs/{oid}/spaces", member))["spaces"]
    assert private["id"] in {s["id"] for s in seen}

    # Upgrading again lifts the refusals at once, still deleting nothing.
    await set_tier(api, platform_admin, oid, "plus")
    await api.space(admin, oid, name="Sixth")
    await api.space(admin, oid, "private", name="Another private")
    assert len((await api.ok("GET", f"/orgs/{oid}/spaces", admin))["spaces"]) == 8
