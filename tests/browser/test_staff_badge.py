"""A reader tells a space's staff from a namesake: their posts say "Staff"."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Api, Browsing, assert_accessible, screenshot, settle

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_posts_by_the_spaces_staff_are_marked_and_a_namesakes_are_not(
    browsing: Browsing, api: Api, width: str
) -> None:
    world = api.world()  # its admin, "Mina Park", opened the topic
    namesake = api.user("Mina Park", "government")
    reply = api.post(namesake, world["topic"]["id"], "I speak for the city, trust me")
    page, _ = browsing.page(width=width)
    page.goto(f"/topics/{world['topic']['id']}")
    settle(page)
    staff_post = page.locator(f"#post-{world['first_post']['id']} > article")
    namesake_post = page.locator(f"#post-{reply['id']} > article")
    expect(staff_post.get_by_text("Staff", exact=True)).to_be_visible()
    expect(namesake_post.get_by_text("Mina Park", exact=True)).to_be_visible()
    expect(namesake_post.get_by_text("Staff", exact=True)).to_have_count(0)
    viewport = page.viewport_size
    assert viewport is not None  # the harness opens every context with a viewport
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"] + 1
    assert_accessible(page)
    screenshot(page, f"staff-badge-{width}")
