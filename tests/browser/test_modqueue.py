"""Issue 17's Done-when, as a new moderator would on a phone and on a desktop, light
and dark: a moderator of spaces in three cities (each called "Streets and squares")
clears their flags from one queue, which updates live, and bans a person chosen by
name, after seeing who they are, with confirmation; the banned person is told
before writing. The Moderation link shows only to people who moderate something.
axe-core finds nothing of any impact and no page scrolls sideways."""

from __future__ import annotations

import itertools
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Api, Browsing, assert_axe_clean, main_nav, screenshot, settle

pytestmark = pytest.mark.browser

_runs = itertools.count(1)


def no_sideways_scroll(page: Page) -> None:
    wide = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert wide <= 0, f"the page is {wide}px wider than its viewport"


# Each width and each scheme once (tests/browser/test_all_pages.py checks every page
# in every pair): the walk through is the same in the four.
@pytest.mark.parametrize(("width", "scheme"), [("phone", "dark"), ("desktop", "light")])
def test_a_moderator_of_three_cities_clears_one_queue_and_bans_by_name(
    browsing: Browsing, api: Api, width: str, scheme: str
) -> None:
    run = next(_runs)
    mona = api.user(f"Mona Keeper {run}")
    troll = api.user(f"Troll Person {run}")
    flagger = api.user(f"Flo Flagger {run}")
    cities = []
    for city in ("Aldmere", "Brackwater", "Corrin"):
        head = api.user(f"Head of {city} {run}")
        org = api.org(head, f"City of {city} {run}")
        space = api.space(head, org["id"], name="Streets and squares", description="")
        api.ok("POST", f"/spaces/{space['id']}/moderators", head, {"user_id": mona.id})
        topic = api.topic(head, space["id"], title=f"Benches in {city}")
        rude = api.post(troll, topic["id"], f"Rude words about {city}")
        api.ok("POST", f"/posts/{rude['id']}/flags", flagger, {"reason": "abuse"})
        cities.append((org["name"], topic, rude))

    page, _ = browsing.page(width, scheme, user=mona)
    page.goto("/")
    settle(page)
    main_nav(page).get_by_role("link", name="Moderation").click()
    settle(page)
    queue = page.get_by_role("region", name=re.compile("^Review queue"))
    expect(queue.get_by_role("heading", name="Review queue (3)")).to_be_visible()
    items = queue.locator(".queue-item")
    expect(items).to_have_count(3)
    for (org_name, _, _rude), item in zip(cities, items.all(), strict=True):
        expect(item.locator(".queue-place")).to_have_text(
            re.compile(f"^{re.escape(org_name)} · Streets and squares"))
        expect(item).to_contain_text(f"Rude words about {org_name.split()[2]}")
    work = page.get_by_role("region", name="Spaces you moderate")
    expect(work.get_by_role("listitem")).to_have_count(3)
    expect(work.get_by_role("listitem").first).to_contain_text("1 flagged post")
    no_sideways_scroll(page)
    assert_axe_clean(page)
    screenshot(page, f"modqueue-three-cities-{width}-{scheme}")

    # Live: a new flag in the second city joins the queue without a reload.
    late = api.post(troll, cities[1][1]["id"], "Even ruder words")
    api.ok("POST", f"/posts/{late['id']}/flags", flagger, {"reason": "spam"})
    expect(items).to_have_count(4)
    expect(queue.get_by_role("heading", name="Review queue (4)")).to_be_visible()

    # Narrowed to one organization.
    queue.get_by_label("Organization").select_option(label=cities[1][0])
    queue.get_by_role("button", name="Show").click()
    settle(page)
    expect(items).to_have_count(2)
    page.goto("/moderation")
    settle(page)

    # Clear the first two cities' flags.
    first = items.filter(has_text=f"{cities[0][0]} · Streets and squares")
    first.get_by_role("button", name="Dismiss flags").click()
    expect(items.filter(has_text=f"{cities[0][0]} · Streets")).to_have_count(0)
    second = items.filter(has_text=f"{cities[1][0]} · Streets")
    for left in (1, 0):
        second.first.get_by_label("Reason (told to the author and the flaggers)").fill("Insults")
        second.first.get_by_role("button", name="Hide post").click()
        expect(second).to_have_count(left)
    expect(items).to_have_count(1)

    # The third: ban its author, chosen by name, after seeing who they are.
    last = items.first
    opener = last.get_by_role("button", name=f"Mute or ban {troll.display_name}…")
    opener.click()
    dialog = page.get_by_role("dialog", name=f"Mute or ban {troll.display_name}?")
    expect(dialog).to_contain_text("Rude words about Corrin")
    expect(dialog).to_contain_text("Earlier sanctions here")
    expect(dialog).to_contain_text(cities[2][0])
    # Escape cancels, and the focus comes back to the button.
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(opener).to_be_focused()
    opener.click()
    expect(dialog.get_by_label("Reason (told to", exact=False)).to_be_visible()
    no_sideways_scroll(page)
    assert_axe_clean(page)
    screenshot(page, f"modqueue-ban-dialog-{width}-{scheme}", full_page=False)
    dialog.get_by_label("Ban: may not post, react, flag or follow live").check()
    dialog.get_by_label("For how long").select_option(label="Until lifted")
    dialog.get_by_label(f"Reason (told to {troll.display_name})").fill("Insults in three cities")
    dialog.get_by_label(f"Also hide all posts by {troll.display_name} in this space").check()
    dialog.get_by_role("button", name=f"Ban {troll.display_name}").click()
    expect(dialog).to_have_count(0)
    expect(page.locator("#announcer")).to_contain_text(f"{troll.display_name} banned permanently")
    # The ban hid the post; its flag waits for a decision still: hiding settles it.
    expect(last).to_contain_text("Hidden")
    last.get_by_role("button", name="Hide post").click()
    expect(queue).to_contain_text("Nothing waits for review.")
    expect(queue.get_by_role("heading", name="Review queue (0)")).to_be_visible()
    assert_axe_clean(page)
    screenshot(page, f"modqueue-cleared-{width}-{scheme}")

    # The banned person is told before writing, and has no Moderation link.
    troll_page, watch = browsing.page(width, scheme, user=troll)
    watch.expect_console("status of 403")  # the topic's live channel refuses them
    troll_page.goto(f"/topics/{cities[2][1]['id']}")
    settle(troll_page)
    expect(troll_page.locator(".composer")).to_contain_text(
        "You are banned from this space permanently")
    expect(troll_page.get_by_role("textbox", name="Your post")).to_be_disabled()
    troll_nav = main_nav(troll_page)
    expect(troll_nav.get_by_role("link", name="Home")).to_be_visible()
    expect(troll_nav.get_by_role("link", name="Moderation")).to_have_count(0)
    no_sideways_scroll(troll_page)
    screenshot(troll_page, f"modqueue-banned-composer-{width}-{scheme}")


def test_a_ban_or_mute_reaches_the_open_composer_live(browsing: Browsing, api: Api) -> None:
    world = api.world()
    space, topic = world["space"], world["topic"]
    reader = api.user(f"Live Reader {next(_runs)}")
    page, _ = browsing.page("phone", user=reader)
    page.goto(f"/topics/{topic['id']}")
    settle(page)
    box = page.get_by_role("textbox", name="Your post")
    expect(box).to_be_enabled()
    api.ok("POST", f"/spaces/{space['id']}/mutes", world["admin"],
           {"user_id": reader.id, "reason": "Cool off", "duration_seconds": 7200})
    composer = page.locator(".composer")
    expect(composer).to_contain_text("You are muted in this space until")
    expect(box).to_be_disabled()
    assert_axe_clean(page)
    # Lifted: the composer takes posts again, without a reload.
    r = api.call("DELETE", f"/spaces/{space['id']}/mutes/{reader.id}", world["admin"])
    assert r.status_code == 204, r.text
    expect(composer).not_to_contain_text("You are muted")
    expect(box).to_be_enabled()
    screenshot(page, "modqueue-composer-after-mute-lifted-phone")
