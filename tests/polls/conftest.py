"""Poll tests: the tier fixtures of tests/tiers, and a topic in an organization on plus."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.api import Api, User
from tests.support.direct import events_on
from tests.support.world import Builder, tiers_over_api
from tests.tiers.conftest import platform_admin, set_tier

__all__ = ["events_on", "platform_admin", "poll_world", "set_tier"]


async def poll_world(api: Api, platform_admin: User, tier: str = "plus") -> dict[str, Any]:
    """An org admin, an org on `tier`, a public space with a moderator, a topic opened
    by a citizen (its author), another citizen, and a poll by the moderator."""
    build = Builder(api, tiers=tiers_over_api(api, platform_admin))
    admin = await api.user("Org Admin")
    org = await build.org(admin, tier=tier)
    mod = await api.user("Space moderator")
    space = await build.space(admin, org["id"], moderators=[mod])
    author = await api.user("Topic author")
    topic = await api.topic(author, space["id"], "Night buses")
    citizen = await api.user("Citizen")
    return {"admin": admin, "org": org, "space": space, "mod": mod, "author": author,
            "topic": topic, "citizen": citizen}


async def open_poll(api: Api, user: User, topic_id: int, question: str = "Which route first?",
                    options: tuple[str, ...] = ("Line 1", "Line 2", "Line 3"),
                    **extra: Any) -> dict[str, Any]:
    body = await api.ok("POST", f"/topics/{topic_id}/polls", user,
                        {"question": question, "options": list(options), **extra})
    return dict(body["poll"])


@pytest.fixture
async def world(api: Api, platform_admin: User) -> dict[str, Any]:
    return await poll_world(api, platform_admin)

