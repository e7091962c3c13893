"""Polls on the topic page: opened from the form, voted in another window, the bars
move in both; after a downgrade the poll stays, read-only."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Api, Browsing, assert_accessible, screenshot, settle

pytestmark = pytest.mark.browser


def test_a_poll_opened_in_one_window_is_voted_in_another_and_both_bars_move(
    browsing: Browsing, api: Api
) -> None:
    world = api.world()
    org, topic = world["org"], world["topic"]
    platform = api.admin()
    api.ok("POST", f"/admin/orgs/{org['id']}/tier", platform,
             {"tier": "plus", "reason": "Consultation season"})
    voter = api.user("Jun Lee")
    author_page, _ = browsing.page(user=world["admin"])
    voter_page, _ = browsing.page(width="phone", user=voter)
    for page in (author_page, voter_page):
        page.goto(f"/topics/{topic['id']}")
        settle(page)
        expect(page.locator("#conn")).to_have_text("Live")

    author_page.get_by_role("button", name="Create a poll").click()
    author_page.get_by_label("Question").fill("Which street first?")
    author_page.get_by_label("Option 1").fill("Main Street")
    author_page.get_by_label("Option 2").fill("River Road")
    author_page.get_by_role("button", name="Open poll").click()
    expect(author_page.locator(".poll-question")).to_have_text("Which street first?")

    poll = voter_page.locator(".poll", has_text="Which street first?")
    expect(poll).to_be_visible()  # live, from poll.created
    river = poll.locator(".poll-option", has_text="River Road")
    river.get_by_role("button", name="Vote").click()
    expect(river.get_by_role("button", name="Your vote")).to_have_attribute("aria-pressed", "true")
    expect(river.locator(".poll-count")).to_have_text("1 vote · 100%")
    expect(river.locator("progress")).to_have_attribute("value", "1")
    # The other window's bar moves too (poll.voted), without saying who voted.
    seen = author_page.locator(".poll-option", has_text="River Road")
    expect(seen.locator(".poll-count")).to_have_text("1 vote · 100%")
    expect(seen.get_by_role("button", name="Vote")).to_have_attribute("aria-pressed", "false")
    screenshot(voter_page, "poll-voted-phone")
    assert_accessible(voter_page)

    # A downgrade keeps the poll and its results, read-only.
    api.ok("POST", f"/admin/orgs/{org['id']}/tier", platform,
             {"tier": "free", "reason": "Subscription lapsed"})
    voter_page.reload()
    settle(voter_page)
    poll = voter_page.locator(".poll", has_text="Which street first?")
    expect(poll.locator(".poll-note")).to_contain_text("no longer includes polls")
    expect(poll.locator(".poll-option", has_text="River Road").locator(".poll-count")) \
        .to_have_text("1 vote · 100%")
    expect(poll.get_by_role("button", name="Vote")).to_have_count(0)
    assert_accessible(voter_page)
