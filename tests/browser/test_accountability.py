"""Civic accountability in the browser, as its people use it (issue 14): a citizen
asks Seoul a question; a Seoul official's reply answers it and the citizen, in a
second window, sees the Official mark and the status move live; a question past
its target shows as overdue in the list and on its page; a moderator turns a
discussion into a question and declines it with a reason; an org admin names and
removes officials; the network page ranks the cities, in a real table, with a chart
of time to answer drawn as SVG; the space's and the organization's reports are
linked from their pages. Every page at 375 px and 1280 px: axe-core clean (every
impact), no sideways scroll, no raw id or ISO date in what it says."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Api, Browsing, User, assert_axe_clean, screenshot, settle
from tests.support.servers import AppServer

pytestmark = pytest.mark.browser

WIDTHS = ["phone", "desktop"]
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass
class City:
    admin: User
    org: dict[str, Any]
    space: dict[str, Any]
    official: User


@dataclass
class Cities:
    seoul: City
    busan: City
    daejeon: City
    citizen: User


def _city(api: Api, name: str, space: str, admin: str, official: str) -> City:
    boss = api.user(admin, "government")
    org = api.org(boss, name, "Korea")
    room = api.space(boss, org["id"], "public", name=space,
                     description=f"Questions and talk about {space.lower()}")
    person = api.user(official, "government")
    api.ok("POST", f"/orgs/{org['id']}/officials", boss, {"user_id": person.id})
    return City(boss, org, room, person)


@pytest.fixture(scope="module")
def cities(api: Api) -> Cities:
    return Cities(
        seoul=_city(api, "Seoul Metropolitan Government", "Mobility", "Mina Park", "Jiwoo Han"),
        busan=_city(api, "Busan Metropolitan City", "Harbour", "Do-yun Seo", "Seo-yeon Lee"),
        daejeon=_city(api, "Daejeon Metropolitan City", "Science town", "Ara Choi", "Min-jun Kang"),
        citizen=api.user("Hana Kim"),
    )


def ask(api: Api, user: User, space_id: int, title: str) -> dict[str, Any]:
    body = api.ok("POST", f"/spaces/{space_id}/topics", user,
                  {"title": title, "body": "Please tell us.", "kind": "question"})
    return dict(body["topic"])


def backdate(server: AppServer, topic_id: int, days: int) -> None:
    """The question was asked `days` days ago (and so is due that much earlier), its
    topic opened then: the one thing here no API call can do."""
    shift = f"-{days} days"
    with sqlite3.connect(server.workdir / "cps.db") as db:
        db.execute("UPDATE questions SET asked_at = datetime(asked_at, ?),"
                   " due_at = datetime(due_at, ?) WHERE topic_id = ?", (shift, shift, topic_id))
        db.execute("UPDATE question_changes SET created_at = datetime(created_at, ?)"
                   " WHERE topic_id = ?", (shift, topic_id))
        db.execute("UPDATE topics SET created_at = datetime(created_at, ?),"
                   " last_activity_at = datetime(last_activity_at, ?) WHERE id = ?",
                   (shift, shift, topic_id))
        db.execute("UPDATE posts SET created_at = datetime(created_at, ?) WHERE topic_id = ?",
                   (shift, topic_id))


def assert_readable(page: Page) -> None:
    """Fits the screen, and says dates and people in words, not as data."""
    viewport = page.viewport_size
    assert viewport is not None  # the harness opens every context with a viewport
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    text = page.locator("main").inner_text()
    assert not ISO_DATE.search(text), ISO_DATE.findall(text)
    assert not re.search(r"\b(user|id) \d+", text, re.IGNORECASE), text


def check(page: Page, name: str) -> None:
    settle(page)
    assert_readable(page)
    assert_axe_clean(page)
    screenshot(page, name)


def question_of(page: Page) -> Locator:
    return page.get_by_role("region", name=re.compile("^A question to"))


def current_step(page: Page) -> Locator:
    return question_of(page).locator('[aria-current="step"]')


@pytest.mark.parametrize("width", WIDTHS)
def test_a_citizen_asks_seoul_and_sees_the_official_answer_live(
    browsing: Browsing, cities: Cities, width: str
) -> None:
    seoul = cities.seoul
    page, _ = browsing.page(width, user=cities.citizen)
    page.goto(f"/spaces/{seoul.space['id']}")
    settle(page)
    page.get_by_label("Ask the city a question").check()
    expect(page.get_by_text("Seoul Metropolitan Government is asked to answer within 14 days")).to_be_visible()
    page.get_by_label("Your question, in one line").fill("When will the Jongno bike lane open?")
    page.get_by_label("Details: what you want to know, and why").fill("It was promised for spring.")
    check(page, f"accountability-ask-{width}")
    page.get_by_role("button", name="Ask the question").click()
    page.wait_for_url(re.compile(r"/topics/\d+$"))
    settle(page)
    topic_id = int(page.url.rsplit("/", 1)[1])
    expect(current_step(page)).to_contain_text("Asked")
    expect(question_of(page)).to_contain_text("An answer is due by")
    expect(page.get_by_role("form", name="Update the question")).to_have_count(0)
    expect(question_of(page).get_by_role("list", name="History")).to_contain_text("Asked: Open")

    # The official, in a window of their own, answers with a post.
    official, _ = browsing.page(width, user=seoul.official)
    official.goto(f"/topics/{topic_id}")
    settle(official)
    expect(official.get_by_role("form", name="Update the question")).to_be_visible()
    official.get_by_role("textbox", name="Your post").fill("The lane opens on 2 May; the works start next week.")
    expect(official.get_by_label("This post answers the question")).to_be_checked()
    official.get_by_role("button", name="Post", exact=True).click()

    # The citizen sees it arrive, marked, and the question answered.
    answer = page.get_by_role("article", name=re.compile("The answer to this question · Official answer"))
    expect(answer).to_contain_text("The lane opens on 2 May")
    expect(answer.get_by_text("Official, Seoul Metropolitan Government")).to_be_visible()
    expect(current_step(page)).to_contain_text("Answered")
    expect(question_of(page)).to_contain_text("within the target")
    history = question_of(page).get_by_role("list", name="History")
    expect(history.get_by_role("listitem").nth(1)).to_contain_text("by Jiwoo Han")
    took_part = page.get_by_role("region", name="Who took part")
    expect(took_part).to_contain_text("2 of 5 kinds of stakeholder: 1 citizen and 1 government participant.")
    check(page, f"accountability-answered-{width}")
    expect(official.get_by_label("This post answers the question")).to_be_hidden()  # answered now

    # The official says the works have begun; the citizen's page follows.
    official.get_by_label("New status").select_option("in_progress")
    official.get_by_label(re.compile("^Note")).fill("The contract is signed.")
    official.get_by_role("button", name="Update status").click()
    expect(current_step(page)).to_contain_text("In progress")
    expect(history).to_contain_text("The contract is signed.")
    expect(page.locator(".badges")).to_contain_text("In progress")
    check(official, f"accountability-official-{width}")
    check(page, f"accountability-in-progress-{width}")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_question_past_its_target_shows_overdue(
    browsing: Browsing, api: Api, server: AppServer, cities: Cities, width: str
) -> None:
    busan = cities.busan
    topic = ask(api, cities.citizen, busan.space["id"], f"Why is the ferry timetable not online ({width})?")
    backdate(server, topic["id"], 20)
    page, _ = browsing.page(width)
    page.goto(f"/spaces/{busan.space['id']}")
    settle(page)
    item = page.locator(f"#topic-{topic['id']}")
    expect(item.locator(".badge-overdue")).to_have_text("! Overdue")
    expect(item).to_contain_text("an answer was due on")
    expect(item).to_contain_text("Status: Open")
    check(page, f"accountability-overdue-list-{width}")
    page.get_by_role("link", name=topic["title"]).click()
    settle(page)
    expect(question_of(page)).to_contain_text("Overdue: an answer was due on")
    expect(question_of(page)).to_contain_text("6 days ago")
    check(page, f"accountability-overdue-question-{width}")


def test_a_moderator_turns_a_discussion_into_a_question_and_declines_it(
    browsing: Browsing, api: Api, cities: Cities
) -> None:
    daejeon = cities.daejeon
    mod = api.user("Mona Keeper")
    api.ok("POST", f"/spaces/{daejeon.space['id']}/moderators", daejeon.admin, {"user_id": mod.id})
    topic = api.topic(cities.citizen, daejeon.space["id"], "A tram to Sejong?", "Could the city build one?")
    citizen, _ = browsing.page("phone", user=cities.citizen)
    citizen.goto(f"/topics/{topic['id']}")
    settle(citizen)
    listing, _ = browsing.page("desktop")
    listing.goto(f"/spaces/{daejeon.space['id']}")
    settle(listing)
    item = listing.locator(f"#topic-{topic['id']}")
    expect(item).to_be_visible()
    page, _ = browsing.page("desktop", user=mod)
    page.goto(f"/topics/{topic['id']}")
    settle(page)
    page.get_by_role("button", name="Make it a question").click()
    expect(current_step(page)).to_contain_text("Asked")
    expect(current_step(citizen)).to_contain_text("Asked")  # live, in the other window
    page.get_by_label("New status").select_option("declined")
    reason = page.get_by_label("Why it is declined (everyone sees this)")
    expect(reason).to_be_visible()
    expect(page.get_by_label("The post that answers it")).to_be_hidden()
    page.get_by_role("button", name="Update status").click()
    assert reason.evaluate("el => el.validity.valueMissing")  # the browser asks for it
    reason.fill("Trams are the national railway's decision, not the city's.")
    page.get_by_role("button", name="Update status").click()
    expect(current_step(page)).to_contain_text("Declined")
    expect(question_of(page)).to_contain_text("“Trams are the national railway's decision")
    expect(question_of(page)).to_contain_text("This question is closed")
    for window in (page, citizen):
        step = question_of(window).get_by_role("list", name="History").get_by_role("listitem").nth(1)
        expect(step.locator("strong")).to_have_text("Declined")
        expect(step).to_contain_text("by Mona Keeper")
    expect(current_step(citizen)).to_contain_text("Declined")
    expect(question_of(citizen)).to_contain_text("“Trams are the national railway's decision")
    expect(item).to_contain_text("Status: Declined")  # the space's list, live
    check(page, "accountability-declined-desktop")
    check(citizen, "accountability-declined-phone")


@pytest.mark.parametrize("width", WIDTHS)
def test_org_admins_name_and_remove_officials(
    browsing: Browsing, api: Api, cities: Cities, width: str
) -> None:
    daejeon = cities.daejeon
    newcomer = api.user(f"Yuna Shin {width}", "government")
    page, _ = browsing.page(width, user=daejeon.admin)
    page.goto(f"/orgs/{daejeon.org['id']}")
    settle(page)
    officials = page.get_by_role("region", name="Officials")
    expect(officials.get_by_role("listitem").filter(has_text="Min-jun Kang")).to_be_visible()
    officials.get_by_role("combobox", name="Name an official").fill(newcomer.display_name)
    officials.get_by_role("option", name=re.compile(newcomer.display_name)).click()
    officials.get_by_role("button", name="Name official").click()
    expect(officials.get_by_role("listitem").filter(has_text=newcomer.display_name)).to_be_visible()
    check(page, f"accountability-officials-{width}")
    officials.get_by_role("button", name=f"Remove {newcomer.display_name} from the officials").click()
    expect(officials.get_by_role("listitem").filter(has_text=newcomer.display_name)).to_have_count(0)
    # Anyone sees who the officials are, without the controls.
    visitor, _ = browsing.page(width)
    visitor.goto(f"/orgs/{daejeon.org['id']}")
    settle(visitor)
    expect(visitor.get_by_role("region", name="Officials")).to_contain_text("Min-jun Kang")
    expect(visitor.get_by_role("button", name=re.compile("^Remove"))).to_have_count(0)


@pytest.fixture(scope="module")
def ranked(api: Api, cities: Cities) -> Iterator[Cities]:
    """Seoul answers five questions at once; Busan none of its five; Daejeon had one
    (or two, with the moderator's)."""
    for n in range(5):
        topic = ask(api, cities.citizen, cities.seoul.space["id"], f"Seoul question {n}")
        api.post(cities.seoul.official, topic["id"], "Here is the answer.")
    for n in range(5):
        ask(api, cities.citizen, cities.busan.space["id"], f"Busan question {n}")
    ask(api, cities.citizen, cities.daejeon.space["id"], "Daejeon question")
    yield cities


def rank_of(table: Locator, org: str) -> Locator:
    return table.get_by_role("row").filter(has=table.page.get_by_role("rowheader", name=re.compile(org))) \
        .get_by_role("cell").first


@pytest.mark.parametrize("width", WIDTHS)
def test_the_network_report_ranks_the_cities(browsing: Browsing, ranked: Cities, width: str) -> None:
    page, _ = browsing.page(width)
    page.goto("/")
    settle(page)
    page.get_by_role("link", name="how fast member cities answer").click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("How fast member organizations answer")
    table = page.get_by_role("table", name=re.compile("^Organizations ranked by the share"))
    expect(table.get_by_role("columnheader")).to_have_text(
        ["Rank", "Organization", "Answered within target", "Median time to answer", "Overdue now"])
    expect(rank_of(table, "Seoul Metropolitan Government")).to_have_text("1")
    expect(rank_of(table, "Busan Metropolitan City")).to_have_text("2")
    expect(rank_of(table, "Daejeon Metropolitan City")).to_contain_text("Not ranked")
    seoul_row = table.get_by_role("row").filter(has_text="Seoul Metropolitan Government")
    expect(seoul_row).to_contain_text("100 %")
    expect(seoul_row).to_contain_text("less than a minute")
    chart = page.get_by_role("img", name="Time to answer, month by month")
    expect(chart).to_be_visible()
    assert "Median time to answer the questions asked each month" in chart.evaluate(
        "svg => svg.querySelector('desc').textContent")
    page.get_by_text("Every month as a table").click()
    expect(page.get_by_role("table", name="Time to answer, month by month")).to_be_visible()
    check(page, f"accountability-network-{width}")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_space_and_an_organization_link_to_their_reports(
    browsing: Browsing, ranked: Cities, width: str
) -> None:
    seoul = ranked.seoul
    page, _ = browsing.page(width)
    page.goto(f"/spaces/{seoul.space['id']}")
    settle(page)
    page.get_by_role("link", name="How fast Seoul Metropolitan Government answers questions here").click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("How fast Seoul Metropolitan Government answers in Mobility")
    figures = page.get_by_role("region", name="The figures")
    expect(figures).to_contain_text("Questions asked")
    expect(figures).to_contain_text("Time to answer: half within")
    expect(page.get_by_role("img", name="Time to answer, month by month")).to_be_visible()
    check(page, f"accountability-space-report-{width}")
    page.goto(f"/orgs/{seoul.org['id']}")
    settle(page)
    page.get_by_role("link", name="How fast Seoul Metropolitan Government answers questions").click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("How fast Seoul Metropolitan Government answers")
    expect(page.get_by_role("region", name="Space by space").get_by_role("link", name="Mobility")).to_be_visible()
    page.get_by_label("Period").select_option("365")
    settle(page)
    assert "days=365" in page.url
    check(page, f"accountability-org-report-{width}")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_most_horizontal_topics_first_and_who_took_part(
    browsing: Browsing, api: Api, cities: Cities, width: str
) -> None:
    busan = cities.busan
    parks = api.space(busan.admin, busan.org["id"], "public", name=f"Parks {width}",
                      description="Green spaces")
    wide = api.topic(cities.citizen, parks["id"], "A park on the old rail yard", "Who wants it?")
    api.post(api.user("Bora Yoon", "business"), wide["id"], "Our cafe would open there.")
    api.post(api.user("Prof. Kwon", "academia"), wide["id"], "Soil tests first.")
    middle = api.topic(cities.citizen, parks["id"], "Benches at the beach", "More, please.")
    api.post(busan.official, middle["id"], "We are ordering forty.")
    narrow = api.topic(cities.citizen, parks["id"], "Dogs in parks", "Where may they run?")
    page, _ = browsing.page(width)
    page.goto(f"/spaces/{parks['id']}")
    settle(page)
    titles = page.get_by_role("region", name="Topics").get_by_role("heading", level=3)
    expect(titles).to_have_text([narrow["title"], middle["title"], wide["title"]])
    page.get_by_label("Order").select_option("horizontal")
    expect(titles).to_have_text([wide["title"], middle["title"], narrow["title"]])
    assert page.url.endswith("?sort=horizontal")
    expect(page.locator(f"#topic-{wide['id']}")).to_contain_text("3 of 5 kinds of stakeholder took part")
    check(page, f"accountability-horizontal-{width}")
    page.get_by_role("link", name=wide["title"]).click()
    settle(page)
    took_part = page.get_by_role("region", name="Who took part")
    expect(took_part).to_contain_text("3 of 5 kinds of stakeholder: 1 citizen, 1 business and 1 academic.")
    expect(took_part.get_by_role("listitem")).to_have_text(
        ["Citizens: 1", "Businesses: 1", "Civil society: 0", "Academia: 1", "Government: 0"])
    page.go_back()
    settle(page)
    expect(page.get_by_label("Order")).to_have_value("horizontal")
    expect(titles).to_have_text([wide["title"], middle["title"], narrow["title"]])


def test_a_moderator_sets_the_response_target_and_askers_are_told(
    browsing: Browsing, api: Api, cities: Cities
) -> None:
    daejeon = cities.daejeon
    libraries = api.space(daejeon.admin, daejeon.org["id"], "public", name="Libraries",
                          description="Books and reading rooms")
    page, _ = browsing.page("phone", user=daejeon.admin)
    page.goto(f"/moderation?space={libraries['id']}#settings")
    settle(page)
    target = page.get_by_label("Response target: days the organization has to answer a question")
    expect(target).to_have_value("14")
    target.fill("7")
    page.get_by_role("button", name="Save settings").click()
    expect(target).to_have_value("7")
    check(page, "accountability-target-phone")
    page.goto(f"/spaces/{libraries['id']}")
    settle(page)
    page.get_by_label("Ask the city a question").check()
    expect(page.get_by_text("Daejeon Metropolitan City is asked to answer within 7 days")).to_be_visible()
