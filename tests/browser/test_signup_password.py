"""The sign-up form states the password rule next to the field, and a refused
password gets the server's reason next to that field (issue 12, item 7)."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from cps.services.accounts.password_rules import COMMON, REPEATED
from tests.browser.conftest import Browsing, assert_accessible, screenshot, settle

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_sign_up_states_the_rule_and_shows_why_a_password_is_refused(
    browsing: Browsing, width: str
) -> None:
    page, watch = browsing.page(width=width)
    watch.expect_console("status of 422")  # the refusals below
    page.goto("/signup")
    settle(page)
    password = page.get_by_label("Password")
    expect(password).to_have_attribute("minlength", "8")
    expect(password).to_have_attribute("maxlength", "128")
    expect(password).to_have_accessible_description(
        "8 to 128 characters. A few words you will remember make a good password. "
        "Very common passwords, your email address and your display name are refused.")

    page.get_by_label("Display name").fill("Lee Ha-eun")
    page.get_by_label("Email").fill(f"haeun-{time.monotonic_ns()}@example.org")
    for weak, reason in [("password", COMMON), ("        ", REPEATED)]:
        password.fill(weak)
        page.get_by_role("button", name="Create account").click()
        expect(password).to_have_attribute("aria-invalid", "true")
        # Read out with the field, not only shown near it.
        expect(password).to_have_accessible_description(re.compile(re.escape(reason)))
        expect(page.get_by_text(reason)).to_be_visible()
    expect(page.get_by_role("heading", name="Create an account")).to_be_visible()
    assert_accessible(page)
    screenshot(page, f"signup-password-refused-{width}")

    password.fill("the number 7 bus is never late")
    page.get_by_role("button", name="Create account").click()
    # Signed in: the header's profile link (folded in its menu on a phone).
    expect(page.get_by_role("navigation", name="Main", include_hidden=True)
           .get_by_role("link", name="Lee Ha-eun", include_hidden=True)).to_have_count(1)
