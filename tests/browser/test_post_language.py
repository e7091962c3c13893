"""A post's language in the browser (issue 20, docs/languages.md): the author
says it in the composer's "Language" choice or leaves it to detection, the post
carries it as `lang`, and a post in another language than the page's says which;
an edit shows the post's language and may change it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Api, Browsing, assert_axe_clean, screenshot, settle

pytestmark = pytest.mark.browser

KOREAN = "망원동 주민입니다. 한강 자전거 도로로 이어지는 길이 좁아서 아이들과 다니기가 위험합니다."
KOREAN_AGAIN = "합정역 앞 횡단보도는 신호가 너무 짧아서 어르신들이 다 건너지 못합니다."


def _write(page: Page, text: str, language: str | None = None) -> Locator:
    """Posts `text` from the composer at the foot of the thread; the new post."""
    composer = page.locator("#compose-h").locator("xpath=..")
    composer.get_by_role("textbox", name="Your post").fill(text)
    choice = composer.get_by_role("combobox", name="Language")
    expect(choice).to_have_value("")  # "Detect automatically" until the author says
    if language is not None:
        choice.select_option(language)
    composer.get_by_role("button", name="Post", exact=True).click()
    post = page.locator(".post").filter(has_text=text[:20])
    expect(post).to_have_count(1)
    return post


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_the_author_overrides_the_detected_language_from_the_composer(
    browsing: Browsing, api: Api, width: str
) -> None:
    w = api.world()
    page, _ = browsing.page(width=width, user=w["citizen"])
    page.goto(f"/topics/{w['topic']['id']}")
    settle(page)
    composer = page.locator("#compose-h").locator("xpath=..")
    choice = composer.get_by_role("combobox", name="Language")
    expect(choice.locator("option").first).to_have_text("Detect automatically")
    # The languages are named in themselves, and marked as such for screen readers.
    expect(choice.locator("option[value=ko]")).to_have_text("한국어")
    expect(choice.locator("option[value=ko]")).to_have_attribute("lang", "ko")
    expect(choice.locator("option[value=az]")).to_have_attribute("lang", "az")
    # Kabul's language too, though the browser's Intl knows only its English name.
    expect(choice.locator("option[value=ps]")).to_have_text("پښتو")
    expect(choice.locator("option[value=fa]")).to_have_text("فارسی")

    # Korean text said to be Spanish: the author's word wins.
    said = _write(page, KOREAN, "es")
    expect(said.locator(".prose")).to_have_attribute("lang", "es")
    expect(said.locator(".post-lang")).to_have_text("· in Spanish")
    # Left to detection, Korean text is Korean.
    detected = _write(page, KOREAN_AGAIN)
    expect(detected.locator(".prose")).to_have_attribute("lang", "ko")
    expect(detected.locator(".post-lang")).to_have_text("· in Korean")
    # The page's own language is not said: the world's first post is English.
    first = page.locator(f"#post-{w['first_post']['id']}")
    expect(first.locator(".prose")).to_have_attribute("lang", "en")
    expect(first.locator(".post-lang")).to_have_count(0)
    # Reloaded, the server's answer says the same.
    page.reload()
    settle(page)
    said = page.locator(".post").filter(has_text=KOREAN[:20])
    expect(said.locator(".prose")).to_have_attribute("lang", "es")
    viewport = page.viewport_size
    assert viewport is not None
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert_axe_clean(page)
    screenshot(page, f"post-language-composer-{width}")


def test_an_edit_shows_the_posts_language_and_may_change_it(
    browsing: Browsing, api: Api
) -> None:
    w = api.world()
    posted = api.post(w["citizen"], w["topic"]["id"], KOREAN)
    assert posted["lang"] == "ko"
    page, _ = browsing.page(user=w["citizen"])
    page.goto(f"/topics/{w['topic']['id']}")
    settle(page)
    post = page.locator(f"#post-{posted['id']}")
    post.get_by_role("button", name="Edit").click()
    choice = post.get_by_role("combobox", name="Language")
    expect(choice).to_have_value("ko")
    choice.select_option("es")
    post.get_by_role("button", name="Save").click()
    expect(post.locator(".prose")).to_have_attribute("lang", "es")
    stored = api.posts(w["topic"]["id"])
    assert [p["lang"] for p in stored if p["id"] == posted["id"]] == ["es"]
    # Left as it shows, the language is not sent: the text alone changes.
    post.get_by_role("button", name="Edit").click()
    expect(post.get_by_role("combobox", name="Language")).to_have_value("es")
    post.get_by_role("textbox").fill(KOREAN_AGAIN)
    post.get_by_role("button", name="Save").click()
    expect(post.locator(".prose")).to_contain_text("합정역")
    expect(post.locator(".prose")).to_have_attribute("lang", "es")  # the author said so before
    assert_axe_clean(page)


def test_a_post_in_the_pages_language_says_nothing_more(
    browsing: Browsing, api: Api
) -> None:
    w = api.world()
    posted = api.post(w["citizen"], w["topic"]["id"], KOREAN)
    ctx, _ = browsing.context(locale="ko-KR")
    page = ctx.new_page()
    page.goto(f"/topics/{w['topic']['id']}")
    settle(page)
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.locator(f"#post-{posted['id']} .post-lang")).to_have_count(0)
    # The English first post, on a Korean page, is said to be in English (in Korean).
    expect(page.locator(f"#post-{w['first_post']['id']} .post-lang")).to_have_text("· 언어: 영어")


def test_a_topic_is_opened_in_the_language_its_author_says(
    browsing: Browsing, api: Api
) -> None:
    w = api.world()
    page, _ = browsing.page(user=w["citizen"])
    page.goto(f"/spaces/{w['space']['id']}")
    settle(page)
    form = page.locator("form[aria-labelledby=new-topic-h]")
    form.get_by_label("Title").fill("망원동 자전거 길")
    form.get_by_role("textbox", name="What do you want to discuss?").fill(KOREAN)
    choice = form.get_by_role("combobox", name="Language of the topic")
    expect(choice).to_have_value("")
    choice.select_option("es")
    with page.expect_navigation():
        form.get_by_role("button", name="Start topic").click()
    settle(page)
    expect(page.locator("main h1")).to_have_text("망원동 자전거 길")
    expect(page.locator(".post .prose").first).to_have_attribute("lang", "es")


# Each element that shows words people wrote, and whose direction is its own.
_DIRECTION = "el => getComputedStyle(el).direction"


def _direction(page: Page, selector: str) -> str:
    element = page.locator(selector).first
    expect(element).to_be_visible()
    direction: str = element.evaluate(_DIRECTION)
    return direction


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_english_words_people_wrote_read_left_to_right_on_arabic_pages(
    browsing: Browsing, api: Api, width: str
) -> None:
    """dir="auto" on titles, names, space and organization names and search
    excerpts: on a right-to-left page, an English title runs left to right."""
    w = api.world()
    arabic = api.topic(w["citizen"], w["space"]["id"], "ممرات الدراجات في البلدة القديمة",
                       "نريد ممرات آمنة للدراجات قرب المدرسة والسوق.")
    ctx, _ = browsing.context(width=width, user=w["citizen"])
    ctx.add_cookies([{"name": "lang", "value": "ar", "url": browsing.server.base_url}])
    page = ctx.new_page()
    page.goto(f"/topics/{w['topic']['id']}")
    settle(page)
    assert page.locator("html").evaluate(_DIRECTION) == "rtl"
    assert _direction(page, "main h1") == "ltr"  # "Where should bike lanes go?"
    assert _direction(page, ".breadcrumb li:last-child span") == "ltr"
    assert _direction(page, f"#post-{w['first_post']['id']} .author") == "ltr"
    assert _direction(page, ".topic-head bdi") == "ltr"  # the author in "Started by …"
    # The sentence around it stays the page's.
    assert _direction(page, ".topic-head p.muted") == "rtl"
    assert_axe_clean(page)
    screenshot(page, f"mixed-direction-ar-topic-{width}")

    page.goto(f"/spaces/{w['space']['id']}")
    settle(page)
    assert _direction(page, "main h1") == "ltr"
    assert _direction(page, f"#topic-{w['topic']['id']} h3 a") == "ltr"
    assert _direction(page, f"#topic-{arabic['id']} h3 a") == "rtl"

    page.goto(f"/orgs/{w['org']['id']}")
    settle(page)
    assert _direction(page, "main h1 span[dir]") == "ltr"

    page.goto("/search?q=bike")
    settle(page)
    assert _direction(page, ".search-title span[dir], .search-title bdi") == "ltr"
    # A post's excerpt (a topic's result is its title alone).
    api.post(w["citizen"], w["topic"]["id"], f"Painted lanes by the {width}ward market")
    page.goto(f"/search?q={width}ward&kind=post")
    settle(page)
    assert _direction(page, ".search-snippet") == "ltr"
    assert_axe_clean(page)

    # And the other way round: an Arabic title on an English page reads right to left.
    ctx.add_cookies([{"name": "lang", "value": "en", "url": browsing.server.base_url}])
    page.goto(f"/topics/{arabic['id']}")
    settle(page)
    assert page.locator("html").evaluate(_DIRECTION) == "ltr"
    assert _direction(page, "main h1") == "rtl"
