"""An instance that has just begun: what `cps serve` says until the first organization."""

from __future__ import annotations

import pytest

from cps.services.context import Context
from cps.services.orgs.beginning import Beginning, beginning, how_to_begin
from tests.support.api import Api
from tests.support.direct import platform_admin

pytestmark = pytest.mark.anyio


async def test_the_steps_shrink_as_the_instance_begins(api: Api, ctx: Context) -> None:
    assert await beginning(ctx.db) == Beginning(has_platform_admin=False, has_organizations=False)
    await platform_admin(ctx, api)
    state = await beginning(ctx.db)
    assert state == Beginning(has_platform_admin=True, has_organizations=False)
    assert "Sign in at http://x/ as the platform admin" in (how_to_begin(state, "http://x/") or "")
    await api.org(await api.user("First mayor"))
    state = await beginning(ctx.db)
    assert state == Beginning(has_platform_admin=True, has_organizations=True)
    assert how_to_begin(state, "http://x/") is None
