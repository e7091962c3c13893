"""GET /orgs/{id}/overview: an organization's page in one request (issue 17), saying
only what the reader may see now; its admin-only parts to its admins alone (SQLite and
PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest

from cps.services.context import Context
from tests.support.api import Api, User
from tests.support.direct import platform_admin

pytestmark = pytest.mark.anyio


async def _city(api: Api, ctx: Context, name: str) -> dict[str, Any]:
    """A plus organization with a public and a private space, a topic in each, a
    question waiting in the public one and an official."""
    admin = await api.user(f"Mayor of {name}")
    org = await api.org(admin, name)
    await api.ok("POST", f"/admin/orgs/{org['id']}/tier", await platform_admin(ctx, api),
                 {"tier": "plus", "reason": "Paid"})
    public = await api.space(admin, org["id"], name="Streets", description="Roads and walks")
    private = await api.space(admin, org["id"], "private", name="Council only")
    talk = await api.topic(admin, public["id"], "Night buses")
    secret = await api.topic(admin, private["id"], "Budget draft")
    asker = await api.user("Asker")
    r = await api.call("POST", f"/spaces/{public['id']}/topics", asker,
                       {"title": "When is the bridge fixed?", "body": "It has been a year.",
                        "kind": "question"})
    assert r.status_code == 201, r.text
    official = await api.user("Clerk Lee")
    await api.ok("POST", f"/orgs/{org['id']}/officials", admin, {"user_id": official.id})
    return {"admin": admin, "org": org, "public": public, "private": private, "talk": talk,
            "secret": secret, "question": r.json()["topic"], "official": official}


def _ids(topics: list[dict[str, Any]]) -> set[int]:
    return {t["id"] for t in topics}


async def test_the_page_in_one_answer_for_a_passer_by(api: Api, ctx: Context) -> None:
    city = await _city(api, ctx, "Gwangju")
    body = await api.ok("GET", f"/orgs/{city['org']['id']}/overview")
    assert body["org"]["name"] == "Gwangju"
    assert body["org"]["is_admin"] is False
    assert [(s["name"], s["description"]) for s in body["spaces"]] == [
        ("Streets", "Roads and walks")]
    assert _ids(body["latest"]) == {city["talk"]["id"], city["question"]["id"]}
    assert [(q["id"], q["question_status"]) for q in body["open_questions"]] == [
        (city["question"]["id"], "open")]
    assert [o["user"]["display_name"] for o in body["officials"]] == ["Clerk Lee"]
    # The administration is the admins' alone.
    assert body["upgrade_requests"] is None
    assert body["tier_changes"] is None


async def test_an_answered_question_waits_no_more(api: Api, ctx: Context) -> None:
    city = await _city(api, ctx, "Ulsan")
    await api.ok("POST", f"/topics/{city['question']['id']}/status",
                 await platform_admin(ctx, api),
                 {"status": "declined", "reason": "Not ours: the province's bridge."})
    body = await api.ok("GET", f"/orgs/{city['org']['id']}/overview")
    assert body["open_questions"] == []


async def test_a_private_space_reaches_only_those_who_may_read_it(
    api: Api, ctx: Context
) -> None:
    city = await _city(api, ctx, "Jeonju")
    admin: User = city["admin"]
    member, stranger = await api.user("Member"), await api.user("Stranger")
    await api.ok("POST", f"/spaces/{city['private']['id']}/members", admin,
                 {"user_id": member.id})
    path = f"/orgs/{city['org']['id']}/overview"

    def seen(body: dict[str, Any]) -> tuple[list[str], bool]:
        return [s["name"] for s in body["spaces"]], city["secret"]["id"] in _ids(body["latest"])

    for reader in (None, stranger, city["official"]):
        assert seen(await api.ok("GET", path, reader)) == (["Streets"], False)
    for reader in (admin, member):
        assert seen(await api.ok("GET", path, reader)) == (["Streets", "Council only"], True)
    # Removed from the space, the member sees it no more.
    await api.ok("DELETE", f"/spaces/{city['private']['id']}/members/{member.id}", admin)
    assert seen(await api.ok("GET", path, member)) == (["Streets"], False)


async def test_the_administration_only_for_the_admins(api: Api, ctx: Context) -> None:
    city = await _city(api, ctx, "Suwon")
    admin: User = city["admin"]
    await api.ok("POST", f"/orgs/{city['org']['id']}/upgrade-requests", admin,
                 {"tier": "premium", "note": "For the consensus map"})
    path = f"/orgs/{city['org']['id']}/overview"
    body = await api.ok("GET", path, admin)
    assert body["org"]["is_admin"] is True
    assert [(r["tier"], r["status"]) for r in body["upgrade_requests"]] == [
        ("premium", "pending")]
    assert [(c["from_tier"], c["to_tier"]) for c in body["tier_changes"]] == [("free", "plus")]
    assert body["org"]["entitlements"]["capabilities"]["private_spaces"] is True
    # The platform admin sees it too; an official, a moderator or an admin of another
    # organization does not.
    root = await platform_admin(ctx, api)
    assert (await api.ok("GET", path, root))["upgrade_requests"] is not None
    moderator = await api.user("Dana Cho")
    await api.ok("POST", f"/spaces/{city['public']['id']}/moderators", admin,
                 {"user_id": moderator.id})
    other = await api.user("Other mayor")
    await api.org(other, "Changwon")
    for reader in (city["official"], moderator, other):
        body = await api.ok("GET", path, reader)
        assert (body["upgrade_requests"], body["tier_changes"]) == (None, None)
        assert body["org"]["is_admin"] is False


@pytest.mark.parametrize("org_id", ["999999", "0", "2147483648", "99999999999"])
async def test_a_forged_organization_is_not_found(api: Api, org_id: str) -> None:
    r = await api.call("GET", f"/orgs/{org_id}/overview")
    assert r.status_code == 404, r.text
    assert r.json()["error"]["code"] == "not_found"


async def test_a_forged_token_is_refused(api: Api, ctx: Context) -> None:
    city = await _city(api, ctx, "Pohang")
    r = await api.call("GET", f"/orgs/{city['org']['id']}/overview",
                       headers={"Authorization": "Bearer " + "x" * 43})
    assert r.status_code == 401
