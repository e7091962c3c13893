"""Consensus tests: a premium organization's space with a moderator, a topic, citizens;
and every background recompute a test started has finished before the app stops."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from cps.services.consensus import recompute
from cps.services.context import Context
from tests.support.api import Api, User
from tests.support.direct import events_on
from tests.support.world import Builder, tiers_over_api
from tests.tiers.conftest import platform_admin, set_tier

__all__ = ["events_on", "platform_admin", "set_tier"]

# 140 to 280 characters, as a proposal must have.
LONG = ("Night buses should run every fifteen minutes on the four busiest lines, "
        "paid for by moving the money now spent on the little-used late ferry service.")
assert 140 <= len(LONG) <= 280


def proposal(n: int) -> str:
    """A distinct statement of proposal length."""
    return f"Proposal {n}: " + LONG


@pytest.fixture
async def settled(ctx: Context, caplog: pytest.LogCaptureFixture) -> AsyncIterator[None]:
    """Every recompute a test started ends before the app stops, and none failed (for
    `pytestmark = pytest.mark.usefixtures("settled")`)."""
    yield
    await recompute.settle(ctx)
    failed = [r for r in caplog.records if r.name == "cps.consensus" and r.levelname == "ERROR"]
    assert not failed, [r.getMessage() for r in failed]


async def consensus_world(api: Api, platform_admin: User, tier: str = "premium",
                          visibility: str = "public") -> dict[str, Any]:
    """An org admin, an org on `tier`, a space with a moderator, a topic by a citizen
    (its author), two more citizens."""
    build = Builder(api, tiers=tiers_over_api(api, platform_admin))
    admin = await api.user("Org Admin")
    org = await build.org(admin, tier=tier)
    mod = await api.user("Space moderator")
    author = await api.user("Topic author")
    citizen = await api.user("Citizen")
    other = await api.user("Other citizen")
    members = [author, citizen, other] if visibility == "private" else []
    space = await build.space(admin, org["id"], visibility, moderators=[mod], members=members)
    topic = await api.topic(author, space["id"], "Night buses")
    return {"admin": admin, "org": org, "space": space, "mod": mod, "author": author,
            "topic": topic, "citizen": citizen, "other": other,
            "platform_admin": platform_admin}


async def open_round(api: Api, user: User, topic_id: int,
                     statements: tuple[str, ...] = ("Buses at night", "More bike lanes",
                                                    "Fewer parking spaces"),
                     **extra: Any) -> dict[str, Any]:
    body = await api.ok("POST", f"/topics/{topic_id}/consensus", user,
                        {"prompt": "How should the city move at night?",
                         "statements": list(statements), **extra})
    return dict(body["round"])


@pytest.fixture
async def world(api: Api, platform_admin: User) -> dict[str, Any]:
    return await consensus_world(api, platform_admin)
