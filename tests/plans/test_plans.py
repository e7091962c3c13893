"""The plans side by side (GET /plans) and the prices the platform admin sets."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from cps.services.context import Context
from cps.services.tiers import plans
from cps.storage.models import PlanPrice
from tests.support.api import Api, User

pytestmark = pytest.mark.anyio


def _by_tier(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["tier"]: p for p in body["plans"]}


async def test_anyone_reads_every_capability_and_quota_of_the_table_priced_on_request(
    api: Api,
) -> None:
    body = await api.ok("GET", "/plans")
    assert [p["tier"] for p in body["plans"]] == ["free", "plus", "premium"]
    for plan in body["plans"]:
        assert plan["price"] is None  # on request until the platform says
        assert [c["name"] for c in plan["capabilities"]] == list(plans.CAPABILITIES)
        assert [q["name"] for q in plan["quotas"]] == list(plans.QUOTAS)
        for cap in plan["capabilities"]:
            built = cap["name"] not in plans.NOT_BUILT
            assert cap["built"] is built
            assert cap["included"] is (built and plans.allows(plan["tier"], cap["name"]))
            assert cap["label"][0].isupper()
        for quota in plan["quotas"]:
            assert quota["limit"] == plans.limit(plan["tier"], quota["name"])
    tiers = _by_tier(body)
    polls = {c["name"]: c for c in tiers["plus"]["capabilities"]}["polls"]
    assert polls == {"name": "polls", "label": "Polls in topics", "included": True, "built": True}
    spaces = {q["name"]: q for q in tiers["free"]["quotas"]}["public_spaces"]
    assert spaces == {"name": "public_spaces", "label": "Public spaces", "limit": 3}
    assert {q["name"]: q for q in tiers["premium"]["quotas"]}["public_spaces"]["limit"] is None


async def test_what_is_not_built_is_never_shown_as_included(api: Api) -> None:
    assert plans.NOT_BUILT  # the table promises premium integrations and branding
    for plan in (await api.ok("GET", "/plans"))["plans"]:
        for cap in plan["capabilities"]:
            if cap["name"] in plans.NOT_BUILT:
                assert cap == {**cap, "included": False, "built": False}


async def test_the_platform_admin_sets_prices_and_puts_one_back_on_request(
    api: Api, platform_admin: User, ctx: Context
) -> None:
    body = await api.ok("PUT", "/admin/plans/prices", platform_admin,
                        {"prices": {"free": "Free", "plus": "  EUR 1,200\u00a0a   year ",
                                    "premium": "EUR 4,800 a year"}})
    assert {t: p["price"] for t, p in _by_tier(body).items()} == {
        "free": "Free", "plus": "EUR 1,200 a year", "premium": "EUR 4,800 a year"}
    assert _by_tier(await api.ok("GET", "/plans")) == _by_tier(body)

    # Only the tiers named change; "" and null both mean "on request".
    body = await api.ok("PUT", "/admin/plans/prices", platform_admin,
                        {"prices": {"premium": None, "free": ""}})
    assert {t: p["price"] for t, p in _by_tier(body).items()} == {
        "free": None, "plus": "EUR 1,200 a year", "premium": None}
    async with ctx.db.read() as session:
        rows = (await session.execute(select(PlanPrice.tier, PlanPrice.updated_by))).all()
    assert rows == [("plus", platform_admin.id)]


async def test_only_a_platform_admin_sets_prices(api: Api, platform_admin: User) -> None:
    org_admin = await api.user("Org admin")
    await api.org(org_admin)
    body = {"prices": {"premium": "Free for everyone"}}
    await api.ok("PUT", "/admin/plans/prices", None, body, status=401)
    r = await api.call("PUT", "/admin/plans/prices", org_admin, body)
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    # A forged bearer token is nobody.
    r = await api.call("PUT", "/admin/plans/prices", json=body,
                       headers={"Authorization": "Bearer " + "x" * 43})
    assert r.status_code == 401
    assert all(p["price"] is None for p in (await api.ok("GET", "/plans"))["plans"])


async def test_a_price_from_another_origin_is_refused(api: Api, platform_admin: User) -> None:
    r = await api.call("PUT", "/admin/plans/prices", json={"prices": {"plus": "EUR 1"}},
                       headers={"Cookie": f"cps_session={platform_admin.token}",
                                "Origin": "https://evil.example"})
    assert r.status_code in (401, 403), r.text
    assert all(p["price"] is None for p in (await api.ok("GET", "/plans"))["plans"])


@pytest.mark.parametrize(
    ("prices", "field"),
    [
        ({"gold": "EUR 1"}, "prices"),
        ({"plus": "x" * 121}, "prices.plus"),
        ({"plus": "EUR\u0007 1"}, "prices.plus"),
        ({"plus": 1200}, "prices"),
        ({}, "prices"),
    ],
)
async def test_odd_prices_are_refused_with_the_field_and_nothing_is_written(
    api: Api, platform_admin: User, prices: dict[str, Any], field: str
) -> None:
    r = await api.call("PUT", "/admin/plans/prices", platform_admin,
                       {"prices": {"free": "Free", **prices}} if prices else {"prices": {}})
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid"
    assert any(key.startswith(field) for key in error["fields"]), error
    assert all(p["price"] is None for p in (await api.ok("GET", "/plans"))["plans"])


async def test_a_body_that_is_not_json_is_refused(api: Api, platform_admin: User) -> None:
    r = await api.call("PUT", "/admin/plans/prices", platform_admin,
                       content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "malformed_json"
