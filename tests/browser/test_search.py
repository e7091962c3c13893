"""The search page (/search?q=…), as a person uses it: the box in every page's
header, results with their words marked, filters as chips, the keyboard, the
query in the URL, on a phone and a desktop, axe-clean, no sideways scroll."""

from __future__ import annotations

import itertools
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Api, Browsing, assert_axe_clean, screenshot, settle

pytestmark = pytest.mark.browser

_n = itertools.count(1)


def _no_sideways_scroll(page: Page) -> None:
    viewport = page.viewport_size
    assert viewport is not None
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_a_search_from_the_header_finds_marked_results_and_chips_filter_them(
    browsing: Browsing, api: Api, width: str
) -> None:
    word = f"funicular{next(_n)}{width}"
    w = api.world()
    topic = api.topic(w["admin"], w["space"]["id"], f"The {word} to the hilltop",
                      "Should it run at night?")
    post = api.post(w["citizen"], w["topic"]["id"],
                    f"A **{word}** would help; <script>alert(1)</script> and 2025-03-01")
    page, _ = browsing.page(width=width)
    page.goto(f"/topics/{w['topic']['id']}")
    settle(page)

    # The header's search box, on any page, by keyboard.
    box = page.get_by_role("search", name="Site search").get_by_role("searchbox")
    box.fill(word)
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Search: {word}")
    results = page.get_by_role("list", name="Results").get_by_role("listitem")
    expect(results).to_have_count(2)
    # The title first, then the post; the words marked, the post's markup gone.
    first = results.nth(0)
    expect(first.get_by_role("link").first).to_have_attribute("href", f"/topics/{topic['id']}")
    expect(first.locator("mark")).to_have_text(word)
    # The topic's title once (marked), not the title and again its copy as a snippet.
    assert first.inner_text().count(f"{word} to the hilltop") == 1
    second = results.nth(1)
    expect(second.get_by_role("link").first).to_have_attribute(
        "href", f"/topics/{w['topic']['id']}#post-{post['id']}")
    expect(second.locator("mark")).to_have_text(word)
    expect(second.locator(".search-snippet")).to_contain_text("<script>alert(1)</script>")
    expect(second.locator(".search-snippet script, .search-snippet strong")).to_have_count(0)
    # No raw ISO date or id shown: a date in words.
    expect(second.locator("time")).not_to_have_text(re.compile(r"\d{4}-\d{2}-\d{2}T"))
    expect(second.locator("time")).to_have_text(re.compile("just now|minute"))
    _no_sideways_scroll(page)
    assert_axe_clean(page)
    screenshot(page, f"search-results-{width}")

    # Chips: only the posts, the URL says so (a search can be shared).
    page.get_by_role("navigation", name="Filters").get_by_role("link", name="Posts").click()
    page.wait_for_url(re.compile(r"kind=post"))
    settle(page)
    expect(page.get_by_role("link", name="Posts")).to_have_attribute("aria-current", "true")
    expect(page.get_by_role("list", name="Results").get_by_role("listitem")).to_have_count(1)
    _no_sideways_scroll(page)
    assert_axe_clean(page)

    # Following a result opens the post in its thread.
    page.get_by_role("list", name="Results").get_by_role("link").first.click()
    page.wait_for_url(re.compile(rf"/topics/{w['topic']['id']}#post-{post['id']}$"))
    settle(page)
    expect(page.locator(f"#post-{post['id']}")).to_be_visible()


def test_a_shared_search_link_an_unknown_operator_and_nothing_found(
    browsing: Browsing, api: Api
) -> None:
    page, watch = browsing.page(width="phone")
    watch.expect_console("status of 422")
    page.goto("/search?q=colour%3Ared+tram")
    settle(page)
    expect(page.get_by_role("alert")).to_contain_text("Unknown operator colour:")
    _no_sideways_scroll(page)
    assert_axe_clean(page)

    page.goto("/search?q=zzyzx-nothing-here")
    settle(page)
    expect(page.get_by_role("status").filter(has_text="Nothing found")).to_be_visible()
    # The box of the page holds the query, and a new search replaces it.
    box = page.get_by_role("search", name="Refine search").get_by_role("searchbox")
    expect(box).to_have_value("zzyzx-nothing-here")
    page.goto("/search")
    settle(page)
    expect(page.get_by_role("status")).to_contain_text("Type words")
    # No chips without a query, and no stray word where they would be.
    assert "null" not in page.locator("main").inner_text().split()
    assert_axe_clean(page)
    screenshot(page, "search-empty-phone")
