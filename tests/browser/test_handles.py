"""Choosing a handle at sign-up (or letting one be made), seeing why one is
refused next to the field, and changing it on the profile, at 375 and 1280 px."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Api, Browsing, assert_axe_clean, settle

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_a_handle_is_chosen_at_sign_up_and_changed_on_the_profile(
    browsing: Browsing, api: Api, width: str
) -> None:
    taken = api.ok("GET", "/me", api.user("Someone Else"))["user"]["handle"]
    page, watch = browsing.page(width=width)
    watch.expect_console("status of 422")  # the refused handle below
    watch.expect_console("status of 409")  # the taken one
    page.goto("/signup")
    settle(page)
    stamp = time.monotonic_ns() % 10**8
    handle = page.get_by_label("Handle (optional)")
    expect(handle).to_have_accessible_description(re.compile("How others mention you"))
    page.get_by_label("Display name").fill("Yoon Se-ah")
    page.get_by_label("Email").fill(f"sea-{stamp}@example.org")
    page.get_by_label("Password").fill("the number 7 bus is never late")
    handle.fill("se ah!")
    page.get_by_role("button", name="Create account").click()
    expect(handle).to_have_attribute("aria-invalid", "true")
    expect(handle).to_have_accessible_description(re.compile("3 to 30 of a-z"))
    assert_axe_clean(page)
    handle.fill(f"@Se-ah.{stamp}")
    page.get_by_role("button", name="Create account").click()
    # Signed in: the header's profile link (folded in its menu on a phone).
    expect(page.get_by_role("navigation", name="Main", include_hidden=True)
           .get_by_role("link", name="Yoon Se-ah", include_hidden=True)).to_have_count(1)

    page.goto("/profile")
    settle(page)
    expect(page.get_by_text(f"@se-ah.{stamp}", exact=True)).to_be_visible()
    change = page.get_by_label("Change your handle")
    expect(change).to_have_value(f"se-ah.{stamp}")
    # Someone else's handle is taken: said next to the field.
    change.fill(taken)
    page.get_by_role("button", name="Save handle").click()
    expect(page.get_by_text("Someone already has this handle; choose another.")).to_be_visible()
    change.fill(f"sea.{stamp}")
    page.get_by_role("button", name="Save handle").click()
    expect(page.get_by_text(f"@sea.{stamp}", exact=True)).to_be_visible()
    viewport = page.viewport_size
    assert viewport is not None
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"] + 1
    assert_axe_clean(page)
