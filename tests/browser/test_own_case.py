"""A moderator is not offered tools the server refuses on their own posts."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Api, Browsing, assert_accessible, screenshot, settle

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_a_moderator_sees_why_they_do_not_decide_on_their_own_flagged_post(
    browsing: Browsing, api: Api, width: str
) -> None:
    world = api.world()
    space, topic = world["space"], world["topic"]
    mod = api.user("Noor Haddad")
    api.ok("POST", f"/spaces/{space['id']}/moderators", world["admin"], {"user_id": mod.id},
             status=201)
    own = api.post(mod, topic["id"], "The square closes on Sunday")
    flagger = api.user("Worried Reader")
    api.ok("POST", f"/posts/{own['id']}/flags", flagger, {"reason": "abuse"}, status=201)
    page, _ = browsing.page(width=width, user=mod)
    page.goto(f"/moderation?space={space['id']}")
    settle(page)
    item = page.locator(f"li.queue-item[data-post-id='{own['id']}']")
    expect(item.get_by_text("This is your post: another moderator")).to_be_visible()
    expect(item.get_by_role("button", name="Dismiss flags")).to_have_count(0)
    expect(item.get_by_role("button", name="Hide post")).to_have_count(0)
    # In the thread, no Hide post on one's own post either.
    page.goto(f"/topics/{topic['id']}")
    settle(page)
    article = page.locator(f"#post-{own['id']} > article")
    expect(article.get_by_role("button", name="Hide post")).to_have_count(0)
    viewport = page.viewport_size
    assert viewport is not None  # the harness opens every context with a viewport
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"] + 1
    assert_accessible(page)
    screenshot(page, f"own-case-{width}")
