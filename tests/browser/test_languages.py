"""Issue 20 in the browser, as a new person meets it: a browser that asks for
Korean gets the site in Korean; the language menu (on every page) switches it to
Arabic and the whole page lays out right to left (the header's logo on the
right, text starting at the right); the choice is kept in the `lang` cookie;
axe stays clean in every language; 375 px and 1280 px (with CPS_SCREENSHOTS=1,
screenshots in tests/screenshots/languages-*)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

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
    # Korean breaks between words: the search button's word stays on one line.
    go = page.get_by_role("search", name="사이트 검색").get_by_role("button")
    assert go.evaluate("b => { const r = document.createRange(); r.selectNodeContents(b);"
                       " return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size }") == 1
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


def _set_language(ctx: BrowserContext, base_url: str, code: str) -> None:
    ctx.add_cookies([{"name": "lang", "value": code, "url": base_url}])


def _main_pages(w: dict[str, Any]) -> list[tuple[str, str]]:
    return [("home", "/"), ("org", f"/orgs/{w['org']['id']}"), ("space", f"/spaces/{w['space']['id']}"),
            ("topic", f"/topics/{w['topic']['id']}"), ("login", "/login"), ("signup", "/signup"),
            ("search", "/search?q=bike")]


# English is test_all_pages.py's language (these pages at both widths, both schemes).
# A language changes the words, not the layout: every one is checked on a phone, where
# long words overflow first; at 1280 px, the right-to-left one and the longest words.
TRANSLATED_WIDTHS = {code: ("phone", "desktop") if code in ("ar", "ru") else ("phone",)
                     for code in LANGUAGES if code != "en"}


@pytest.mark.parametrize("code", list(TRANSLATED_WIDTHS))
def test_the_main_pages_are_axe_clean_in_every_language(
    browsing: Browsing, api: Api, code: str
) -> None:
    w = api.world()
    for width in TRANSLATED_WIDTHS[code]:
        ctx, _ = browsing.context(width=width)
        _set_language(ctx, browsing.server.base_url, code)
        page = ctx.new_page()
        for name, path in _main_pages(dict(w)):
            page.goto(path)
            settle(page)
            expect(page.locator("html")).to_have_attribute("lang", code)
            expect(page.locator("html")).to_have_attribute("dir", "rtl" if code == "ar" else "ltr")
            _no_sideways_scroll(page)
            assert_axe_clean(page)
            if name in ("home", "topic"):
                screenshot(page, f"languages-{code}-{name}-{width}")


# The pseudo-locale: every string from the catalogue comes out as ⟦…⟧, so any
# other words on the page were written into the code (or are the data itself).
_VISIBLE_TEXTS = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    // Not words of the site: the language menu (each language's own name),
    // dates, posts, search results' marked text (the data, cut by <mark>),
    // and search operators (<code>: the server's syntax).
    if (!el || el.closest("script, style, noscript, template, .lang-menu, time, .prose, mark, "
      + ".search-snippet, .search-title, code")) continue;
    if (el.closest("[hidden]") || !n.textContent.trim()) continue;
    // Words marked as another language than the page's (a language's own name in a
    // language filter, lang="ko") are that language's, not the site's.
    const own = el.closest("[lang]");
    if (own && own !== document.documentElement) continue;
    out.push(n.textContent);
  }
  for (const el of document.querySelectorAll("[aria-label], [title], [placeholder], [alt]")) {
    if (el.closest(".lang-menu, time")) continue;
    for (const a of ["aria-label", "title", "placeholder", "alt"]) {
      const v = el.getAttribute(a);
      if (v && v.trim()) out.push(v);
    }
  }
  out.push(document.title);
  return out;
}"""


def _leftover_words(texts: list[str], data: list[str]) -> list[str]:
    """The words of `texts` that are neither in ⟦…⟧ nor the data the test made."""
    left = []
    for text in texts:
        rest = re.sub(r"⟦[^⟧]*⟧", " ", text)
        for value in sorted(data, key=len, reverse=True):
            rest = rest.replace(value, " ")
        # The product's name, handles, and a device read from its User-Agent
        # (a browser's and a system's names, or the raw agent).
        rest = re.sub(r"\bCPS\b|@[\w.-]+|\S+/[\d.]+|\b(?:Chrome|Chromium|Linux)\b", " ", rest)
        if re.search(r"[^\W\d_]{2,}", rest):
            left.append(text)
    return left


def _strings_of(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings_of(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings_of(v)]
    return [s for v in getattr(value, "__dict__", {}).values() for s in _strings_of(v)]


def _site_data(page: Page) -> list[str]:
    """Every organization's, space's and latest topic's words the home page may
    show (the browser tests share one server: other tests' data is there too)."""
    out: list[str] = []
    for org in page.request.get("/api/v1/orgs").json()["orgs"]:
        out += _strings_of({k: org.get(k) for k in ("name", "country", "region")})
        for space in page.request.get(f"/api/v1/orgs/{org['id']}/spaces").json()["spaces"]:
            out.append(space["name"])
            topics = page.request.get(f"/api/v1/spaces/{space['id']}/topics?limit=3").json()
            out += [t["title"] for t in topics["topics"]]
    return [s for s in out if len(s) > 1]


def test_every_word_on_the_main_pages_comes_from_the_catalogue(
    browsing: Browsing, api: Api
) -> None:
    """With the pseudo-locale (cookie lang=qps) every catalogue string is marked;
    a hard-coded word anywhere on these pages, in text or in an aria-label,
    title or placeholder, fails. Signed in (more of the page is drawn)."""
    w = api.world()
    data = [s for s in _strings_of(dict(w)) if len(s) > 1] + ["bike"]
    ctx, _ = browsing.context(user=w["citizen"])
    _set_language(ctx, browsing.server.base_url, "qps")
    page = ctx.new_page()
    data += _site_data(page)
    # What the search page finds: other tests' posts about bikes too, by their authors.
    data += [s for s in _strings_of(page.request.get("/api/v1/search?q=bike").json())
             if len(s) > 1]
    for _name, path in [*_main_pages(dict(w)), ("profile", "/profile"),
                        ("notifications", "/notifications")]:
        page.goto(path)
        settle(page)
        page.wait_for_timeout(300)  # the late parts (activity, polls) draw after the page
        texts = page.evaluate(_VISIBLE_TEXTS)
        assert any("⟦" in t for t in texts), path
        left = _leftover_words(texts, data)
        assert left == [], f"{path}: {left}"


def test_the_pseudo_locale_check_fails_on_a_hard_coded_word(
    browsing: Browsing, api: Api
) -> None:
    """The check above really fails: the same page with one word written into
    it by hand (as a module that forgot t() would) is caught."""
    w = api.world()
    data = [s for s in _strings_of(dict(w)) if len(s) > 1]
    ctx, _ = browsing.context()
    _set_language(ctx, browsing.server.base_url, "qps")
    page = ctx.new_page()
    page.goto(f"/topics/{w['topic']['id']}")
    settle(page)
    assert _leftover_words(page.evaluate(_VISIBLE_TEXTS), data) == []
    page.evaluate("""() => { const b = document.createElement("button");
      b.textContent = "Share this"; document.querySelector("main").append(b); }""")
    assert _leftover_words(page.evaluate(_VISIBLE_TEXTS), data) == ["Share this"]
    page.evaluate("""() => document.querySelector("main h1").setAttribute("title", "Topic title")""")
    assert "Topic title" in _leftover_words(page.evaluate(_VISIBLE_TEXTS), data)


KOREAN_POST = "서울시 마포구 망원동 주민입니다. 한강 자전거 도로와 연결되는 길이 너무 좁아서 아이들과 함께 다니기가 위험합니다."


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_a_taken_email_is_refused_in_arabic_and_a_korean_post_is_marked_and_found(
    browsing: Browsing, api: Api, width: str
) -> None:
    """The rest of issue 20's Done-when, as a person meets it: in Arabic, a
    sign-up with an email already taken answers in Arabic (the server's
    catalogue); a Korean post carries lang="ko" on its text, and a search
    filtered to Korean (lang:ko) finds it. Needs the server half of issue 20
    (H6: posts' lang, the lang: filter, error messages in Arabic); until it is
    on main this test says so instead of failing."""
    spec = browsing.browser.new_context(base_url=browsing.server.base_url)
    search = spec.request.get("/api/v1/openapi.json").json()["paths"]["/api/v1/search"]["get"]
    spec.close()
    if not any(p["name"] == "lang" for p in search.get("parameters", [])):
        pytest.skip("the server has no language filter yet (issue 20's server half)")
    w = api.world()
    ctx, watch = browsing.context(width=width, locale="ko-KR")
    watch.expect_console("status of 409 (Conflict)")  # the taken email, answered
    page = ctx.new_page()
    page.goto("/signup")
    settle(page)
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    _choose_language(page, "العربية")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.get_by_label("الاسم المعروض").fill("مواطن جديد")
    page.get_by_label("البريد الإلكتروني").fill(w["citizen"].email)
    page.get_by_label("كلمة المرور").fill("olive trees by the old well")
    page.get_by_role("button", name="إنشاء الحساب").click()
    error = page.locator(".field-error, .form-error").first
    expect(error).to_be_visible()
    message = error.inner_text()
    assert re.search(r"[\u0600-\u06FF]{3}", message), message
    assert not re.search(r"[A-Za-z]{4}", message), message
    assert_axe_clean(page)
    screenshot(page, f"languages-ar-signup-taken-{width}")

    post = api.post(w["citizen"], w["topic"]["id"], KOREAN_POST)
    assert post["lang"] == "ko"
    page.goto(f"/topics/{w['topic']['id']}")
    settle(page)
    body = page.locator(f"#post-{post['id']} .prose")
    expect(body).to_have_attribute("lang", "ko")
    expect(body).to_contain_text("망원동")
    # The first post, in English, is marked as such, not as Korean.
    expect(page.locator(f"#post-{w['first_post']['id']} .prose")).not_to_have_attribute("lang", "ko")

    page.goto("/search?q=" + "자전거 lang:ko")
    settle(page)
    # This post among the results (the server is shared: the phone run's is too).
    found = page.locator(f".search-results a[href='/topics/{w['topic']['id']}#post-{post['id']}']")
    expect(found).to_have_count(1)
    page.goto("/search?q=" + "자전거 lang:ar")
    settle(page)
    expect(page.locator(".search-results > li")).to_have_count(0)
    _no_sideways_scroll(page)
    screenshot(page, f"languages-ar-search-{width}")
