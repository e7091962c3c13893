"""The pages issue 12 changed, as their people use them: what a throttled sign-up
says, ending sessions by keyboard and screen reader, verifying on a phone, the
home page's landmarks and the moderation queue's wording. axe-core is run here
with every impact (the shared helper keeps only serious and critical)."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import (
    PASSWORD,
    Api,
    Browsing,
    assert_axe_clean,
    main_nav,
    screenshot,
    settle,
)

pytestmark = pytest.mark.browser

IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1")


def assert_no_sideways_scroll(page: Page) -> None:
    viewport = page.viewport_size
    assert viewport is not None  # the harness opens every context with a viewport
    width = viewport["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_throttled_sign_up_says_how_long_to_wait(browsing: Browsing) -> None:
    page, watch = browsing.page(width="phone")
    watch.expect_console("status of 429")

    def throttled(route: Route) -> None:
        route.fulfill(status=429, headers={"Retry-After": "2950"}, content_type="application/json",
                      body=json.dumps({"error": {"code": "rate_limited",
                                                 "message": "Too many sign-ups; try again later."}}))

    page.route("**/api/v1/auth/register", throttled)
    page.goto("/signup")
    settle(page)
    page.get_by_label("Display name").fill("Hana Kim")
    page.get_by_label("Email").fill("hana.kim@example.org")
    page.get_by_label("Password", exact=True).fill("lanterns over the harbour")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Too many sign-ups; try again later. You can try again in about 50 minutes.")
    screenshot(page, "issue12-signup-throttled-phone")
    assert_axe_clean(page)


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_ending_sessions_keeps_the_keyboard_and_names_each_device(
    browsing: Browsing, api: Api, width: str
) -> None:
    user = api.user("Ines Duarte")
    # Signed in on an iPhone too, with a page open there.
    other = browsing.browser.new_context(base_url=browsing.server.base_url, user_agent=IPHONE)
    assert other.request.post("/api/v1/auth/login",
                              data={"email": user.email, "password": PASSWORD}).ok
    iphone_page = other.new_page()
    iphone_page.goto("/")
    settle(iphone_page)
    expect(iphone_page.locator("#conn")).to_have_text("Live")
    page, _ = browsing.page(width=width, user=user)
    page.goto("/profile")
    settle(page)
    sessions = page.get_by_role("region", name="Where you are signed in")
    expect(sessions.get_by_role("listitem")).to_have_count(3)  # api.user() signed in too
    assert_no_sideways_scroll(page)
    assert_axe_clean(page)

    # A screen reader hears which device each button ends, not a row of "Sign out there".
    iphone = sessions.get_by_role("button", name=re.compile(r"^Sign out there: Safari on iPhone"))
    expect(iphone).to_have_count(1)
    iphone.focus()
    page.keyboard.press("Enter")
    expect(sessions.get_by_role("listitem")).to_have_count(2)
    expect(sessions.get_by_role("heading", name="Where you are signed in")).to_be_focused()
    # The iPhone is told at once; this device stays signed in, header included.
    iphone_nav = iphone_page.get_by_role("navigation", name="Main")
    expect(iphone_nav.get_by_role("link", name="Sign in")).to_be_visible()
    other.close()
    nav = page.get_by_role("navigation", name="Main", include_hidden=True)  # folded on a phone
    expect(nav.get_by_role("link", name="Ines Duarte", include_hidden=True)).to_have_count(1)

    page.keyboard.press("Tab")  # the keyboard carries on inside the list
    expect(sessions.get_by_role("button", name=re.compile(r"^Sign out: "))).to_be_focused()
    sessions.get_by_role("button", name="Sign out everywhere else").click()
    expect(sessions.get_by_role("listitem")).to_have_count(1)
    expect(sessions.get_by_role("heading", name="Where you are signed in")).to_be_focused()
    assert "null" not in sessions.inner_text()
    page.wait_for_timeout(500)  # the revocation events have come and gone
    nav = main_nav(page)
    expect(nav.get_by_role("link", name="Ines Duarte")).to_be_visible()
    expect(nav.get_by_role("link", name="Sign in")).to_have_count(0)
    screenshot(page, f"issue12-sessions-after-{width}")
    assert_axe_clean(page)


def test_the_secretariat_verifies_from_a_phone(browsing: Browsing, api: Api) -> None:
    admin = api.user("Teresa Alves", "government")
    org = api.org(admin, "Município de Coimbra Verificável", "Portugal", region="Europe")
    page, _ = browsing.page(width="phone", user=api.admin())
    page.goto("/admin")
    settle(page)
    table = page.get_by_role("region", name="Organizations, their tiers and verification")
    verify = table.get_by_role("button", name=f"Verify {org['name']}")
    verify.scroll_into_view_if_needed()
    # The button is on the screen, not in a column scrolled off to the right.
    assert table.evaluate("el => el.scrollWidth <= el.clientWidth")
    box = verify.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 375
    expect(table.get_by_role("row").filter(has_text=org["name"])).to_contain_text("Portugal")
    assert_no_sideways_scroll(page)
    assert_axe_clean(page)

    verify.focus()
    page.keyboard.press("Enter")
    withdraw = table.get_by_role("button", name=f"Withdraw the verification of {org['name']}")
    expect(withdraw).to_be_focused()
    assert api.ok("GET", f"/orgs/{org['id']}")["org"]["verified"] is True
    screenshot(page, "issue12-admin-verified-phone")
    page.keyboard.press("Enter")
    expect(table.get_by_role("button", name=f"Verify {org['name']}")).to_be_focused()
    assert api.ok("GET", f"/orgs/{org['id']}")["org"]["verified"] is False


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_the_home_page_has_landmarks_with_names_of_their_own(
    browsing: Browsing, api: Api, width: str
) -> None:
    admin = api.user("Wen Li", "government")
    # The same country in two regions: a member city, and a partner without a region.
    api.org(admin, f"Chengdu Landmarks {width}", "China", region="Asia-Pacific")
    api.org(admin, f"Landmark Robotics {width}", "China")
    page, _ = browsing.page(width=width)
    page.goto("/")
    settle(page)
    expect(page.get_by_role("region", name="China (Asia-Pacific)")).to_be_visible()
    expect(page.get_by_role("region", name="China (Other members)")).to_be_visible()
    assert_no_sideways_scroll(page)
    assert_axe_clean(page)


def test_the_queue_names_no_raw_ids_and_says_which_flags_do_not_count(
    browsing: Browsing, api: Api
) -> None:
    world = api.world()
    topic, space, admin = world["topic"], world["space"], world["admin"]
    mod = api.user("Kofi Mensah")
    api.ok("POST", f"/spaces/{space['id']}/moderators", admin, {"user_id": mod.id})
    post = api.post(api.user("Old Timer"), topic["id"], "The bus lane plan ignores the market")
    api.ok("POST", f"/posts/{post['id']}/flags", api.user("Just Joined"), {"reason": "off_topic"})
    own = api.post(mod, topic["id"], "Speaking for myself: the lane is too narrow")
    api.ok("POST", f"/posts/{own['id']}/hide", admin, {"reason": "Moderators stay neutral."})
    api.ok("POST", f"/posts/{own['id']}/appeal", mod, {"text": "I spoke as a resident"})

    for width in ("phone", "desktop"):
        page, _ = browsing.page(width=width, user=mod)
        page.goto(f"/moderation?space={space['id']}")
        settle(page)
        flagged = page.locator(".queue-item", has_text="The bus lane plan ignores")
        # Said where the count is, without opening "Who flagged it and why".
        expect(flagged.locator("p.small").first).to_contain_text(
            "the flag is from an account newer than the post and does not count toward hiding it")
        appeal = page.locator(".queue-item", has_text="I spoke as a resident")
        expect(appeal).to_contain_text("Kofi Mensah appeals the hiding of one of their posts")
        expect(appeal).to_contain_text("You cannot answer your own appeal")
        expect(appeal.get_by_role("button", name="Send answer")).to_have_count(0)
        assert not re.search(rf"\b{own['id']}\b", appeal.inner_text())
        assert_no_sideways_scroll(page)
        screenshot(page, f"issue12-queue-{width}")
        assert_axe_clean(page)

    # In the thread, the reason is quoted once, without a second full stop.
    page.goto(f"/topics/{topic['id']}")
    settle(page)
    expect(page.locator(f"#post-{own['id']} .placeholder")).to_have_text(
        "Hidden by a moderator: “Moderators stay neutral”. Only its author and the moderators can see it.")
