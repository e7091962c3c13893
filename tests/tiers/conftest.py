"""Tier tests: a platform admin, and helpers to set tiers and read recorded events."""

from __future__ import annotations

from typing import Any

import pytest

from cps.services.context import Context
from tests.support import direct
from tests.support.api import Api, User


@pytest.fixture
async def platform_admin(api: Api, ctx: Context) -> User:
    """A platform admin, created as `cps create-admin` does, signed in over the API."""
    return await direct.platform_admin(ctx, api)


async def set_tier(api: Api, admin: User, org_id: int, tier: str,
                   reason: str = "offline payment") -> dict[str, Any]:
    body = await api.ok("POST", f"/admin/orgs/{org_id}/tier", admin,
                        {"tier": tier, "reason": reason})
    assert body["org"]["tier"] == tier
    return dict(body["org"])
