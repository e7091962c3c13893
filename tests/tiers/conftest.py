"""Tier tests: a platform admin, and helpers to set tiers and read recorded events."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from sqlalchemy import select

from cps.services import accounts
from cps.services.context import Context
from cps.storage.models import Event
from tests.support.api import PREFIX, Api, User

PASSWORD = "correct horse battery"
_admins = itertools.count(1)


def app_ctx(running_app: tuple[Any, dict[str, Any]]) -> Context:
    ctx = running_app[1]["ctx"]
    assert isinstance(ctx, Context)
    return ctx


@pytest.fixture
def ctx(running_app: tuple[Any, dict[str, Any]]) -> Context:
    return app_ctx(running_app)


@pytest.fixture
async def platform_admin(api: Api, ctx: Context) -> User:
    """A platform admin, created as `cps create-admin` does, signed in over the API."""
    email = f"secretariat{next(_admins)}-{id(api)}@example.org"
    await accounts.create_admin(ctx, email=email, password=PASSWORD)
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


async def events_on(ctx: Context, channel: str) -> list[dict[str, Any]]:
    """What a subscriber of `channel` would replay: every stored event, in seq order."""
    async with ctx.db.read() as session:
        rows = (
            await session.scalars(
                select(Event).where(Event.channel == channel).order_by(Event.seq)
            )
        ).all()
    return [{"seq": e.seq, "name": e.name, "data": json.loads(e.data)} for e in rows]
