"""Issue 20 in the browser, as a new person meets it: a browser that asks for
Korean gets the site in Korean; the language menu (on every page) switches it to
Arabic and the whole page lays out right to left (the header's logo on the
right, text starting at the right); the choice is kept in the `lang` cookie;
axe stays clean in every language; 375 px and 1280 px (screenshots in
tests/screenshots/languages-*)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Api, Browsing, assert_axe_clean, screenshot, settle

pytestmark = pytest.mark.browser

LANGUAGES = ["en", "ko", "es", "fr", "ru", "tr", "ar"]


def _no_sideways_scroll(page: Page) -> None:
    viewport = page.viewport_size
    assert viewport is not None
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


def _choose_language(page: Page, name: str) -> None:
    page.locator(".lang-menu summary").click()
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()
    settle(page)


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_a_korean_browser_sees_korean_then_switches_to_arabic_right_to_left(
    browsing: Browsing, api: Api, width: str
) -> None:
    api.world()
    page, _ = browsing.page(width=width, locale="ko-KR")
    page.goto("/")
    settle(page)
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "ko")
    expect(html).to_have_attribute("dir", "ltr")
    nav = page.get_by_role("navigation", name="주 메뉴")
    expect(nav.get_by_role("link", name="홈")).to_be_visible()
    expect(nav.get_by_role("link", name="로그인")).to_be_visible()
    expect(page.get_by_role("search", name="사이트 검색")).to_be_visible()
    expect(page.locator(".lang-menu summary")).to_contain_text("한국어")
    assert_axe_clean(page)
    screenshot(page, f"languages-ko-home-{width}")

    _choose_language(page, "العربية")
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("navigation", name="القائمة الرئيسية")
           .get_by_role("link", name="الرئيسية")).to_be_visible()
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert cookies["lang"] == "ar"
    # Mirrored: the logo at the right edge, the heading's text starting at the right.
    viewport = page.viewport_size
    assert viewport is not None
    brand = page.locator(".brand").bounding_box()
    header = page.locator(".header-inner").bounding_box()
    assert brand is not None and header is not None
    assert brand["x"] + brand["width"] > header["x"] + header["width"] - 20
    assert brand["x"] > viewport["width"] / 3
    heading = page.locator("main h1").first
    assert heading.evaluate("el => getComputedStyle(el).direction") == "rtl"
    box = heading.bounding_box()
    main_box = page.locator("main").bounding_box()
    assert box is not None and main_box is not None
    text_right = heading.evaluate(
        "el => { const r = document.createRange(); r.selectNodeContents(el);"
        " return r.getBoundingClientRect().right; }")
    assert abs(text_right - (main_box["x"] + main_box["width"])) < 40
    _no_sideways_scroll(page)
    assert_axe_clean(page)
    screenshot(page, f"languages-ar-home-{width}")

    # Another page keeps the language (the cookie), and the menu says which.
    page.goto("/login")
    settle(page)
    expect(html).to_have_attribute("dir", "rtl")
    expect(page.locator(".lang-menu summary")).to_contain_text("العربية")
