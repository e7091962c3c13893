"""Rate limits for everyone: posts per participant per minute, new topics per hour,
429 with Retry-After; configurable, and lifted by CPS_RATE_LIMITS=off."""

from __future__ import annotations

import pytest

from cps.app import create_app
from cps.config import ConfigError, Settings, load_settings
from tests.api.helpers import assert_error
from tests.support import asgi
from tests.support.api import Api
from tests.support.settings import make_settings

pytestmark = pytest.mark.anyio


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url, CPS_RATE_LIMITS="on", CPS_POSTS_PER_MINUTE="3",
                         CPS_TOPICS_PER_HOUR="2")


async def test_posts_per_minute_and_topics_per_hour(api: Api) -> None:
    w = await api.world()
    s, t, citizen = w["space"]["id"], w["topic"]["id"], w["citizen"]
    for i in range(3):
        await api.post(citizen, t, f"post {i}")
    r = await api.call("POST", f"/topics/{t}/posts", citizen, {"body": "one too many"})
    assert_error(r, 429, "rate_limited")
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    # Per participant: others still post.
    await api.post(w["admin"], t, "the admin")
    for i in range(2):
        await api.topic(citizen, s, title=f"Topic {i}")
    r = await api.call("POST", f"/spaces/{s}/topics", citizen, {"title": "Third", "body": "x"})
    assert_error(r, 429, "rate_limited")
    assert 3000 < int(r.headers["Retry-After"]) <= 3600


async def test_rate_limits_off_lifts_them(database_url: str) -> None:
    settings = make_settings(database_url, CPS_POSTS_PER_MINUTE="1", CPS_RATE_LIMITS="off")
    app = create_app(settings)
    async with asgi.running(app) as state, asgi.client(app, state) as http:
        api = Api(http)
        w = await api.world()
        for i in range(5):
            await api.post(w["citizen"], w["topic"]["id"], f"post {i}")


def test_the_limits_are_configured_from_the_environment() -> None:
    base = {"CPS_SECRET_KEY": "k" * 20, "CPS_DATABASE_URL": "sqlite:////tmp/x.db"}
    settings = load_settings({**base, "CPS_POSTS_PER_MINUTE": "7", "CPS_TOPICS_PER_HOUR": "9"})
    assert (settings.posts_per_minute, settings.topics_per_hour) == (7, 9)
    defaults = load_settings(base)
    assert (defaults.posts_per_minute, defaults.topics_per_hour) == (30, 20)
    with pytest.raises(ConfigError, match="CPS_POSTS_PER_MINUTE"):
        load_settings({**base, "CPS_POSTS_PER_MINUTE": "lots"})
