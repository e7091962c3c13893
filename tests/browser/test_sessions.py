"""A person sees where they are signed in and signs out elsewhere (issue 12, item 6)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Api, Browsing, assert_accessible, screenshot, settle

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_a_person_signs_out_of_their_other_devices(
    browsing: Browsing, api: Api, width: str
) -> None:
    user = api.user("Ana Reyes")
    phone, phone_watch = browsing.page(width="phone", user=user)
    phone_watch.expect_console("status of 401")  # its session ended on the server
    phone.goto("/profile")
    settle(phone)
    page, _ = browsing.page(width=width, user=user)
    page.goto("/profile")
    settle(page)
    sessions = page.get_by_role("region", name="Where you are signed in")
    items = sessions.get_by_role("listitem")
    expect(items).to_have_count(3)  # api.user() signed in once too
    expect(sessions.get_by_text("This device")).to_have_count(1)
    expect(sessions.get_by_text("Chrome on Linux").first).to_be_visible()
    viewport = page.viewport_size
    assert viewport is not None  # the harness opens every context with a viewport
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"] + 1
    assert_accessible(page)
    screenshot(page, f"sessions-{width}")

    sessions.get_by_role("button", name="Sign out everywhere else").click()
    expect(items).to_have_count(1)
    expect(page.locator("#announcer")).to_contain_text("Signed out of 2 other devices")
    # The other browser is signed out on the server: its next page says so.
    phone.reload()
    settle(phone)
    nav = phone.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Sign in")).to_be_visible()
