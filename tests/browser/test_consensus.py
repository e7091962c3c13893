"""The consensus map on the topic page: a premium city's moderator opens a round from
the form, scripted participants in two opinion camps vote over the API while a
citizen's phone votes with the big buttons; the map, its groups table and the shared
statement follow live; axe-clean at 375 and 1280 px, no sideways scroll, no raw ids
or ISO dates; a free city's moderator is told the tier."""

from __future__ import annotations

import asyncio
import random
import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Api, Browsing, User, assert_axe_clean, screenshot, settle
from tests.consensus import test_done_when as planted

pytestmark = pytest.mark.browser

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}T")
SHARED = "Buses should run all night"
STATEMENTS = [SHARED, "The river road should close to cars", "Parking should cost more",
              "Bike lanes before bus lanes", "Trams are worth their cost"]


def assert_readable(page: Page) -> None:
    viewport = page.viewport_size
    assert viewport is not None
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    text = page.locator("main").inner_text()
    assert not ISO_DATE.search(text), ISO_DATE.findall(text)
    assert not re.search(r"\b(user|id) \d+", text, re.IGNORECASE)


def _camp_votes(api: Api, voters: list[User], round_: dict[str, Any]) -> None:
    """Two camps: everyone agrees with the shared statement; on the others camp A
    agrees where camp B disagrees."""
    for i, voter in enumerate(voters):
        for j, statement in enumerate(round_["statements"]):
            if j == 0:
                vote = "agree"
            else:
                vote = "agree" if (i % 2 == 0) == (j % 2 == 0) else "disagree"
            api.ok("PUT", f"/consensus/{round_['id']}/statements/{statement['id']}/vote", voter,
                   {"vote": vote})


def test_a_round_opened_in_the_browser_maps_two_camps_live(browsing: Browsing,
                                                            api: Api) -> None:
    world = api.world()
    org, topic = world["org"], world["topic"]
    platform = api.admin()
    api.ok("POST", f"/admin/orgs/{org['id']}/tier", platform,
           {"tier": "premium", "reason": "Consultation season"})
    citizen = api.user("Jun Lee")
    mod_page, _ = browsing.page(user=world["admin"])
    phone, _ = browsing.page(width="phone", user=citizen)
    for page in (mod_page, phone):
        page.goto(f"/topics/{topic['id']}")
        settle(page)
        expect(page.locator("#conn")).to_have_text("Live")

    mod_page.get_by_role("button", name="Open a consensus round").click()
    mod_page.get_by_label("Prompt").fill("How should the city move at night?")
    mod_page.get_by_label("First statements, one per line").fill("\n".join(STATEMENTS))
    mod_page.get_by_role("button", name="Open round").click()
    expect(mod_page.locator(".cmap-prompt")).to_have_text("How should the city move at night?")

    # The citizen's phone hears of the round (consensus.updated) and shows a statement.
    expect(phone.locator(".cmap-prompt")).to_be_visible()
    expect(phone.locator(".cmap-statement")).to_be_visible()
    panel = phone.get_by_role("region", name="Consensus map")
    for k in range(len(STATEMENTS)):
        expect(panel.locator(".cmap-vote .muted")).to_have_text(
            f"{k} voted · {len(STATEMENTS) - k} to go")
        panel.get_by_role("button", name="Agree", exact=True).click()
    expect(panel.get_by_text("You have voted on every statement.")).to_be_visible()
    # The focus stays in the panel for the keyboard (the thanks, once all is voted).
    assert phone.evaluate("document.activeElement.closest('.consensus') !== null")

    # Scripted participants vote over the API; the map follows on both screens.
    [round_] = api.ok("GET", f"/topics/{topic['id']}/consensus")["rounds"]
    full = api.ok("GET", f"/consensus/{round_['id']}")["round"]
    voters = [api.user(f"Voter {n}") for n in range(20)]
    _camp_votes(api, voters, full)
    for page in (mod_page, phone):
        expect(page.locator(".cmap-groups tbody tr")).to_have_count(2, timeout=15_000)
        expect(page.locator(".cmap-dot")).not_to_have_count(0)
        expect(page.locator(".cmap-consensus li").first).to_contain_text(SHARED)
    expect(phone.locator(".cmap-me")).to_have_count(1)
    expect(mod_page.locator(".cmap-me")).to_have_count(0)  # the moderator did not vote
    expect(phone.locator(".cmap-groups")).to_contain_text("(yours)")
    # The map is described in words for screen readers.
    expect(phone.locator("svg.cmap desc")).to_contain_text("in 2 groups")

    for page, name in ((phone, "consensus-phone"), (mod_page, "consensus-desktop")):
        assert_readable(page)
        assert_axe_clean(page)
        screenshot(page, name)

    # A proposal waits for the moderator, who accepts it.
    phone.get_by_label("Propose a statement").fill(
        "Night buses should run every fifteen minutes on the four busiest lines, paid for "
        "by moving the money now spent on the little-used late ferry service.")
    phone.get_by_role("button", name="Propose").click()
    expect(phone.get_by_text("Your statement waits for a moderator.").first).to_be_visible()
    mod_page.reload()
    settle(mod_page)
    mod_page.get_by_role("button", name="Accept").click()
    expect(mod_page.get_by_text("The statement is published.").first).to_be_visible()
    assert_axe_clean(mod_page)

    # Closing keeps the map, read-only.
    mod_page.get_by_role("button", name="Close round").click()
    expect(mod_page.get_by_text("This round is closed: its map is final.")).to_be_visible()
    phone.reload()
    settle(phone)
    expect(phone.locator(".cmap-choice")).to_have_count(0)
    expect(phone.locator(".cmap-groups tbody tr")).to_have_count(2)
    assert_axe_clean(phone)


def test_a_free_citys_moderator_is_told_the_tier(browsing: Browsing, api: Api) -> None:
    world = api.world()
    page, _ = browsing.page(user=world["admin"])
    page.goto(f"/topics/{world['topic']['id']}")
    settle(page)
    expect(page.get_by_text("The consensus map is not included in the Free tier")).to_be_visible()
    assert_axe_clean(page)


def _participants(api: Api, rid: int, sids: list[int], start: int, stop: int) -> None:
    """Participants `start` to `stop` of the planted three, signed up and voting over
    the API, a batch at a time (each batch one wait of the blocking client)."""
    rng = random.Random(start)

    async def batch(first: int) -> None:
        people = await asyncio.gather(*(
            api.api.user(f"Participant {n}")
            for n in range(first, min(first + planted.VOTERS_AT_ONCE, stop))))
        await asyncio.gather(*(
            planted._vote_all(api.api, user, rid, sids,
                              planted._ballot(rng, planted.OPINIONS[(first + k) % 3]))
            for k, user in enumerate(people)))

    for first in range(start, stop, planted.VOTERS_AT_ONCE):
        api.run(batch(first))


@pytest.mark.timeout(600)  # 200 sign-ups and 1,200 votes over the API
def test_done_when_200_planted_participants_make_three_groups_in_a_watching_browser(
        browsing: Browsing, api: Api) -> None:
    """Issue 18's "Done when" as a new user would see it: a premium city's moderator
    opens a round in a live topic; 200 scripted participants with three planted
    opinions vote over the API while a citizen's browser watches, without reloading;
    its map shows three groups forming and the planted consensus statement on top."""
    world = api.world()
    org, topic = world["org"], world["topic"]
    api.ok("POST", f"/admin/orgs/{org['id']}/tier", api.admin(),
           {"tier": "premium", "reason": "Consultation season"})
    mod_page, _ = browsing.page(user=world["admin"])
    watcher, _ = browsing.page(width="phone", user=api.user("Ana Watcher"))
    for page in (mod_page, watcher):
        page.goto(f"/topics/{topic['id']}")
        settle(page)
        expect(page.locator("#conn")).to_have_text("Live")
    mod_page.get_by_role("button", name="Open a consensus round").click()
    mod_page.get_by_label("Prompt").fill("How should the city move at night?")
    mod_page.get_by_label("First statements, one per line").fill("\n".join(planted.STATEMENTS))
    mod_page.get_by_role("button", name="Open round").click()
    expect(watcher.locator(".cmap-prompt")).to_have_text("How should the city move at night?")

    [round_] = api.ok("GET", f"/topics/{topic['id']}/consensus")["rounds"]
    full = api.ok("GET", f"/consensus/{round_['id']}")["round"]
    by_text = {s["text"]: s["id"] for s in full["statements"]}
    sids = [by_text[text] for text in planted.STATEMENTS]
    # The first 60: the groups form on the watching screen while the rest still vote.
    _participants(api, round_["id"], sids, 0, 60)
    expect(watcher.locator(".cmap-groups tbody tr")).not_to_have_count(0, timeout=20_000)
    expect(watcher.locator(".cmap-dot")).not_to_have_count(0)
    _participants(api, round_["id"], sids, 60, planted.PARTICIPANTS)
    expect(watcher.locator(".cmap-groups tbody tr")).to_have_count(3, timeout=30_000)
    expect(watcher.locator("svg.cmap desc")).to_contain_text(
        f"{planted.PARTICIPANTS} people", timeout=30_000)
    expect(watcher.locator("svg.cmap desc")).to_contain_text("in 3 groups")
    expect(watcher.locator(".cmap-consensus li").first).to_contain_text(planted.STATEMENTS[0])
    expect(mod_page.locator(".cmap-groups tbody tr")).to_have_count(3)
    expect(mod_page.locator(".cmap-consensus li").first).to_contain_text(planted.STATEMENTS[0])
    for page, name in ((watcher, "consensus-200-phone"), (mod_page, "consensus-200-desktop")):
        assert_readable(page)
        assert_axe_clean(page)
        screenshot(page, name)
