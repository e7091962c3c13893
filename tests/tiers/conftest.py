"""Tier tests: a platform admin, and helpers to set tiers and read recorded events."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from cps.services.accounts import identity
from cps.services.context import Context
from tests.support.api import PREFIX, Api, User

PASSWORD = "correct horse battery"
_admins = itertools.count(1)




@pytest.fixture
async def platform_admin(api: Api, ctx: Context) -> User:
    """A platform admin, created as `cps create-admin` does, signed in over the API."""
    email = f"secretariat{next(_admins)}-{id(api)}@example.org"
    await identity.create_admin(ctx, email=email, password=PASSWORD)
    r = await api.http.post(f"{PREFIX}/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    api.http.cookies.clear()
    body = r.json()
    assert body["user"]["is_platform_admin"] is True
    return User(body["user"]["id"], email, body["token"], body["user"]["display_name"])


async def set_tier(api: Api, admin: User, org_id: int, tier: str,
                   reason: str = "offline payment") -> dict[str, Any]:
    body = await api.ok("POST", f"/admin/orgs/{org_id}/tier", admin,
                        {"tier": tier, "reason": reason})
    assert body["org"]["tier"] == tier
    return body["org"]  # type: ignore[no-any-return]


