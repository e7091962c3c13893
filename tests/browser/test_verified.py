"""The Verified mark of an organization the platform confirmed: shown wherever its
name is, set from the platform admin page, in headless Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Api, Browsing, assert_accessible, screenshot, settle

pytestmark = pytest.mark.browser

WIDTHS = ("phone", "desktop")


def breadcrumb_item(page: Page, text: str) -> Locator:
    return page.get_by_role("navigation", name="Breadcrumb").get_by_role("listitem").filter(
        has_text=text)


def test_a_verified_organization_is_marked_on_every_page_that_names_it(
    browsing: Browsing, api: Api
) -> None:
    admin = api.user("Giulia Rossi", "government")
    verona = api.org(admin, "Comune di Verona", "Italy", region="Europe")
    padova = api.org(admin, "Comune di Padova", "Italy", region="Europe")
    space = api.space(admin, verona["id"], name="Piazzas")
    topic = api.topic(admin, space["id"], "Benches in Piazza Bra", "Where should they go?")
    api.ok("PUT", f"/admin/orgs/{verona['id']}/verified", api.admin(), {"verified": True})

    for width in WIDTHS:
        page, _ = browsing.page(width=width)

        page.goto(f"/orgs/{verona['id']}")
        settle(page)
        mark = page.get_by_role("heading", level=1).locator(".verified")
        expect(mark).to_be_visible()
        expect(mark).to_have_text("✓VerifiedVerified organization")
        screenshot(page, f"verified-org-{width}")
        assert_accessible(page)

        page.goto(f"/spaces/{space['id']}")
        settle(page)
        expect(breadcrumb_item(page, "Comune di Verona").locator(".verified")).to_be_visible()
        expect(breadcrumb_item(page, "Comune di Verona")).to_contain_text("Verified organization")
        screenshot(page, f"verified-space-{width}")
        assert_accessible(page)

        page.goto(f"/topics/{topic['id']}")
        settle(page)
        expect(breadcrumb_item(page, "Comune di Verona").locator(".verified")).to_be_visible()
        assert_accessible(page)

        page.goto("/")
        settle(page)
        expect(page.locator("li.org", has_text="Comune di Verona").locator(".verified")) \
            .to_be_visible()
        expect(page.locator("li.org", has_text="Comune di Padova").locator(".verified")) \
            .to_have_count(0)
        screenshot(page, f"verified-home-{width}")
        assert_accessible(page)

    # An organization that is not verified shows no mark anywhere.
    page, _ = browsing.page()
    page.goto(f"/orgs/{padova['id']}")
    settle(page)
    expect(page.get_by_role("heading", name="Comune di Padova", level=1)).to_be_visible()
    expect(page.locator(".verified")).to_have_count(0)

    # The admin's own list of organizations, on the profile page.
    page, _ = browsing.page(width="phone", user=admin)
    page.goto("/profile")
    settle(page)
    mine = page.get_by_role("region", name="Organizations you administer")
    expect(mine.get_by_role("listitem").filter(has_text="Comune di Verona").locator(".verified")) \
        .to_be_visible()
    expect(mine.get_by_role("listitem").filter(has_text="Comune di Padova").locator(".verified")) \
        .to_have_count(0)
    assert_accessible(page)


def test_the_secretariat_verifies_and_withdraws_from_the_admin_page(
    browsing: Browsing, api: Api
) -> None:
    admin = api.user("Luca Bianchi", "government")
    org = api.org(admin, "Comune di Vicenza", "Italy", region="Europe")

    for width in WIDTHS:
        page, _ = browsing.page(width=width, user=api.admin())
        page.goto("/admin")
        settle(page)
        row = page.get_by_role("row").filter(has_text="Comune di Vicenza")
        expect(row).to_contain_text("Not verified")
        row.get_by_role("button", name="Verify Comune di Vicenza").click()
        expect(row).to_contain_text("Verified organization")
        expect(row.locator(".verified")).to_be_visible()
        assert api.ok("GET", f"/orgs/{org['id']}")["org"]["verified"] is True
        screenshot(page, f"verified-admin-{width}")
        assert_accessible(page)

        row.get_by_role("button", name="Withdraw the verification of Comune di Vicenza").click()
        expect(row).to_contain_text("Not verified")
        expect(row.locator(".verified")).to_have_count(0)
        assert api.ok("GET", f"/orgs/{org['id']}")["org"]["verified"] is False

    # The organization's own admin has no such control.
    page, _ = browsing.page(user=admin)
    page.goto("/admin")
    settle(page)
    expect(page.get_by_text("This page is for the platform's secretariat.")).to_be_visible()
    expect(page.get_by_role("button", name="Verify Comune di Vicenza")).to_have_count(0)
