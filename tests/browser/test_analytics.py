"""Reports in the browser: the export links download with the session cookie, and
the analytics dashboard of a premium organization draws its numbers accessibly."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Api, Browsing, assert_accessible, screenshot, settle

pytestmark = pytest.mark.browser


def test_a_premium_admin_downloads_an_export_and_reads_the_dashboard(
    browsing: Browsing, api: Api
) -> None:
    w = api.world()
    org_id, space_id = w["org"]["id"], w["space"]["id"]
    api.ok("POST", f"/admin/orgs/{org_id}/tier", api.admin(),
             {"tier": "premium", "reason": "Annual plan"})
    shop = api.user("Shop owner", "business")
    api.post(shop, w["topic"]["id"], "Main Street, please, with \"protected\" lanes")

    page, _ = browsing.page(user=w["admin"])
    page.goto(f"/orgs/{org_id}")
    settle(page)
    reports = page.locator("section", has=page.get_by_role("heading", name="Reports"))
    with page.expect_download() as info:
        reports.get_by_role("link", name="Download Mobility as CSV").click()
    download = info.value
    assert download.suggested_filename.startswith(f"space-{space_id}-mobility-")
    rows = list(csv.DictReader(io.StringIO(open(download.path(), encoding="utf-8").read())))
    assert [r["body"] for r in rows] == [
        "Tell us which streets need them first.",
        "Main Street, please, with \"protected\" lanes"]

    reports.get_by_role("link", name="Open the analytics dashboard").click()
    expect(page.get_by_role("heading", name=f"Analytics: {w['org']['name']}")).to_be_visible()
    figures = page.locator("section", has=page.get_by_role("heading", name="In this window"))
    expect(figures.locator("dd").nth(1)).to_have_text("2")  # posts
    expect(page.get_by_role("img", name="Posts per day")).to_be_visible()
    assert page.locator("svg.chart rect.chart-bar").count() == 30
    mix = page.get_by_role("table", name="Stakeholder mix")
    expect(mix.get_by_role("row", name="Business 1 50 % 1")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "analytics-desktop")

    # A shareable address: the same dashboard for one space and a week, on reload.
    page.get_by_label("Spaces", exact=True).select_option(str(space_id))
    page.get_by_label("Window", exact=True).select_option("7")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(f"/orgs/{org_id}?view=analytics&days=7&space={space_id}")
    page.reload()
    settle(page)
    expect(page.get_by_role("img", name="Posts per day")).to_be_visible()
    assert page.locator("svg.chart rect.chart-bar").count() == 7


def test_below_the_tier_the_reports_are_explained_not_offered(
    browsing: Browsing, api: Api
) -> None:
    w = api.world()
    page, _ = browsing.page(width="phone", user=w["admin"])
    page.goto(f"/orgs/{w['org']['id']}")
    settle(page)
    expect(page.get_by_text("Export is not included in the Free tier.")).to_be_visible()
    expect(page.get_by_role("button", name="Export")).to_be_disabled()
    expect(page.get_by_text("The analytics dashboard is not included in the Free tier."))\
        .to_be_visible()
    page.goto(f"/orgs/{w['org']['id']}?view=analytics")
    settle(page)
    expect(page.get_by_role("link", name="Request a higher tier")).to_be_visible()
    assert_accessible(page)


def test_a_space_moderator_finds_the_space_reports_on_the_space_page(
    browsing: Browsing, api: Api
) -> None:
    w = api.world()
    org_id, space_id = w["org"]["id"], w["space"]["id"]
    api.ok("POST", f"/admin/orgs/{org_id}/tier", api.admin(),
             {"tier": "premium", "reason": "Annual plan"})
    volunteer = api.user("Volunteer moderator")
    api.ok("POST", f"/spaces/{space_id}/moderators", w["admin"], {"user_id": volunteer.id})

    page, _ = browsing.page(user=volunteer)
    page.goto(f"/spaces/{space_id}")
    settle(page)
    with page.expect_download() as info:
        page.get_by_role("link", name="Download this space as JSON").click()
    assert info.value.suggested_filename.endswith(".json")
    page.get_by_role("link", name="Analytics for this space").click()
    expect(page).to_have_url(f"/orgs/{org_id}?view=analytics&space={space_id}")
    expect(page.get_by_role("img", name="Posts per day")).to_be_visible()
    assert_accessible(page)

    # A participant who does not moderate the space is offered neither.
    page, _ = browsing.page(user=api.user("Resident"))
    page.goto(f"/spaces/{space_id}")
    settle(page)
    expect(page.get_by_role("heading", name="Topics")).to_be_visible()
    expect(page.get_by_role("link", name="Analytics for this space")).to_have_count(0)
    expect(page.get_by_role("link", name="Download this space as JSON")).to_have_count(0)
