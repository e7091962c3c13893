"""The moderator console, appeals and the upgrade flow, in the browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Api, Browsing, assert_accessible, screenshot, settle

pytestmark = pytest.mark.browser

LIVE_WITHIN_MS = 1000


def test_the_console_hides_a_flagged_post_that_then_disappears_from_other_windows(
    browsing: Browsing, api: Api
) -> None:
    world = api.world()
    topic, space = world["topic"], world["space"]
    troll = api.user("Spam Seller")
    spam = api.post(troll, topic["id"], "Cheap watches at example.com")
    flagger = api.user("Alert Citizen")
    api.ok("POST", f"/posts/{spam['id']}/flags", flagger, {"reason": "spam", "note": "advert"})

    reader, _ = browsing.page(width="phone")
    reader.goto(f"/topics/{topic['id']}")
    settle(reader)
    expect(reader.locator("#conn")).to_have_text("Live")
    troll_page, _ = browsing.page(user=troll)
    troll_page.goto(f"/topics/{topic['id']}")
    settle(troll_page)
    expect(troll_page.locator("#conn")).to_have_text("Live")

    console, _ = browsing.page(user=world["admin"])
    console.goto(f"/spaces/{space['id']}")
    settle(console)
    console.get_by_role("link", name="Open the moderator console").click()
    expect(console.get_by_role("heading", name="Moderation: Mobility")).to_be_visible()
    item = console.locator(".queue-item", has_text="Cheap watches")
    expect(item).to_contain_text("1 flag")
    item.get_by_text("Who flagged it and why").click()
    expect(item).to_contain_text("Alert Citizen: Spam — “advert”")
    screenshot(console, "console-queue-desktop")
    assert_accessible(console)

    item.get_by_label("Reason (told to the author and the flaggers)").fill("Advertising")
    item.get_by_role("button", name="Hide post").click()
    hidden = reader.locator(f"#post-{spam['id']} > article")
    expect(hidden).to_contain_text("Hidden by a moderator.", timeout=LIVE_WITHIN_MS)
    expect(hidden).not_to_contain_text("Cheap watches")
    expect(console.locator(".queue-item", has_text="Cheap watches")).to_have_count(0)
    # Its author is told, live, and may appeal.
    expect(troll_page.locator(".toast")).to_contain_text("A moderator hid one of your posts")

    # The audit log has it.
    audit = console.locator("#audit")
    expect(audit.locator("tbody tr").first).to_contain_text("Hid a post")
    expect(audit.locator("tbody tr").first).to_contain_text("Advertising")


def test_a_moderator_bans_a_participant_who_then_cannot_post(
    browsing: Browsing, api: Api
) -> None:
    world = api.world()
    topic = world["topic"]
    troll = api.user("Repeat Offender")
    rude = api.post(troll, topic["id"], "You are all idiots")

    mod, _ = browsing.page(width="phone", user=world["admin"])
    mod.goto(f"/topics/{topic['id']}")
    settle(mod)
    # On a phone a post's actions are in its "More" menu.
    rude_post = mod.locator(f"#post-{rude['id']} > article")
    rude_post.get_by_role("button", name="More").click()
    rude_post.get_by_role("menuitem", name="Mute or ban…").click()
    expect(mod.get_by_role("heading", name="Moderation: Mobility")).to_be_visible()
    sanctions = mod.locator("#sanctions")
    # The person, not a number: who they are, then a confirmation.
    dialog = mod.get_by_role("dialog", name="Mute or ban Repeat Offender?")
    expect(dialog).to_contain_text("You are all idiots")
    dialog.get_by_label("Ban: may not post, react, flag or follow live").check()
    dialog.get_by_label("Also hide all posts by Repeat Offender in this space").check()
    dialog.get_by_label("Rule broken").select_option("abuse")
    dialog.get_by_label("Reason (told to Repeat Offender)").fill("Insults")
    dialog.get_by_role("button", name="Ban Repeat Offender").click()
    expect(dialog).to_have_count(0)
    expect(sanctions.locator(".people")).to_contain_text("Repeat Offender")
    expect(sanctions.locator(".people")).to_contain_text("banned until")
    audit = mod.locator("#audit tbody tr")
    banned = audit.filter(has_text="Banned a participant")
    expect(banned).to_contain_text("Insults")
    # By name and in words: the person, the topic of a post, the ban's end; no id,
    # no ISO date.
    expect(banned).to_contain_text("Repeat Offender")
    expect(banned).to_contain_text("until")
    hid = audit.filter(has_text="Hid a post").first
    expect(hid).to_contain_text(f"A post in {topic['title']}")
    rows = audit.all_inner_texts()
    assert not any(re.search(r"\d{4}-\d\d-\d\dT|\b(?:User|Post|Topic) \d+\b", r)
                   for r in rows), rows
    expect(mod.get_by_role("combobox", name="By person")).to_be_visible()
    screenshot(mod, "console-sanctions-phone")

    # The banned person is told before writing, and cannot.
    troll_page, watch = browsing.page(user=troll)
    watch.expect_console("status of 403")
    troll_page.goto(f"/topics/{topic['id']}")
    settle(troll_page)
    composer = troll_page.locator(".composer")
    expect(composer).to_contain_text("You are banned from this space until")
    expect(troll_page.get_by_role("textbox", name="Your post")).to_be_disabled()

    # Lift the ban again.
    sanctions.get_by_role("button", name="Lift the ban of Repeat Offender").click()
    expect(sanctions.locator(".people")).to_contain_text("Nobody is muted or banned here.")


def test_the_author_of_a_hidden_post_appeals_and_the_moderator_answers(
    browsing: Browsing, api: Api
) -> None:
    world = api.world()
    topic, space = world["topic"], world["space"]
    author = api.user("Misunderstood")
    post = api.post(author, topic["id"], "A sharp but fair remark")
    api.ok("POST", f"/posts/{post['id']}/hide", world["admin"], {"reason": "Too harsh"})

    page, _ = browsing.page(width="phone", user=author)
    page.goto(f"/topics/{topic['id']}")
    settle(page)
    own = page.locator(f"#post-{post['id']} > article")
    expect(own).to_contain_text("Too harsh")
    own.get_by_role("button", name="More").click()  # on a phone, a post's actions are its menu
    own.get_by_role("menuitem", name="Appeal").click()
    own.get_by_label("Why should this post be restored?") \
        .fill("It criticises a plan, not a person.")
    own.get_by_role("button", name="Send appeal").click()
    expect(own.get_by_role("status")).to_contain_text("appeal was sent")

    mod, _ = browsing.page(user=world["admin"])
    mod.goto(f"/moderation?space={space['id']}")
    settle(mod)
    appeal = mod.locator(".queue-item", has_text="It criticises a plan")
    expect(appeal).to_contain_text("Misunderstood appeals the hiding")
    appeal.get_by_label("Overturn: undo the decision").check()
    appeal.get_by_label("Answer (sent to the person who appealed)").fill("Fair point, restored.")
    appeal.get_by_role("button", name="Send answer").click()
    expect(mod.locator(".queue-item", has_text="It criticises a plan")).to_have_count(0)
    expect(page.locator(".toast").filter(has_text="appeal was answered")).to_contain_text(
        "overturned")
    expect(own).not_to_contain_text("Hidden by a moderator", timeout=LIVE_WITHIN_MS)


def test_the_console_lists_staff_posts_first_and_offers_no_answer_to_ones_own_appeal(
    browsing: Browsing, api: Api
) -> None:
    world = api.world()
    topic, space, admin = world["topic"], world["space"], world["admin"]
    mod = api.user("Jun Lee")
    api.ok("POST", f"/spaces/{space['id']}/moderators", admin, {"user_id": mod.id})
    residents = [api.user(f"Resident {i}") for i in range(3)]
    notice = api.post(admin, topic["id"], "Road works on Main Street from Monday")
    spam = api.post(api.user("Watch Seller"), topic["id"], "Cheap watches at example.com")
    newcomer = api.user("Brand New")
    for person in [*residents, newcomer]:
        api.ok("POST", f"/posts/{spam['id']}/flags", person, {"reason": "spam"})
    for person in residents:
        api.ok("POST", f"/posts/{notice['id']}/flags", person, {"reason": "abuse"})
    own = api.post(mod, topic["id"], "Speaking as a resident: the plan is rushed")
    api.ok("POST", f"/posts/{own['id']}/hide", admin, {"reason": "Moderators stay neutral"})
    api.ok("POST", f"/posts/{own['id']}/appeal", mod, {"text": "I wrote it off duty"})

    for width in ("phone", "desktop"):
        page, _ = browsing.page(width=width, user=mod)
        page.goto(f"/moderation?space={space['id']}")
        settle(page)
        flagged = page.locator("#queue ol.queue").first.locator(".queue-item")
        expect(flagged).to_have_count(2)
        expect(flagged.first).to_contain_text("Road works on Main Street")
        expect(flagged.first).to_contain_text("Staff post")
        expect(flagged.first).to_contain_text("flags never hide a post by this space")
        expect(flagged.nth(1)).to_contain_text("Hidden automatically")
        flagged.nth(1).get_by_text("Who flagged it and why").click()
        expect(flagged.nth(1).locator(".flags li", has_text="Brand New")).to_contain_text(
            "account newer than the post")
        appeal = page.locator(".queue-item", has_text="I wrote it off duty")
        expect(appeal).to_contain_text("You cannot answer your own appeal")
        expect(appeal.get_by_role("button", name="Send answer")).to_have_count(0)
        screenshot(page, f"console-escalated-{width}")
        assert_accessible(page)

    # The admin who hid the post answers: the only other answerer is the appellant.
    console, _ = browsing.page(user=admin)
    console.goto(f"/moderation?space={space['id']}")
    settle(console)
    appeal = console.locator(".queue-item", has_text="I wrote it off duty")
    appeal.get_by_label("Answer (sent to the person who appealed)").fill("Upheld, sorry.")
    appeal.get_by_role("button", name="Send answer").click()
    expect(console.locator(".queue-item", has_text="I wrote it off duty")).to_have_count(0)


def test_the_settings_explain_the_tier_gate_of_the_moderation_tools(
    browsing: Browsing, api: Api
) -> None:
    world = api.world()
    page, watch = browsing.page(user=world["admin"])
    watch.expect_console("status of 402")
    page.goto(f"/moderation?space={world['space']['id']}#settings")
    settle(page)
    settings = page.locator("#settings")
    expect(settings.locator(".gate")).to_contain_text("not included in the Free tier")
    slow = settings.get_by_label(re.compile("^Slow mode"))
    slow.fill("30")
    settings.get_by_role("button", name="Save settings").click()
    error = settings.locator(".field-error")
    expect(error).to_contain_text("Plus")
    expect(slow).to_have_value("30")
    expect(slow).to_have_attribute("aria-invalid", "true")

    # What the tier includes works: only moderators may open topics.
    settings.get_by_label("Who may open topics").select_option("moderators")
    slow.fill("0")
    settings.get_by_role("button", name="Save settings").click()
    expect(settings.get_by_label("Who may open topics")).to_have_value("moderators")
    reader, _ = browsing.page(user=api.user("Just Reading"))
    reader.goto(f"/spaces/{world['space']['id']}")
    settle(reader)
    expect(reader.get_by_text("Only the moderators of this space open topics here.")) \
        .to_be_visible()


def test_an_upgrade_is_requested_approved_and_unlocks_private_spaces(
    browsing: Browsing, api: Api
) -> None:
    admin = api.user("Growing City Admin")
    org = api.org(admin, "Growing City", "Chile")
    org_page, _ = browsing.page(user=admin)
    org_page.goto(f"/orgs/{org['id']}")
    settle(org_page)
    gate = org_page.get_by_text("Private spaces are not included in the Free tier.")
    expect(gate).to_be_visible()
    org_page.get_by_label("Tier to request").select_option("plus")
    org_page.get_by_label("Note for the secretariat (optional)") \
        .fill("Council wants private rooms.")
    org_page.get_by_role("button", name="Request upgrade").click()
    waiting = org_page.get_by_text("A request is waiting for the secretariat's decision.")
    expect(waiting).to_be_visible()

    secretariat, _ = browsing.page(width="phone", user=api.admin())
    secretariat.goto("/admin")
    settle(secretariat)
    request = secretariat.locator(".request", has_text="Growing City")
    expect(request).to_contain_text("Council wants private rooms.")
    screenshot(secretariat, "admin-pending-request-phone")
    assert_accessible(secretariat)
    request.get_by_label(re.compile("^Reason")).fill("Welcome to Plus")
    request.get_by_role("button", name="Approve").click()
    expect(secretariat.locator(".request", has_text="Growing City")).to_have_count(0)

    # The org admin's open page follows, live: new tier, no gate.
    expect(org_page.get_by_text("Current tier: Plus")).to_be_visible(timeout=3000)
    expect(org_page.get_by_text("Private spaces are not included")).to_have_count(0)
    expect(org_page.locator(".toast").filter(has_text="request for the Plus tier")) \
        .to_contain_text("approved")
    expect(org_page.locator(".toast").filter(has_text="is now on")) \
        .to_contain_text("Growing City is now on the Plus tier.")
    expect(org_page.locator(".upgrade", has_text="Tier history")).to_contain_text("Free → Plus")
    org_page.get_by_label("Name", exact=True).fill("Council room")
    org_page.get_by_label("Private: members only").check()
    org_page.get_by_role("button", name="Open space").click()
    expect(org_page.locator(".space-list").get_by_role("link", name="Council room")).to_be_visible()
    private = api.ok("GET", f"/orgs/{org['id']}/spaces", admin)["spaces"]
    assert [s["visibility"] for s in private if s["name"] == "Council room"] == ["private"]


def test_a_korean_moderator_reads_flag_reasons_in_korean(browsing: Browsing, api: Api) -> None:
    """A flag's reason and the counts by reason were the server's words made
    readable in English ("Off topic"); they come from the catalogue."""
    world = api.world()
    stray = api.post(api.user("Stray Poster"), world["topic"]["id"], "My cat likes boxes")
    api.ok("POST", f"/posts/{stray['id']}/flags", api.user("Keen Reader"),
           {"reason": "off_topic"})
    console, _ = browsing.page(user=world["admin"], locale="ko-KR")
    console.goto(f"/moderation?space={world['space']['id']}")
    settle(console)
    item = console.locator(".queue-item", has_text="My cat likes boxes")
    expect(item).to_contain_text("주제에서 벗어남")
    expect(item).not_to_contain_text("Off topic")
