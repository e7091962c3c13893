"""The entitlement table, checked through the HTTP API: every tier, every capability
and quota that has an endpoint today, allowed or refused as the table says."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from cps.http.routes import all_endpoints
from cps.services.tiers import plans
from tests.support.api import Api, User, as_declared
from tests.tiers.conftest import set_tier

pytestmark = pytest.mark.anyio

# --- capabilities: one call that needs each -----------------------------------

Probe = Callable[[Api, User, int], Awaitable[httpx.Response]]


async def _open_private_space(api: Api, admin: User, org_id: int) -> httpx.Response:
    return await api.call("POST", f"/orgs/{org_id}/spaces", admin,
                          {"name": "Members only", "visibility": "private"})


async def _open_topic(api: Api, admin: User, org_id: int) -> httpx.Response:
    space = await api.space(admin, org_id)
    return await api.call("POST", f"/spaces/{space['id']}/topics", admin,
                          {"title": "Bike lanes", "body": "Where?"})


async def _turn_on_slow_mode(api: Api, admin: User, org_id: int) -> httpx.Response:
    space = await api.space(admin, org_id)
    return await api.call("PATCH", f"/spaces/{space['id']}", admin, {"slow_mode_seconds": 30})


async def _export_a_space(api: Api, admin: User, org_id: int) -> httpx.Response:
    space = await api.space(admin, org_id)
    return await api.call("GET", f"/spaces/{space['id']}/export?format=csv", admin)


async def _open_analytics(api: Api, admin: User, org_id: int) -> httpx.Response:
    return await api.call("GET", f"/orgs/{org_id}/analytics", admin)


async def _create_poll(api: Api, admin: User, org_id: int) -> httpx.Response:
    space = await api.space(admin, org_id)
    topic = await api.topic(admin, space["id"])
    return await api.call("POST", f"/topics/{topic['id']}/polls", admin,
                          {"question": "Which route first?", "options": ["Line 1", "Line 2"]})


async def _open_consensus_round(api: Api, admin: User, org_id: int) -> httpx.Response:
    space = await api.space(admin, org_id)
    topic = await api.topic(admin, space["id"])
    return await api.call("POST", f"/topics/{topic['id']}/consensus", admin,
                          {"prompt": "How should the city move at night?",
                           "statements": ["Buses", "Bikes"]})


CAPABILITY_PROBES: dict[str, Probe] = {
    "discussions": _open_topic,
    "private_spaces": _open_private_space,
    "moderation_tools": _turn_on_slow_mode,
    "export": _export_a_space,
    "analytics": _open_analytics,
    "polls": _create_poll,
    "consensus_map": _open_consensus_round,
}
# Capabilities of the table with no endpoint yet: when one gets an endpoint, it
# must get a probe here and leave plans.NOT_BUILT (the plans page then shows it).
NOT_BUILT_YET = set(plans.NOT_BUILT)


# --- quotas: how to use one more of each --------------------------------------


@dataclass
class QuotaProbe:
    prepare: Callable[[Api, User, int], Awaitable[dict[str, Any]]]
    take_one: Callable[[Api, User, dict[str, Any], int], Awaitable[httpx.Response]]


async def _nothing(api: Api, admin: User, org_id: int) -> dict[str, Any]:
    return {"org_id": org_id}


async def _public_space(api: Api, admin: User, state: dict[str, Any], i: int) -> httpx.Response:
    return await api.call("POST", f"/orgs/{state['org_id']}/spaces", admin,
                          {"name": f"Public {i}", "visibility": "public"})


async def _one_space(api: Api, admin: User, org_id: int) -> dict[str, Any]:
    return {"space_id": (await api.space(admin, org_id))["id"]}


async def _moderator(api: Api, admin: User, state: dict[str, Any], i: int) -> httpx.Response:
    volunteer = await api.user(f"Volunteer {i}")
    return await api.call("POST", f"/spaces/{state['space_id']}/moderators", admin,
                          {"user_id": volunteer.id})


QUOTA_PROBES: dict[str, QuotaProbe] = {
    "public_spaces": QuotaProbe(_nothing, _public_space),
    "moderators_per_space": QuotaProbe(_one_space, _moderator),
}


def test_every_capability_and_quota_with_an_endpoint_is_in_the_matrix() -> None:
    assert set(CAPABILITY_PROBES) | NOT_BUILT_YET == set(plans.CAPABILITIES)
    assert not set(CAPABILITY_PROBES) & NOT_BUILT_YET
    named = {ep.entitlement for ep in all_endpoints()} - {"none"}
    assert named <= set(CAPABILITY_PROBES), named - set(CAPABILITY_PROBES)
    assert set(QUOTA_PROBES) == set(plans.QUOTAS)


# --- the matrix -----------------------------------------------------------------


async def _org_on(api: Api, platform_admin: User, tier: str) -> tuple[User, int]:
    admin = await api.user("Org admin")
    org = await api.org(admin)
    if org["tier"] != tier:
        await set_tier(api, platform_admin, org["id"], tier)
    return admin, org["id"]


CAPABILITY_CASES = [
    pytest.param(tier, cap,
                 id=f"{tier}-{cap}-{'allowed' if plans.allows(tier, cap) else 'refused'}")
    for tier in plans.TIERS for cap in CAPABILITY_PROBES
]


@pytest.mark.parametrize(("tier", "capability"), CAPABILITY_CASES)
async def test_capability(api: Api, platform_admin: User, tier: str, capability: str) -> None:
    admin, org_id = await _org_on(api, platform_admin, tier)
    shown = (await api.ok("GET", f"/orgs/{org_id}"))["org"]["entitlements"]
    assert shown["capabilities"][capability] is plans.allows(tier, capability)
    r = await CAPABILITY_PROBES[capability](api, admin, org_id)
    if plans.allows(tier, capability):
        assert as_declared(r), (r.status_code, r.text)
    else:
        assert r.status_code == 402, r.text
        error = r.json()["error"]
        assert error["code"] == "tier_required"
        assert error["required_tier"] == plans.lowest_tier_with(capability)
        assert error["message"]


def _finite_limits(quota: str) -> list[int]:
    return [n for n in plans.QUOTAS[quota].values() if n is not None]


QUOTA_CASES = [
    pytest.param(tier, quota,
                 id=f"{tier}-{quota}-{plans.limit(tier, quota) or 'unlimited'}")
    for tier in plans.TIERS for quota in QUOTA_PROBES
]


@pytest.mark.parametrize(("tier", "quota"), QUOTA_CASES)
async def test_quota(api: Api, platform_admin: User, tier: str, quota: str) -> None:
    """Up to the limit is allowed, one more is refused (unlimited: past every finite limit)."""
    admin, org_id = await _org_on(api, platform_admin, tier)
    probe = QUOTA_PROBES[quota]
    state = await probe.prepare(api, admin, org_id)
    cap = plans.limit(tier, quota)
    allowed = cap if cap is not None else max(_finite_limits(quota)) + 1
    for i in range(allowed):
        r = await probe.take_one(api, admin, state, i)
        assert r.status_code == 201, (i, r.text)
    shown = (await api.ok("GET", f"/orgs/{org_id}"))["org"]["entitlements"]["quotas"][quota]
    assert shown == {"limit": cap, "usage": allowed}
    if cap is None:
        return
    r = await probe.take_one(api, admin, state, allowed)
    assert r.status_code == 402, r.text
    error = r.json()["error"]
    assert error["code"] == "quota_exceeded" and error["quota"] == quota
    assert (error["limit"], error["usage"]) == (cap, cap)
    higher = [t for t in plans.TIERS[plans.TIERS.index(tier) + 1:]
              if (plans.limit(t, quota) or 10**9) > cap]
    assert error["required_tier"] == (higher[0] if higher else None)
