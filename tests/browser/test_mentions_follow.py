"""Mentioning someone from the composer with the keyboard alone, and choosing how
closely to follow a topic and a space, on a phone and a desktop, axe clean."""

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
def test_the_composer_mentions_a_participant_with_the_keyboard(
    browsing: Browsing, api: Api, width: str
) -> None:
    world = api.world()
    topic = world["topic"]["id"]
    neighbour = api.user("Seo-yeon Hanbit")
    api.post(neighbour, topic, "I live on this street")
    handle = api.ok("GET", "/me", neighbour)["user"]["handle"]
    page, _ = browsing.page(width=width, user=world["citizen"])
    page.goto(f"/topics/{topic}")
    settle(page)

    area = page.locator("section.composer textarea")
    box = page.locator("section.composer [role=combobox]")
    listbox = page.get_by_role("listbox", name="People to mention")
    status = page.locator("section.composer + p[role=status], section.composer p[role=status]")
    area.focus()
    page.keyboard.type("Thanks @seo-yeon-h")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    option = listbox.get_by_role("option").first
    expect(option).to_contain_text("Seo-yeon Hanbit")
    expect(option).to_contain_text(f"@{handle}")
    expect(option).to_have_attribute("aria-selected", "true")
    expect(area).to_have_attribute("aria-activedescendant", option.get_attribute("id") or "")
    expect(status.first).to_contain_text("match")
    _no_sideways_scroll(page)
    assert_axe_clean(page)
    screenshot(page, f"mention-autocomplete-{width}", full_page=False)

    # Up and down wrap around the one person; Enter mentions them.
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    expect(option).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")
    expect(area).to_have_value(f"Thanks @{handle} ")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(status.first).to_contain_text(f"Mentioned Seo-yeon Hanbit (@{handle})")

    # Nobody by that name: said, and nothing offered.
    page.keyboard.type("and @nobody-by-this-name")
    expect(status.first).to_have_text("No one here matches.")
    expect(listbox).to_be_hidden()
    # Escape closes the list and keeps what was typed.
    page.keyboard.press("Control+a")
    page.keyboard.type(f"Thanks @{handle} and @seo")
    expect(listbox).to_be_visible()
    page.keyboard.press("Escape")
    expect(listbox).to_be_hidden()
    expect(area).to_have_value(f"Thanks @{handle} and @seo")
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    # Tab (the list closed) goes on: to the post's language, then the button; Enter posts.
    page.keyboard.press("Tab")
    expect(page.get_by_label("Language", exact=True)).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Post", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    mention = page.locator("article .mention", has_text=f"@{handle}")
    expect(mention.first).to_be_visible()
    assert_axe_clean(page)


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_the_follow_controls_of_a_topic_and_a_space(
    browsing: Browsing, api: Api, width: str
) -> None:
    world = api.world()
    citizen = world["citizen"]
    topic, space = world["topic"]["id"], world["space"]["id"]
    page, _ = browsing.page(width=width, user=citizen)
    page.goto(f"/topics/{topic}")
    settle(page)
    level = page.get_by_label("Notifications for this topic")
    expect(level).to_be_enabled()
    expect(level).to_have_value("normal")
    expect(page.get_by_text("Only mentions of you tell you. (as you follow the space)")
           ).to_be_visible()
    level.focus()
    level.select_option("watching")
    expect(page.get_by_text("Every new post tells you.", exact=True)).to_be_visible()
    assert api.ok("GET", f"/topics/{topic}/follow", citizen)["level"] == "watching"
    _no_sideways_scroll(page)
    assert_axe_clean(page)
    screenshot(page, f"follow-topic-{width}", full_page=False)

    page.goto(f"/spaces/{space}")
    settle(page)
    space_level = page.get_by_label("Notifications for this space")
    expect(space_level).to_be_enabled()
    expect(space_level).to_have_value("normal")
    space_level.select_option("muted")
    expect(page.get_by_text("Nothing here tells you, not even mentions.", exact=True)
           ).to_be_visible()
    assert api.ok("GET", f"/spaces/{space}/follow", citizen)["level"] == "muted"
    _no_sideways_scroll(page)
    assert_axe_clean(page)

    # Signed out: no control.
    anonymous, _ = browsing.page(width=width)
    anonymous.goto(f"/topics/{topic}")
    settle(anonymous)
    expect(anonymous.get_by_label("Notifications for this topic")).to_have_count(0)


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_a_mention_leads_to_the_person(browsing: Browsing, api: Api, width: str) -> None:
    world = api.world()
    neighbour = api.user("Da-eun Moon", "academia")
    handle = api.ok("GET", "/me", neighbour)["user"]["handle"]
    api.post(world["citizen"], world["topic"]["id"], f"Ask @{handle}, she studied it")
    page, watch = browsing.page(width=width)
    page.goto(f"/topics/{world['topic']['id']}")
    settle(page)
    link = page.get_by_role("link", name=f"@{handle}")
    link.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{browsing.server.base_url}/u/{handle}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Da-eun Moon")
    expect(page.get_by_text(f"@{handle} · takes part as academia")).to_be_visible()
    expect(page.get_by_role("link", name=f"Search the posts and topics of @{handle}")
           ).to_have_attribute("href", f"/search?q=%40{handle}")
    _no_sideways_scroll(page)
    assert_axe_clean(page)
    screenshot(page, f"person-{width}", full_page=False)
    watch.expect_console("status of 404")  # the page asks; the answer is "nobody"
    page.goto("/u/nobody-has-this")
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")


def test_a_name_in_another_script_is_found_after_at(browsing: Browsing, api: Api) -> None:
    world = api.world()
    topic = world["topic"]["id"]
    neighbour = api.user("김민지")
    api.post(neighbour, topic, "안녕하세요")
    handle = api.ok("GET", "/me", neighbour)["user"]["handle"]
    page, _ = browsing.page(user=world["citizen"])
    page.goto(f"/topics/{topic}")
    settle(page)
    page.locator("section.composer textarea").focus()
    page.keyboard.type("고마워요 @김민")
    option = page.get_by_role("listbox", name="People to mention").get_by_role("option").first
    expect(option).to_contain_text("김민지")
    page.keyboard.press("Enter")
    expect(page.locator("section.composer textarea")).to_have_value(f"고마워요 @{handle} ")
