"""Review R3 (issues 15, 16, 18) driven in Chromium as their people would, at 375 and
1280 px: a mention typed with the keyboard only through the @ autocomplete, the bell
in two tabs, follow levels on a topic and a space; /search from the header with
operators as people type them, a Korean word, the empty and the error states; a
premium city's round voted with the keyboard, what a citizen is not offered, and a
round after a downgrade. Every page axe-clean, no sideways scroll, no raw ISO date."""

from __future__ import annotations

import itertools
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Api, Browsing, assert_axe_clean, screenshot, settle

pytestmark = pytest.mark.browser

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}T")
_n = itertools.count(1)


def _readable(page: Page, name: str) -> None:
    viewport = page.viewport_size
    assert viewport is not None
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    text = page.locator("main").inner_text()
    assert not ISO_DATE.search(text), ISO_DATE.findall(text)
    assert_axe_clean(page)
    screenshot(page, name)


def _focus_visible(page: Page) -> None:
    """The element with the keyboard focus draws an outline or a ring."""
    style = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return [s.outlineStyle, s.outlineWidth, s.boxShadow]; }""")
    assert (style[0] != "none" and style[1] != "0px") or style[2] != "none", style


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_a_mention_typed_with_the_keyboard_rings_both_tabs(
    browsing: Browsing, api: Api, width: str
) -> None:
    w = api.world()
    n = next(_n)
    citizen = api.user(f"Aroha Tane {n}")
    neighbour = api.user(f"Bilal Nasser {n}")
    handle = api.ok("GET", "/me", citizen)["user"]["handle"]
    topic_id = w["topic"]["id"]
    api.post(citizen, topic_id, "Hello, first time here.")  # a participant of the space

    ctx, _ = browsing.context(width=width, user=citizen)
    first, second = ctx.new_page(), ctx.new_page()
    first.goto(f"/topics/{topic_id}")
    second.goto("/notifications")
    for page in (first, second):
        settle(page)
        expect(page.get_by_role("link", name="Notifications, none unread")).to_be_visible()

    # The neighbour types the mention; Down and Enter pick the person, no mouse.
    writer, _ = browsing.page(width=width, user=neighbour)
    writer.goto(f"/topics/{topic_id}")
    settle(writer)
    area = writer.get_by_role("textbox", name="Your post")
    area.focus()
    writer.keyboard.type("Good point @Aroha")
    listbox = writer.get_by_role("listbox", name="People to mention")
    expect(listbox).to_contain_text(f"@{handle}")
    _readable(writer, f"r3-mention-list-{width}")
    writer.keyboard.press("Enter")
    writer.keyboard.type("what do you think?")
    expect(area).to_have_value(f"Good point @{handle} what do you think?")
    writer.keyboard.press("Tab")
    while "Post" != writer.evaluate("document.activeElement.textContent"):
        writer.keyboard.press("Tab")
    _focus_visible(writer)
    writer.keyboard.press("Enter")
    expect(writer.locator(f"a.mention[href='/u/{handle}']")).to_have_text(f"@{handle}")

    for page in (first, second):
        expect(page.get_by_role("link", name="Notifications 1 unread")).to_be_visible()
    item = second.locator("li.notification").first
    expect(item).to_contain_text(f"Bilal Nasser {n} mentioned you")
    _readable(second, f"r3-notifications-{width}")
    second.get_by_role("button", name="Mark as read").first.focus()
    _focus_visible(second)
    second.keyboard.press("Enter")
    for page in (first, second):
        expect(page.get_by_role("link", name="Notifications, none unread")).to_be_visible()

    # Follow levels: the topic (tracking, as they posted) muted; the space watched.
    level = first.get_by_label("Notifications for this topic")
    expect(level).to_have_value("tracking")
    level.select_option("muted")
    expect(first.locator("#announcer")).to_contain_text("Muted")
    assert api.ok("GET", f"/topics/{topic_id}/follow", citizen)["level"] == "muted"
    _readable(first, f"r3-topic-follow-{width}")
    # Muted means muted: a new mention from that topic does not ring.
    api.post(neighbour, topic_id, f"@{handle} still there?")
    first.wait_for_timeout(500)
    expect(first.get_by_role("link", name="Notifications, none unread")).to_be_visible()
    assert api.ok("GET", "/notifications", citizen)["unread_count"] == 0

    first.goto(f"/spaces/{w['space']['id']}")
    settle(first)
    space_level = first.get_by_label("Notifications for this space")
    space_level.select_option("watching")
    expect(first.locator("#announcer")).to_contain_text("Watching")
    assert api.ok("GET", f"/spaces/{w['space']['id']}/follow", citizen)["level"] == "watching"
    _readable(first, f"r3-space-follow-{width}")
    other = api.topic(w["admin"], w["space"]["id"], f"Night markets {n}", "Which squares?")
    for page in (first, second):
        expect(page.get_by_role("link", name="Notifications 1 unread")).to_be_visible()
    second.reload()
    settle(second)
    expect(second.locator("li.notification.is-unread")).to_contain_text(other["title"])


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_search_as_people_type_it(browsing: Browsing, api: Api, width: str) -> None:
    w = api.world()
    n = next(_n)
    word = f"gondola{n}{width}"
    api.post(w["citizen"], w["topic"]["id"], f"한강 공원 {word} along the river")
    api.post(w["admin"], w["topic"]["id"], f"The {word} budget is not decided")
    page, watch = browsing.page(width=width, user=w["citizen"])
    watch.expect_console("422")  # the unknown operator, below
    page.goto("/")
    settle(page)

    def search(q: str) -> None:
        box = page.get_by_role("search", name="Site search").get_by_role("searchbox")
        box.fill(q)
        box.press("Enter")
        page.wait_for_url(re.compile(r"/search\?q="))
        settle(page)

    results = page.get_by_role("list", name="Results").get_by_role("listitem")
    search("한강")
    expect(results.filter(has_text=word)).to_have_count(1)
    expect(results.filter(has_text=word).locator("mark")).to_have_text("한강")
    _readable(page, f"r3-search-korean-{width}")

    search(f"{word} -budget")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("한강")
    search(f'"{word} budget"')
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("not decided")
    search(f"type:government {word}")
    expect(results).to_have_count(1)
    handle = api.ok("GET", "/me", w["citizen"])["user"]["handle"]
    search(f"@{handle} {word}")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("한강")
    search(f"before:2000-01-01 {word}")
    expect(page.get_by_text("Nothing found")).to_be_visible()
    _readable(page, f"r3-search-empty-{width}")

    search(f"colour:blue {word}")
    expect(page.locator("main")).to_contain_text("Unknown operator colour:")
    _readable(page, f"r3-search-error-{width}")
