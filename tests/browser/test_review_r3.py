"""Review R3 (issues 15, 16, 18) driven in Chromium as their people would, at 375 and
1280 px: a mention typed with the keyboard only through the @ autocomplete, the bell
in two tabs, follow levels on a topic and a space; /search from the header with
operators as people type them, a Korean word, the empty and the error states; a
premium city's round voted with the keyboard, what a citizen is not offered, and a
round after a downgrade. Every page axe-clean, no sideways scroll, no raw ISO date."""

from __future__ import annotations

import itertools
import re
import time
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    Api,
    Browsing,
    User,
    assert_axe_clean,
    main_nav,
    screenshot,
    settle,
)

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
        main_nav(page)  # on a phone the search box is in the header's menu
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


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_a_citizen_votes_a_round_with_the_keyboard_and_is_offered_only_what_they_may(
    browsing: Browsing, api: Api, width: str
) -> None:
    w = api.world()
    org, topic = w["org"], w["topic"]
    platform = api.admin()
    api.ok("POST", f"/admin/orgs/{org['id']}/tier", platform,
           {"tier": "premium", "reason": "Consultation season"})
    statements = ["Buses should run all night", "Close the river road to cars",
                  "Parking should cost more", "Bike lanes before bus lanes"]
    round_ = api.ok("POST", f"/topics/{topic['id']}/consensus", w["admin"],
                    {"prompt": "How should the city move at night?",
                     "statements": statements})["round"]
    citizen = api.user(f"Keyboard Voter {next(_n)}")
    page, _ = browsing.page(width=width, user=citizen)
    page.goto(f"/topics/{topic['id']}")
    settle(page)
    panel = page.get_by_role("region", name="Consensus map")
    expect(panel.locator(".cmap-prompt")).to_have_text("How should the city move at night?")
    # A citizen is not offered what only moderators may do.
    for name in ("Open a consensus round", "Close round", "Accept", "Reject"):
        expect(page.get_by_role("button", name=name)).to_have_count(0)

    # Keyboard only: Tab reaches "Agree", Enter votes; the focus stays in the panel.
    panel.get_by_role("button", name="Agree", exact=True).focus()
    _focus_visible(page)
    for i, _ in enumerate(statements):
        shown = panel.locator(".cmap-statement").inner_text()
        panel.get_by_role("button", name="Agree", exact=True).focus()
        page.keyboard.press("Enter")
        if i < len(statements) - 1:  # the vote counted, the card shows the next statement
            expect(panel.locator(".cmap-statement")).not_to_have_text(shown)
    expect(panel.get_by_text("You have voted on every statement.")).to_be_visible()
    assert page.evaluate("document.activeElement.closest('.consensus') !== null")

    # Others vote over the API, in two camps; the map and groups follow live.
    for i in range(12):
        voter = api.user(f"Camp voter {i} {width}")
        for j, statement in enumerate(round_["statements"]):
            vote = "agree" if j == 0 or (i % 2 == 0) == (j % 2 == 0) else "disagree"
            api.ok("PUT", f"/consensus/{round_['id']}/statements/{statement['id']}/vote",
                   voter, {"vote": vote})
    expect(page.locator(".cmap-groups tbody tr")).to_have_count(2, timeout=15_000)
    expect(page.locator(".cmap-me")).to_have_count(1)
    expect(page.locator(".cmap-consensus li").first).to_contain_text(statements[0])
    text = page.locator("main").inner_text()
    for other in ("Camp voter", "Mina Park voted"):
        assert other not in text  # never who voted what
    _readable(page, f"r3-consensus-{width}")

    # After a downgrade the round is read, not voted: no buttons the server would refuse.
    api.ok("POST", f"/admin/orgs/{org['id']}/tier", platform,
           {"tier": "free", "reason": "Season over"})
    page.reload()
    settle(page)
    expect(page.locator(".cmap-groups tbody tr")).to_have_count(2)
    expect(page.locator(".cmap-choice")).to_have_count(0)
    expect(panel.get_by_role("button", name="Agree", exact=True)).to_have_count(0)
    expect(page.get_by_label("Propose a statement")).to_have_count(0)
    _readable(page, f"r3-consensus-downgraded-{width}")

    # The moderator can still close it, from the page.
    mod, _ = browsing.page(width=width, user=w["admin"])
    mod.goto(f"/topics/{topic['id']}")
    settle(mod)
    mod.get_by_role("button", name="Close round").click()
    expect(mod.get_by_text("This round is closed: its map is final.")).to_be_visible()
    _readable(mod, f"r3-consensus-closed-{width}")


# The page's fetch, slowed where a test says: `readAfterVote` holds the round's first
# read after a vote has answered (the vote's own read; a live event's comes 250 ms
# after its event) for 3 s; `vote` holds a vote for 6 s before it is sent.
SLOW_FETCH = """([readAfterVote, vote]) => {
    const original = window.fetch;
    const wait = (ms) => new Promise((done) => setTimeout(done, ms));
    let voted = false, held = false;
    window.fetch = async (input, init) => {
        const url = String(input && input.url ? input.url : input);
        const method = (init && init.method) || "GET";
        if (vote && method === "PUT" && /\\/vote$/.test(url)) {
            window.voteHeld = true;
            await wait(6000);
        }
        if (readAfterVote && voted && !held && method === "GET" && /\\/consensus\\/\\d+$/.test(url)) {
            held = true;
            await wait(3000);
            window.readAnswered = true;
        }
        const answer = await original(input, init);
        if (method === "PUT" && /\\/vote$/.test(url)) voted = true;
        return answer;
    };
}"""


def _until(page: Page, expression: str, seconds: float = 10) -> None:
    """Wait until `expression` is true in the page (wait_for_function evaluates its
    string with eval, which the page's CSP refuses)."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {seconds} s: {expression}"
        page.wait_for_timeout(50)


def _round_page(browsing: Browsing, api: Api, statements: list[str], width: str = "desktop"
                ) -> tuple[Page, dict[str, Any], User]:
    w = api.world()
    api.ok("POST", f"/admin/orgs/{w['org']['id']}/tier", api.admin(),
           {"tier": "premium", "reason": "Consultation season"})
    round_ = api.ok("POST", f"/topics/{w['topic']['id']}/consensus", w["admin"],
                    {"prompt": "Night buses?", "statements": statements})["round"]
    voter = api.user(f"Slow Voter {next(_n)}")
    page, _ = browsing.page(width=width, user=voter)
    page.goto(f"/topics/{w['topic']['id']}")
    settle(page)
    return page, round_, voter


def test_the_last_vote_keeps_the_focus_when_the_live_redraw_comes_first(
    browsing: Browsing, api: Api
) -> None:
    """On a slow network the round's live event can redraw the panel before the
    vote's own read answers: the focus, dropped to the page by the disabled
    button, is back in the panel as soon as "voted on every statement" shows; and
    a reader who went to the reply box meanwhile stays there when the read answers."""
    for goes_elsewhere in (False, True):
        page, _, _ = _round_page(browsing, api, ["Buses should run all night"])
        panel = page.get_by_role("region", name="Consensus map")
        page.evaluate(SLOW_FETCH, [True, False])
        panel.get_by_role("button", name="Agree", exact=True).focus()
        page.keyboard.press("Enter")
        if goes_elsewhere:
            box = page.locator(".composer textarea").first
            box.focus()
            _until(page, "window.readAnswered === true")
            page.wait_for_timeout(500)  # the round's next statement, then the redraw
            assert page.evaluate("document.activeElement.closest('.composer') !== null")
        else:
            expect(panel.get_by_text("You have voted on every statement.")).to_be_visible(
                timeout=2500)
            assert page.evaluate("document.activeElement.closest('.consensus') !== null")


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_a_live_redraw_during_a_vote_offers_no_second_vote_on_its_statement(
    browsing: Browsing, api: Api, width: str
) -> None:
    """Someone else votes while my vote is on its way: the live redraw shows my
    statement again (the server has not had my vote yet), its buttons disabled and
    the focus on its card, so a second Enter cannot turn my Disagree into Agree."""
    page, round_, voter = _round_page(browsing, api, ["Buses should run all night",
                                                      "Trams are worth their cost"], width)
    panel = page.get_by_role("region", name="Consensus map")
    page.evaluate(SLOW_FETCH, [False, True])
    panel.get_by_role("button", name="Disagree", exact=True).focus()
    page.keyboard.press("Enter")
    _until(page, "window.voteHeld === true")
    first = round_["statements"][0]
    api.ok("PUT", f"/consensus/{round_['id']}/statements/{first['id']}/vote",
           api.user(f"Other Voter {next(_n)}"), {"vote": "agree"})
    expect(panel.locator(".cmap-choice-agree")).to_be_disabled()  # the live redraw
    expect(panel.locator(".cmap-statement")).to_have_text("Buses should run all night")
    assert page.evaluate("document.activeElement.classList.contains('cmap-vote')")
    _readable(page, f"r3-consensus-vote-in-flight-{width}")
    page.keyboard.press("Enter")
    expect(panel.locator(".cmap-statement")).to_have_text("Trams are worth their cost",
                                                          timeout=10_000)
    mine = api.ok("GET", f"/consensus/{round_['id']}", voter)["round"]["statements"]
    assert [s["my_vote"] for s in mine] == ["disagree", None]


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_the_keyboard_keeps_its_place_on_the_notifications_page(
    browsing: Browsing, api: Api, width: str
) -> None:
    """Found in review: "Show older notifications" and "Mark as read" disabled the
    focused button and the focus fell to the page's body (the next Tab started at the
    top of the page). Fixed in web/static/pages/notifications.js."""
    w = api.world()
    n = next(_n)
    citizen = api.user(f"Paging Reader {n}")
    handle = api.ok("GET", "/me", citizen)["user"]["handle"]
    for k in range(22):  # one mention per topic: 22 notifications, not collapsed
        api.topic(w["admin"], w["space"]["id"], f"Street {k} of {n}", f"@{handle} your view?")
    assert api.ok("GET", "/notifications", citizen)["unread_count"] == 22
    page, _ = browsing.page(width=width, user=citizen)
    page.goto("/notifications")
    settle(page)
    items = page.locator("li.notification")
    expect(items).to_have_count(20)
    more = page.get_by_role("button", name="Show older notifications")
    more.focus()
    _focus_visible(page)
    page.keyboard.press("Enter")
    expect(items).to_have_count(22)
    expect(items.nth(20).get_by_role("link")).to_be_focused()

    third = items.nth(2)
    third.get_by_role("button", name=re.compile("^Mark as read")).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Notifications 21 unread")).to_be_visible()
    expect(items.nth(2).get_by_role("link")).to_be_focused()
    _readable(page, f"r3-notifications-paged-{width}")
