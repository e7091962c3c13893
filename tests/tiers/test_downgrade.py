"""A downgrade never deletes: what is over the new quotas stays usable, nothing new
over them can be made, and private spaces stay private."""

from __future__ import annotations

import pytest

from tests.support.api import Api, User
from tests.tiers.conftest import set_tier

pytestmark = pytest.mark.anyio


async def test_premium_to_free_keeps_every_space_usable_but_creates_nothing_new(
    api: Api, platform_admin: User
) -> None:
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
    mods = [await api.user(f"Volunteer moderator {i}") for i in range(4)]
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


async def test_plus_to_free_turns_the_export_off_and_keeps_the_discussion(api: Api, platform_admin: User) -> None:
    admin = await api.user("Mayor")
    oid = (await api.org(admin))["id"]
    await set_tier(api, platform_admin, oid, "plus")
    space = await api.space(admin, oid)
    topic = await api.topic(admin, space["id"], "Night buses", "Line 7 at 2am")
    path = f"/spaces/{space['id']}/export"
    assert (await api.call("GET", f"{path}?format=csv", admin)).status_code == 200

    down = await set_tier(api, platform_admin, oid, "free", "Subscription lapsed")
    assert down["entitlements"]["capabilities"]["export"] is False
    for fmt in ("json", "csv"):
        r = await api.call("GET", f"{path}?format={fmt}", admin)
        assert r.status_code == 402, r.text
        assert r.json()["error"]["code"] == "tier_required"
        assert r.json()["error"]["required_tier"] == "plus"
    # Nothing was deleted: the discussion it would have exported is all there.
    posts = (await api.ok("GET", f"/topics/{topic['id']}/posts"))["posts"]
    assert [p["body"] for p in posts] == ["Line 7 at 2am"]

    await set_tier(api, platform_admin, oid, "plus")
    doc = await api.ok("GET", path, admin)
    assert [t["title"] for t in doc["topics"]] == ["Night buses"]


async def test_premium_to_plus_turns_analytics_off_but_keeps_the_export(api: Api, platform_admin: User) -> None:
    admin = await api.user("Mayor")
    oid = (await api.org(admin))["id"]
    await set_tier(api, platform_admin, oid, "premium")
    space = await api.space(admin, oid)
    await api.topic(admin, space["id"])
    paths = [f"/orgs/{oid}/analytics", f"/spaces/{space['id']}/analytics?days=7"]
    for path in paths:
        body = await api.ok("GET", path, admin)
        assert body["totals"]["topics"] == 1

    down = await set_tier(api, platform_admin, oid, "plus", "Budget cut")
    assert down["entitlements"]["capabilities"]["analytics"] is False
    for path in paths:
        r = await api.call("GET", path, admin)
        assert r.status_code == 402, r.text
        assert r.json()["error"]["code"] == "tier_required"
        assert r.json()["error"]["required_tier"] == "premium"
    assert (await api.call("GET", f"/spaces/{space['id']}/export", admin)).status_code == 200


async def test_plus_to_free_keeps_polls_and_their_results_but_takes_no_votes(
    api: Api, platform_admin: User
) -> None:
    admin = await api.user("Mayor")
    org = await api.org(admin)
    await set_tier(api, platform_admin, org["id"], "plus")
    space = await api.space(admin, org["id"])
    topic = await api.topic(admin, space["id"], "Night buses")
    voter, latecomer = await api.user("Voter"), await api.user("Latecomer")
    polls = [(await api.ok("POST", f"/topics/{topic['id']}/polls", admin,
                           {"question": f"Route {i}?", "options": ["Yes", "No"]},
                           status=201))["poll"] for i in range(2)]
    yes = polls[0]["options"][0]["id"]
    await api.ok("PUT", f"/polls/{polls[0]['id']}/vote", voter, {"option_id": yes})

    down = await set_tier(api, platform_admin, org["id"], "free", "Subscription lapsed")
    assert down["entitlements"]["capabilities"]["polls"] is False

    # Every poll is still listed with its results, read-only, for everyone who reads.
    for reader in (voter, latecomer, None):
        listed = (await api.ok("GET", f"/topics/{topic['id']}/polls", reader))["polls"]
        assert [p["id"] for p in listed] == [p["id"] for p in polls]
        assert [o["votes"] for o in listed[0]["options"]] == [1, 0]
        assert all(p["accepting_votes"] is False and p["read_only_reason"] == "tier"
                   for p in listed)
    assert (await api.ok("GET", f"/polls/{polls[0]['id']}", voter))["poll"]["my_vote"] == yes

    # Voting, changing, withdrawing and opening polls answer 402; nothing changes.
    no = polls[0]["options"][1]["id"]
    for user, method, path, body in (
        (latecomer, "PUT", f"/polls/{polls[0]['id']}/vote", {"option_id": yes}),
        (voter, "PUT", f"/polls/{polls[0]['id']}/vote", {"option_id": no}),
        (voter, "DELETE", f"/polls/{polls[0]['id']}/vote", None),
        (admin, "POST", f"/topics/{topic['id']}/polls",
         {"question": "New?", "options": ["Yes", "No"]}),
    ):
        r = await api.call(method, path, user, body)
        assert r.status_code == 402, (method, path, r.text)
        assert r.json()["error"]["code"] == "tier_required"
        assert r.json()["error"]["required_tier"] == "plus"
    shown = (await api.ok("GET", f"/polls/{polls[0]['id']}", voter))["poll"]
    assert [o["votes"] for o in shown["options"]] == [1, 0] and shown["my_vote"] == yes
    assert len((await api.ok("GET", f"/topics/{topic['id']}/polls"))["polls"]) == 2

    # Moderators can still end a poll; it then reads as closed.
    closed = (await api.ok("POST", f"/polls/{polls[1]['id']}/close", admin))["poll"]
    assert closed["closed"] is True and closed["read_only_reason"] == "closed"

    # Upgrading again reopens voting on the polls still open, with their votes kept.
    await set_tier(api, platform_admin, org["id"], "plus")
    again = (await api.ok("PUT", f"/polls/{polls[0]['id']}/vote", latecomer,
                          {"option_id": yes}))["poll"]
    assert [o["votes"] for o in again["options"]] == [2, 0]
    assert again["accepting_votes"] is True and again["read_only_reason"] is None
