"""The plans page (issue 17, "Done when"): an organization admin on a phone hits a
402, follows its link to the plans, compares them and requests premium there; the
platform admin's organization table shows the approval live; the prices are the
platform admin's, "On request" otherwise, and what is not built is never offered."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Api, Browsing, assert_axe_clean, screenshot, settle

pytestmark = pytest.mark.browser


def _fits(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width  # type: ignore[index]


def test_an_org_admin_compares_plans_and_requests_premium_from_the_page_a_402_led_to(
    browsing: Browsing, api: Api
) -> None:
    root = api.admin()
    w = api.world()
    org_id = w["org"]["id"]
    api.ok("POST", f"/admin/orgs/{org_id}/tier", root, {"tier": "plus", "reason": "Paid"})
    for n in range(2, 21):  # all 20 public spaces of plus in use
        api.ok("POST", f"/orgs/{org_id}/spaces", w["admin"],
               {"name": f"District {n}", "description": "", "visibility": "public"})

    # The platform admin's table is open on a desktop, before anything happens.
    desk, _ = browsing.page(user=root)
    desk.goto("/admin")
    settle(desk)
    row = desk.get_by_role("row", name=re.compile(re.escape(w["org"]["name"])))
    expect(row).to_contain_text("Plus")

    phone, watch = browsing.page("phone", user=w["admin"])
    watch.expect_console("402 (Payment Required)")
    phone.goto(f"/orgs/{org_id}")
    settle(phone)
    phone.get_by_label("Name", exact=True).fill("Harbour")
    phone.get_by_role("button", name="Open space").click()
    alert = phone.get_by_role("alert").filter(has_text="Compare plans")
    expect(alert).to_be_visible()
    expect(phone.locator("form .field-error")).to_contain_text("Available from the Premium tier.")
    alert.get_by_role("link", name="Compare plans").click()

    expect(phone).to_have_url(f"/plans?tier=premium&org={org_id}")
    expect(phone.get_by_role("heading", name="Plans", level=1)).to_be_visible()
    table = phone.get_by_role("table", name="What each tier includes")
    expect(table.get_by_role("columnheader", name="Premium Needed")).to_be_visible()
    expect(table.get_by_role("row", name="Price On request On request On request")).to_be_visible()
    expect(table.get_by_role("row", name="Public spaces 3 20 Unlimited")).to_be_visible()
    expect(table.get_by_role("row", name=re.compile(r"^Custom branding( Not available yet){3}$"))
           ).to_be_visible()
    expect(phone.get_by_text(f"{w['org']['name']} is on the Plus tier.")).to_be_visible()
    expect(phone.get_by_role("radio", name="Premium")).to_be_checked()
    _fits(phone)
    assert_axe_clean(phone)
    screenshot(phone, "plans-request-phone")

    phone.get_by_label("Note for the platform (optional)").fill("Council approved the budget")
    phone.get_by_role("button", name="Send the request").click()
    expect(phone.get_by_role("status").filter(has_text="asked for the Premium tier")).to_be_visible()
    [req] = api.ok("GET", "/admin/upgrade-requests?status=pending", root)["upgrade_requests"]
    assert (req["org_id"], req["tier"], req["note"]) == (org_id, "premium",
                                                        "Council approved the budget")

    # Approved elsewhere: the open table and the admin's plans page follow, no reload.
    api.ok("POST", f"/admin/upgrade-requests/{req['id']}/approve", root, {"reason": "Invoice 17"})
    expect(row).to_contain_text("Premium")
    expect(phone.get_by_text(f"{w['org']['name']} is on the highest tier.")).to_be_visible()
    assert_axe_clean(desk)
    screenshot(desk, "admin-after-approval-desktop")


def test_the_platform_admin_prices_the_plans_and_anyone_reads_them(
    browsing: Browsing, api: Api
) -> None:
    root = api.admin()
    page, watch = browsing.page(user=root)
    watch.expect_console("422 (Unprocessable Entity)")
    page.goto("/admin")
    settle(page)
    page.get_by_label("Price of Plus").fill("EUR 1,200 a year")
    page.get_by_label("Price of Premium").fill("EUR 4,800 a year")
    page.get_by_role("button", name="Save prices").click()
    expect(page.locator("#announcer")).to_contain_text("Prices saved.")
    # A price with a control character is refused beside its box.
    page.get_by_label("Price of Free").fill("EUR\u0007 0")
    page.get_by_role("button", name="Save prices").click()
    expect(page.locator(".field-error")).to_contain_text("Control characters")

    for width, scheme in (("phone", "dark"), ("desktop", "light")):
        visitor, _ = browsing.page(width, scheme)
        visitor.goto("/plans")
        settle(visitor)
        table = visitor.get_by_role("table", name="What each tier includes")
        expect(table.get_by_role("row", name="Price On request EUR 1,200 a year EUR 4,800 a year")
               ).to_be_visible()
        expect(table.get_by_role("row", name=re.compile(r"^Polls in topics Not included Included Included$"))
               ).to_be_visible()
        expect(visitor.get_by_role("link", name=re.compile("Sign in to ask"))).to_be_visible()
        _fits(visitor)
        assert_axe_clean(visitor)
        screenshot(visitor, f"plans-{width}-{scheme}")
    api.ok("PUT", "/admin/plans/prices", root, {"prices": {"plus": None, "premium": None}})
