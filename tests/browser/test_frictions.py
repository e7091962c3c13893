"""Issue 17's phones and small frictions, at 375 px and 1280 px: the signed-in
header on one line with its links in a menu button's panel, ..."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from playwright.sync_api import FloatRect, Locator, Page, expect

from tests.browser.conftest import (
    PASSWORD,
    Api,
    Browsing,
    User,
    assert_axe_clean,
    screenshot,
    settle,
)

pytestmark = pytest.mark.browser

FINGER = 44  # px: the smallest touch target


def _box(locator: Locator) -> FloatRect:
    box = locator.bounding_box()
    assert box is not None, f"{locator} is not drawn"
    return box


def _no_sideways_scroll(page: Page) -> None:
    viewport = page.viewport_size
    assert viewport is not None
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


@pytest.fixture(scope="module")
def staff(api: Api) -> User:
    """The platform admin, who also runs a city and so moderates: the longest header."""
    root = api.admin()
    # A name no other test module gives (they share one server, and names are unique).
    org = api.org(root, "Gwangalli Bridge Office")
    api.space(root, org["id"], name="Harbour front", description="Piers and ferries")
    return root


def _header_controls(page: Page) -> list[Locator]:
    nav = page.get_by_role("navigation", name="Main")
    return [
        page.get_by_role("search", name="Site search").get_by_role("searchbox"),
        page.get_by_role("search", name="Site search").get_by_role("button", name="Search"),
        nav.get_by_role("link", name="Home"),
        nav.get_by_role("link", name="Moderation"),
        nav.get_by_role("link", name="Admin"),
        nav.get_by_role("link").nth(3),  # the profile, by the person's name
        nav.get_by_role("button", name="Sign out"),
    ]


def test_on_a_phone_the_signed_in_header_is_one_line_and_its_menu_a_disclosure(
    browsing: Browsing, staff: User
) -> None:
    page, _ = browsing.page("phone", user=staff, touch=True)
    page.goto("/")
    settle(page)
    expect(page.locator("#conn")).to_have_text("Live")
    header = page.get_by_role("banner")
    assert _box(header)["height"] < 64, "the header is more than one line"
    toggle = header.get_by_role("button", name="Menu")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_have_attribute("aria-controls", "nav-panel")
    # In sight on the one line: the brand, the bell, the language menu, the button.
    line = [header.get_by_role("link", name="CPS · Civic Participation"),
            header.get_by_role("link", name="Notifications, none unread"),
            header.locator(".lang-menu summary"), toggle]
    for control in line:
        box = _box(control)
        assert box["height"] >= FINGER and box["width"] >= FINGER, (control, box)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).to_be_hidden()
    expect(page.get_by_role("search", name="Site search")).to_be_hidden()
    _no_sideways_scroll(page)
    assert_axe_clean(page)
    screenshot(page, "frictions-header-phone-closed", full_page=False)

    # The keyboard: Tab from the brand to the button, Enter opens, Tab walks the panel.
    line[0].focus()
    page.keyboard.press("Tab")
    expect(toggle).to_be_focused()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(nav).to_be_visible()
    controls = _header_controls(page)
    for control in controls:
        page.keyboard.press("Tab")
        expect(control).to_be_focused()
        box = _box(control)
        assert box["height"] >= FINGER, (control, box)
    expect(nav.get_by_role("link").nth(3)).to_have_text(staff.display_name)
    _no_sideways_scroll(page)
    assert_axe_clean(page)
    screenshot(page, "frictions-header-phone-open", full_page=False)
    # Escape folds it and gives the focus back to the button.
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()
    expect(nav).to_be_hidden()

    # A finger: the button, then a link; the new page starts with the panel folded.
    toggle.tap()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    nav.get_by_role("link", name="Moderation").tap()
    page.wait_for_url("**/moderation")
    settle(page)
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    assert _box(header)["height"] < 64
    # A tap outside the header folds it too.
    toggle.tap()
    expect(nav).to_be_visible()
    page.get_by_role("heading", level=1).tap()
    expect(toggle).to_have_attribute("aria-expanded", "false")


def test_on_a_desktop_the_header_is_one_line_with_every_link_in_sight(
    browsing: Browsing, staff: User
) -> None:
    page, _ = browsing.page("desktop", user=staff)
    page.goto("/")
    settle(page)
    expect(page.locator("#conn")).to_have_text("Live")
    header = page.get_by_role("banner")
    screenshot(page, "frictions-header-desktop", full_page=False)
    assert _box(header)["height"] < 64
    expect(header.get_by_role("button", name="Menu")).to_be_hidden()
    header.get_by_role("link", name="CPS · Civic Participation").focus()
    for control in _header_controls(page):
        page.keyboard.press("Tab")
        expect(control).to_be_focused()
        assert _box(control)["height"] >= FINGER, control
    page.keyboard.press("Tab")
    expect(header.get_by_role("link", name="Notifications, none unread")).to_be_focused()
    assert_axe_clean(page)
    screenshot(page, "frictions-header-desktop", full_page=False)


def test_signed_out_on_a_phone_the_header_has_no_menu_button(browsing: Browsing) -> None:
    page, _ = browsing.page("phone")
    page.goto("/")
    settle(page)
    header = page.get_by_role("banner")
    expect(header.get_by_role("button", name="Menu")).to_be_hidden()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Sign in")).to_be_visible()
    expect(page.get_by_role("search", name="Site search")).to_be_visible()
    _no_sideways_scroll(page)
    screenshot(page, "frictions-header-phone-signed-out", full_page=False)


# ---- analytics on a phone ------------------------------------------------------------

# The size a chart label is drawn at on the screen: its font size in the drawing's
# units times the drawing's scale (the smaller of across and up: a squeezed
# drawing squeezes its words).
LABEL_SIZES = """() => [...document.querySelectorAll('svg.chart text.chart-label')].map((el) => {
  const m = el.getScreenCTM();
  return parseFloat(getComputedStyle(el).fontSize) * Math.min(Math.abs(m.a), Math.abs(m.d));
})"""


def _analytics_page(browsing: Browsing, api: Api, width: str,
                    locale: str | None = None) -> Page:
    """A premium city's analytics, as its admin opens them, with a citizen's reply
    among its posts."""
    w = api.world()
    api.ok("POST", f"/admin/orgs/{w['org']['id']}/tier", api.admin(),
           {"tier": "premium", "reason": "Annual plan"})
    api.post(w["citizen"], w["topic"]["id"], "Protected lanes on the bridge, please")
    page, _ = browsing.page(width, user=w["admin"], locale=locale)
    page.goto(f"/orgs/{w['org']['id']}?view=analytics")
    settle(page)
    return page


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_the_analytics_chart_labels_are_readable_and_the_page_fits(
    browsing: Browsing, api: Api, width: str
) -> None:
    page = _analytics_page(browsing, api, width)
    expect(page.get_by_role("img", name="Posts per day")).to_be_visible()
    sizes = page.evaluate(LABEL_SIZES)
    assert len(sizes) >= 4  # the axis's two numbers and at least two days
    assert min(sizes) >= 12, sizes
    # The day labels do not run into each other.
    boxes = page.evaluate("""() => [...document.querySelectorAll('svg.chart text.chart-label')]
        .slice(2).map((el) => { const b = el.getBoundingClientRect(); return [b.left, b.right]; })""")
    for (_, right), (left, _) in itertools.pairwise(boxes):
        assert right < left, boxes
    _no_sideways_scroll(page)
    _mix_headings_whole(page)
    assert_axe_clean(page)
    screenshot(page, f"frictions-analytics-{width}")


# How many lines each heading of the stakeholder mix takes, word by word: a word cut
# in two ("Participant" / "s") takes two.
# Each word of the text in the elements `selector` picks, with the number of lines it
# is drawn on (1: whole).
WORD_LINES = """(selector) => [...document.querySelectorAll(selector)].flatMap((el) => {
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT), words = [];
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    let at = 0;
    for (const word of text.data.split(' ')) {
      if (word.trim()) {
        const range = document.createRange();
        range.setStart(text, at);
        range.setEnd(text, at + word.length);
        words.push([word, new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size]);
      }
      at += word.length + 1;
    }
  }
  return words;
})"""


def _words_whole(page: Page, selector: str, at_least: int) -> None:
    words = page.evaluate(WORD_LINES, selector)
    assert len(words) >= at_least and all(lines == 1 for _, lines in words), words


def _mix_headings_whole(page: Page) -> None:
    _words_whole(page, "table.mix thead th", 4)


@pytest.mark.parametrize("locale", ["ru", "fr", "es", "tr", "ko", "ar"])
def test_the_stakeholder_mix_keeps_its_words_whole_on_a_phone_in_every_language(
    browsing: Browsing, api: Api, locale: str
) -> None:
    page = _analytics_page(browsing, api, "phone", locale)
    page.locator("table.mix").wait_for()
    _no_sideways_scroll(page)
    _mix_headings_whole(page)
    # The figures above it too: a long word is never cut in two ("Participa-tion").
    _words_whole(page, ".figures dt", 4)
    # Wider than its card in some languages: then it scrolls in its own region, which
    # the keyboard reaches, and no column is cut off at the card's edge.
    region = page.get_by_role("region", name=page.locator("#mix-h").inner_text())
    fits = region.evaluate("(el) => el.scrollWidth <= el.clientWidth")
    hidden_by_card = region.evaluate("""(el) => {
        const card = el.closest('.card').getBoundingClientRect();
        return el.getBoundingClientRect().right > card.right + 0.5; }""")
    assert not hidden_by_card
    if not fits:
        region.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("(el) => el.scrollLeft > 0", arg=region.element_handle())
    assert_axe_clean(page)
    screenshot(page, f"frictions-analytics-phone-{locale}")


@pytest.mark.parametrize("locale", ["ru", "tr"])  # the longest words of the six
def test_an_organizations_responsiveness_keeps_its_words_whole_on_a_phone(
    browsing: Browsing, api: Api, locale: str
) -> None:
    """The figures of a city's answers to its citizens, as anyone reads them on a
    phone: each label's words whole, in every language."""
    w = api.world()
    page, _ = browsing.page("phone", locale=locale)
    page.goto(f"/orgs/{w['org']['id']}?view=responsiveness")
    settle(page)
    page.locator(".report-figures dt").first.wait_for()
    _no_sideways_scroll(page)
    _words_whole(page, ".report-figures dt", 4)
    screenshot(page, f"frictions-responsiveness-phone-{locale}")


# ---- no doubled punctuation ------------------------------------------------------------

DOUBLED = re.compile(r"[.!?…][\"”’»]?[.:]")

FILLED = """async () => {
  const { t } = await import('/static/i18n.js');
  return [
    t('plans.request.sent', { org: 'Busan Port Authority Inc.', tier: 'Premium' }),
    t('post.hidden.reason', { reason: 'Off topic.' }),
    t('arrivals.replyFrom', { name: 'Min-jun', to: 'Where should bike lanes go?' }),
    t('notice.userBanned.until', { until: 'Friday…' }),
    t('form.fieldMessage', { name: 'Refused.', message: 'too long' }),
    t('topicTools.moved', { space: 'Parks' }),
  ];
}"""


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_sentences_made_from_names_and_messages_have_no_doubled_punctuation(
    browsing: Browsing, api: Api, width: str
) -> None:
    page, _ = browsing.page(width)
    page.goto("/login")
    settle(page)
    assert page.evaluate(FILLED) == [
        "Request for the Premium tier sent for Busan Port Authority Inc.",
        "Hidden by a moderator: “Off topic.”",
        "New reply from Min-jun to Where should bike lanes go?",
        "You are banned from a space until Friday…",
        "Refused: too long",
        "Topic moved to Parks.",
    ]
    # As a person meets it: signing in as someone whose name ends with a full stop.
    user = api.user("Park Ji-ho Jr.")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    announcer = page.locator("#announcer")
    expect(announcer).to_contain_text("Signed in as Park Ji-ho Jr.")
    said = announcer.inner_text()
    assert not DOUBLED.search(said), said


# ---- the toasts inside a landmark --------------------------------------------------------

REGION = """async () => {
  const r = await axe.run(document, { runOnly: { type: 'rule', values: ['region'] },
                                      resultTypes: ['violations', 'passes'] });
  return { ran: r.passes.length + r.violations.length,
           violations: r.violations.map((v) => v.nodes.map((n) => n.target.join(' '))) };
}"""


def _region(page: Page) -> dict[str, Any]:
    assert_axe_clean(page)  # loads axe, and every rule at every impact
    result: dict[str, Any] = page.evaluate(REGION)
    return result


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_the_toasts_empty_or_not_sit_in_a_landmark(
    browsing: Browsing, api: Api, width: str
) -> None:
    w = api.world()
    page, _ = browsing.page(width, user=w["admin"])
    page.goto("/")
    settle(page)
    expect(page.locator("#conn")).to_have_text("Live")
    toasts = page.get_by_role("complementary", name="Notifications").locator("#toasts")
    expect(toasts).to_be_empty()
    assert _region(page) == {"ran": 1, "violations": []}
    api.ok("POST", f"/admin/orgs/{w['org']['id']}/tier", api.admin(),
           {"tier": "plus", "reason": "Paid by transfer"})
    expect(toasts.locator(".toast")).to_contain_text("is now on the Plus tier")
    assert _region(page) == {"ran": 1, "violations": []}
    screenshot(page, f"frictions-toast-{width}", full_page=False)


# ---- the platform admin's page follows requests and tiers live ---------------------------


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_the_admin_page_follows_requests_and_approvals_made_elsewhere(
    browsing: Browsing, api: Api, width: str
) -> None:
    root = api.admin()
    w = api.world()
    name = w["org"]["name"]
    page, _ = browsing.page(width, user=root)
    page.goto("/admin")
    settle(page)
    expect(page.locator("#conn")).to_have_text("Live")
    requests = page.locator("section", has=page.get_by_role(
        "heading", name="Pending upgrade requests"))
    row = page.get_by_role("row", name=re.compile(re.escape(name)))
    expect(row).to_contain_text("Free")

    # Asked for on the organization's side: the pending list shows it, no reload.
    req = api.ok("POST", f"/orgs/{w['org']['id']}/upgrade-requests", w["admin"],
                 {"tier": "plus", "note": "The council approved it"}, status=201)["upgrade_request"]
    item = requests.locator("li.request", has_text=name)
    expect(item).to_contain_text("The council approved it")
    _no_sideways_scroll(page)
    assert_axe_clean(page)
    screenshot(page, f"frictions-admin-request-{width}")

    # Approved in another tab: the request leaves the list, the table shows Plus.
    api.ok("POST", f"/admin/upgrade-requests/{req['id']}/approve", root, {"reason": "Paid"})
    expect(item).to_have_count(0)
    expect(row).to_contain_text("Plus")
    assert_axe_clean(page)


@pytest.mark.parametrize("locale", ["ru-RU", "ar"])
def test_the_signed_in_phone_header_is_one_line_in_longer_languages_too(
    browsing: Browsing, staff: User, locale: str
) -> None:
    """The Russian and Arabic words for "Live" took the line's last room: live, the
    status is its dot (its word is still read out)."""
    page, _ = browsing.page("phone", user=staff, locale=locale, touch=True)
    page.goto("/")
    settle(page)
    expect(page.locator("#conn")).to_have_attribute("data-state", "live")
    assert _box(page.get_by_role("banner"))["height"] < 64, locale
    expect(page.locator("#conn .conn-text")).not_to_have_text("")
    _no_sideways_scroll(page)
    assert_axe_clean(page)


def test_a_long_name_keeps_the_desktop_header_on_one_line(browsing: Browsing, api: Api) -> None:
    person = api.user("Tendai D., Minsk city administration, department of mobility")
    page, _ = browsing.page("desktop", user=person)
    page.goto("/")
    settle(page)
    header = page.get_by_role("banner")
    assert _box(header)["height"] < 64
    me = page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Tendai D., Minsk city administration, department of mobility")
    expect(me).to_be_visible()
    assert_axe_clean(page)
