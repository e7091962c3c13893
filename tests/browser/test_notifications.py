"""The bell and the notifications page in two tabs of one person, on a phone and a
desktop: a mention turns the bell to 1 in both at once; reading it in one turns both
back to 0; the page names the person, the topic and the space in words with a human
date; the preferences card on the profile; axe clean, no sideways scroll."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Api, Browsing, assert_axe_clean, screenshot, settle

pytestmark = pytest.mark.browser


def _no_sideways_scroll(page: Page) -> None:
    viewport = page.viewport_size
    assert viewport is not None
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"] + 1


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_the_bell_is_the_same_in_two_tabs_and_reading_clears_both(
    browsing: Browsing, api: Api, width: str
) -> None:
    world = api.world()
    citizen = world["citizen"]
    neighbour = api.user("Seo-yeon Hanbit")
    handle = api.ok("GET", "/me", citizen)["user"]["handle"]
    ctx, _ = browsing.context(width=width, user=citizen)
    first, second = ctx.new_page(), ctx.new_page()
    first.goto("/notifications")
    second.goto(f"/topics/{world['topic']['id']}")
    for page in (first, second):
        settle(page)
        expect(page.get_by_role("link", name="Notifications, none unread")).to_be_visible()

    api.post(neighbour, world["topic"]["id"], f"@{handle} what do you think?")
    for page in (first, second):
        expect(page.get_by_role("link", name="Notifications 1 unread")).to_be_visible()
    item = first.locator("li.notification").first
    expect(item).to_contain_text("Seo-yeon Hanbit mentioned you in “Where should bike lanes go?”")
    expect(item).to_contain_text("in Mobility")
    expect(item.locator("time")).to_have_text("just now")
    expect(first.get_by_role("status").filter(has_text="unread")).to_have_text(
        "1 unread notification.")
    _no_sideways_scroll(first)
    assert_axe_clean(first)
    screenshot(first, f"notifications-{width}")

    first.get_by_role("button", name="Mark as read").first.click()
    for page in (first, second):
        expect(page.get_by_role("link", name="Notifications, none unread")).to_be_visible()
    expect(item).not_to_have_class("notification is-unread")
    assert api.ok("GET", "/notifications", citizen)["unread_count"] == 0

    # Two more, then "Mark all as read" in the other tab's page.
    api.post(neighbour, world["topic"]["id"], f"@{handle} and again")
    other = api.user("Min-jun Lee")
    api.post(other, world["topic"]["id"], f"@{handle} me too")
    for page in (first, second):
        expect(page.get_by_role("link", name="Notifications 1 unread")).to_be_visible()
    expect(first.locator("li.notification.is-unread")).to_contain_text(
        "You were mentioned 2 times in “Where should bike lanes go?”, last by Min-jun Lee")
    second.goto("/notifications")
    settle(second)
    second.get_by_role("button", name="Mark all as read").click()
    for page in (first, second):
        expect(page.get_by_role("link", name="Notifications, none unread")).to_be_visible()
    expect(first.locator("li.notification.is-unread")).to_have_count(0)
    assert_axe_clean(second)


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_the_profile_keeps_notification_preferences(
    browsing: Browsing, api: Api, width: str
) -> None:
    person = api.user("Ha-eun Choi")
    page, watch = browsing.page(width=width, user=person)
    watch.expect_console("422")  # the refused language tag, below
    page.goto("/profile")
    settle(page)
    card = page.locator("section", has=page.get_by_role("heading", name="Notifications"))
    card.get_by_label("Email me").select_option("immediate")
    card.get_by_label("Digest").select_option("daily")
    card.get_by_role("checkbox", name="Moderators' acts on your posts: in the page").uncheck()
    card.get_by_label("Language (optional)").fill("ko-KR")
    card.get_by_role("button", name="Save notification settings").click()
    expect(page.locator("#announcer")).to_contain_text("Your notification settings are saved.")
    prefs = api.ok("GET", "/me/preferences", person)
    assert prefs["email"] == "immediate" and prefs["digest"] == "daily"
    assert prefs["kinds"]["moderation"] == {"web": False, "email": True}
    assert prefs["locale"] == "ko-KR"
    card.get_by_label("Language (optional)").fill("not a tag!")
    card.get_by_role("button", name="Save notification settings").click()
    expect(card.get_by_text("Expected a language tag")).to_be_visible()
    _no_sideways_scroll(page)
    assert_axe_clean(page)
    screenshot(page, f"notification-prefs-{width}")
