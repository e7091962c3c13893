"""The web front end in headless Chromium: what a person does and sees."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Api, Browsing, assert_accessible, main_nav, screenshot, settle

pytestmark = pytest.mark.browser


def reply_to(page: Page, post_id: int, text: str) -> int:
    """Opens the inline reply form under a post, posts `text`, returns the new post's id."""
    post = page.locator(f"#post-{post_id} > article")
    post.get_by_role("button", name="Reply", exact=True).click()
    post.get_by_role("textbox", name=re.compile(r"^Reply to ")).fill(text)
    post.get_by_role("button", name="Post reply").click()
    new = page.locator(f"#post-{post_id} > ol.replies > li.post-node", has_text=text)
    expect(new).to_be_visible()
    return int((new.get_attribute("id") or "").removeprefix("post-"))


def test_a_new_user_signs_up_opens_a_space_and_a_topic_and_replies_three_deep(
    browsing: Browsing, api: Api
) -> None:
    page, _ = browsing.page(width="phone")
    page.goto("/")
    settle(page)
    page.get_by_role("link", name="Sign up").first.click()
    expect(page.get_by_role("heading", name="Create an account")).to_be_visible()
    page.get_by_label("Display name").fill("Jiwoo Kim")
    page.get_by_label("Email").fill("jiwoo@example.org")
    page.get_by_label("Password").fill("a long enough password")
    page.get_by_label("I take part as").select_option("civil_society")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("button", name="Menu")).to_be_visible()  # signed in: one line

    # Her organization, from her profile (in the header's menu on a phone).
    profile = main_nav(page).get_by_role("link", name="Jiwoo Kim")
    expect(profile).to_be_visible()
    profile.click()
    expect(page.get_by_role("heading", name="Jiwoo Kim", level=1)).to_be_visible()
    expect(page.get_by_text("Civil society")).to_be_visible()
    page.get_by_label("Name", exact=True).fill("City of Suwon")
    page.get_by_label("Country").fill("Korea")
    page.get_by_role("button", name="Register organization").click()
    expect(page.get_by_role("heading", name="City of Suwon", level=1)).to_be_visible()

    # A space, from the organization's page.
    page.get_by_label("Name", exact=True).fill("Green spaces")
    page.get_by_label("Description").fill("Parks, trees and shade")
    page.get_by_role("button", name="Open space").click()
    space_link = page.get_by_role("link", name="Green spaces").first
    expect(space_link).to_be_visible()
    space_link.click()
    expect(page.get_by_role("heading", name="Green spaces", level=1)).to_be_visible()

    # A topic, from the space's page.
    page.get_by_label("Title").fill("More trees on Main Street")
    page.get_by_label("What do you want to discuss?").fill("Which **blocks** need shade first?")
    page.get_by_role("button", name="Start topic").click()
    expect(page.get_by_role("heading", name="More trees on Main Street", level=1)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/topics/\d+$"))
    first = page.locator("ol.thread > li.post-node").first
    expect(first.locator(".prose strong")).to_have_text("blocks")
    first_id = int((first.get_attribute("id") or "").removeprefix("post-"))

    # Three levels of replies, each inline under the one before.
    one = reply_to(page, first_id, "Level one: the blocks near the school.")
    two = reply_to(page, one, "Level two: agreed, and the bus stop.")
    three = reply_to(page, two, "Level three: the bus stop has no shelter at all.")
    nested = page.locator(
        f"ol.thread > li#post-{first_id} > ol.replies > li#post-{one} > ol.replies"
        f" > li#post-{two} > ol.replies > li#post-{three}"
    )
    expect(nested).to_contain_text("no shelter at all")

    # The server agrees: the tree is what the page shows.
    topic_id = int(page.url.rsplit("/", 1)[1])
    posts = {p["id"]: p for p in api.posts(topic_id)}
    assert [posts[i]["depth"] for i in (first_id, one, two, three)] == [0, 1, 2, 3]
    assert posts[three]["parent_id"] == two

    # And after a reload (a shareable link), the same tree.
    page.reload()
    settle(page)
    expect(nested).to_contain_text("no shelter at all")
    screenshot(page, "flow-topic-after-three-replies-phone")
    assert_accessible(page)


def test_the_private_space_gate_of_a_free_organization_is_explained(
    browsing: Browsing, api: Api
) -> None:
    admin = api.user("Org Admin")
    org = api.org(admin, "Free City")
    page, watch = browsing.page(user=admin)
    page.goto(f"/orgs/{org['id']}")
    settle(page)
    expect(page.get_by_text("Private (members-only) spaces")).to_be_visible()
    expect(page.get_by_text("Private spaces are not included in the Free tier.")).to_be_visible()
    private = page.get_by_label("Private: members only")
    # The explanation is attached to the control, for screen readers too.
    described = private.get_attribute("aria-describedby") or ""
    assert "not included" in page.locator(f"#{described}").inner_text()

    watch.expect_console("status of 402")
    page.get_by_label("Name", exact=True).fill("Residents only")
    private.check()
    page.get_by_role("button", name="Open space").click()
    error = page.locator("fieldset .field-error")
    expect(error).to_contain_text("Plus")
    # What the admin typed is still there, and nothing was created.
    expect(page.get_by_label("Name", exact=True)).to_have_value("Residents only")
    assert api.ok("GET", f"/orgs/{org['id']}/spaces", admin)["spaces"] == []
    screenshot(page, "org-private-space-gate-desktop")
    assert_accessible(page)


def test_the_public_space_quota_shows_as_usage_bars(browsing: Browsing, api: Api) -> None:
    admin = api.user("Quota Admin")
    org = api.org(admin, "Busy City")
    for name in ("One", "Two"):
        api.space(admin, org["id"], name=name)
    page, _ = browsing.page(width="phone", user=admin)
    page.goto(f"/orgs/{org['id']}")
    settle(page)
    meter = page.get_by_role("meter", name="Public spaces")
    expect(meter).to_have_attribute("value", "2")
    expect(meter).to_have_attribute("max", "3")
    expect(page.locator(".quota", has_text="Public spaces")).to_contain_text("2 of 3")


def test_sign_up_with_a_taken_email_keeps_what_was_typed(browsing: Browsing, api: Api) -> None:
    taken = api.user("Already Here")
    page, watch = browsing.page(width="phone")
    watch.expect_console("status of 409")
    page.goto("/signup")
    settle(page)
    page.get_by_label("Display name").fill("Second Person")
    page.get_by_label("Email").fill(taken.email)
    page.get_by_label("Password").fill("another long password")
    page.get_by_role("button", name="Create account").click()
    alert = page.get_by_role("alert").filter(has_text=re.compile(r"\S"))
    expect(alert.first).to_be_visible()
    expect(page.get_by_label("Display name")).to_have_value("Second Person")
    expect(page.get_by_label("Email")).to_have_value(taken.email)
    assert_accessible(page)


def test_sign_in_and_sign_out(browsing: Browsing, api: Api) -> None:
    user = api.user("Returning Reader")
    page, watch = browsing.page()
    watch.expect_console("status of 401")
    page.goto("/login")
    settle(page)
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill("wrong password!")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert").filter(has_text=re.compile(r"\S")).first).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value(user.email)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Returning Reader")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(nav.get_by_role("link", name="Sign in")).to_be_visible()
    page.reload()
    settle(page)
    expect(nav.get_by_role("link", name="Sign in")).to_be_visible()
    expect(nav.get_by_role("button", name="Sign out")).to_have_count(0)


def test_reader_reacts_edits_with_history_and_flags(browsing: Browsing, api: Api) -> None:
    world = api.world()
    topic = world["topic"]
    reader = api.user("Careful Reader")
    mine = api.post(reader, topic["id"], "First draft of my idea.")
    other = api.post(world["admin"], topic["id"], "Buy cheap watches at example.com")
    page, _ = browsing.page(user=reader)
    page.goto(f"/topics/{topic['id']}")
    settle(page)

    # React, and take it back.
    first = page.locator(f"#post-{world['first_post']['id']} > article")
    agree = first.get_by_role("button", name=re.compile(r"^Agree"))
    agree.click()
    expect(agree).to_have_attribute("aria-pressed", "true")
    expect(agree).to_have_text(re.compile(r"Agree\s*1"))
    agree.click()
    expect(agree).to_have_attribute("aria-pressed", "false")

    # Edit my post; the earlier version is in its history.
    own = page.locator(f"#post-{mine['id']} > article")
    own.get_by_role("button", name="Edit").click()
    own.get_by_label("Edit your post").fill("Second, better version.")
    own.get_by_role("button", name="Save").click()
    expect(own.locator(".prose")).to_have_text("Second, better version.")
    expect(own).to_contain_text("edited")
    own.get_by_role("button", name="History").click()
    expect(own.locator(".history")).to_contain_text("First draft of my idea.")

    # Flag someone else's post with a reason.
    theirs = page.locator(f"#post-{other['id']} > article")
    theirs.get_by_role("button", name="Flag").click()
    theirs.get_by_label("Spam").check()
    theirs.get_by_label("Details (optional)").fill("An advert")
    theirs.get_by_role("button", name="Send flag").click()
    expect(theirs.get_by_role("status")).to_contain_text("moderators will review")
    assert_accessible(page)


def test_collapse_and_expand_a_branch_by_keyboard(browsing: Browsing, api: Api) -> None:
    world = api.world()
    topic, first = world["topic"], world["first_post"]
    a = api.post(world["admin"], topic["id"], "A branch", first["id"])
    api.post(world["admin"], topic["id"], "A leaf in the branch", a["id"])
    page, _ = browsing.page(width="phone")
    page.goto(f"/topics/{topic['id']}")
    settle(page)
    toggle = page.locator(f"#post-{a['id']} > article").get_by_role("button", name="Collapse")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    toggle.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("A leaf in the branch")).to_be_hidden()
    shown = page.locator(f"#post-{a['id']} > article").get_by_role("button", name="Expand 1 reply")
    expect(shown).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text("A leaf in the branch")).to_be_visible()


def test_a_hidden_post_shows_a_placeholder_to_readers_and_the_reason_to_its_author(
    browsing: Browsing, api: Api
) -> None:
    world = api.world()
    topic = world["topic"]
    author = api.user("Rude Author")
    rude = api.post(author, topic["id"], "Something rude")
    api.post(author, topic["id"], "A reply under it stays visible", rude["id"])
    moderator_page, _ = browsing.page(user=world["admin"])
    moderator_page.goto(f"/topics/{topic['id']}")
    settle(moderator_page)
    post = moderator_page.locator(f"#post-{rude['id']} > article")
    post.get_by_role("button", name="Hide post").click()
    post.get_by_label("Reason (shown to the author)").fill("Personal attack")
    post.get_by_role("button", name="Hide this post").click()
    expect(post).to_contain_text("Personal attack")
    expect(post.get_by_role("button", name="Restore")).to_be_visible()

    reader_page, _ = browsing.page(width="phone")
    reader_page.goto(f"/topics/{topic['id']}")
    settle(reader_page)
    hidden = reader_page.locator(f"#post-{rude['id']} > article")
    expect(hidden).to_contain_text("Hidden by a moderator.")
    expect(hidden).not_to_contain_text("Something rude")
    expect(reader_page.get_by_text("A reply under it stays visible")).to_be_visible()

    author_page, _ = browsing.page(user=author)
    author_page.goto(f"/topics/{topic['id']}")
    settle(author_page)
    own = author_page.locator(f"#post-{rude['id']} > article")
    expect(own).to_contain_text("Personal attack")
    expect(own).to_contain_text("Something rude")


def test_unknown_pages_and_ids_say_not_found(browsing: Browsing) -> None:
    page, watch = browsing.page(width="phone")
    watch.expect_console("status of 404")
    page.goto("/topics/999999")
    settle(page)
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    page.goto("/spaces/999999")
    settle(page)
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    assert_accessible(page)


def test_the_home_page_lists_members_by_region_and_country_with_their_spaces(
    browsing: Browsing, api: Api
) -> None:
    admin = api.user("Mayor's Office")
    lisbon = api.org(admin, "Lisbon", "Portugal", region="Europe")
    api.org(admin, "Porto", "Portugal", region="Europe")
    api.space(admin, lisbon["id"], name="Tram lines")
    page, _ = browsing.page(width="phone")
    page.goto("/")
    settle(page)
    region = page.locator("section.region", has=page.get_by_role("heading", name="Europe"))
    expect(region.locator("section.country h4", has_text="Portugal")).to_have_count(1)
    country = page.locator("section.country", has=page.get_by_role("heading", name="Portugal"))
    expect(country.get_by_role("link", name="Porto")).to_be_visible()
    expect(country.get_by_role("link", name="Lisbon")).to_be_visible()
    expect(country.get_by_role("link", name="Tram lines")).to_be_visible()
    page.get_by_label("Find a member organization").fill("lisb")
    expect(page.get_by_role("link", name="Lisbon")).to_be_visible()
    expect(page.locator("section.country:visible")).to_have_count(1)


def test_the_skip_link_and_keyboard_reach_the_content(browsing: Browsing, api: Api) -> None:
    world = api.world()
    page, _ = browsing.page(user=world["admin"])
    page.goto(f"/topics/{world['topic']['id']}")
    settle(page)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.locator("main h1").evaluate("h => { h.dataset.drawn = 'once'; }")
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    # The anchor moved focus and nothing else: the page was not drawn again (its
    # requests cut short, the reader's place lost).
    page.wait_for_timeout(300)
    expect(page.locator("main h1[data-drawn=once]")).to_have_count(1)
    # Reply is reachable from the keyboard and its form takes focus.
    reply = page.locator(f"#post-{world['first_post']['id']} > article") \
        .get_by_role("button", name="Reply", exact=True)
    reply.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("textbox", name="Reply to Mina Park")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.get_by_role("textbox", name="Reply to Mina Park")).to_have_count(0)


def test_a_link_about_to_be_followed_brings_its_page_code_before_the_click(
    browsing: Browsing, api: Api
) -> None:
    """The pointer on a topic's link starts fetching the thread's code, on a report's
    link (`?view=responsiveness`) the report's, and the keyboard reaching the "Sign in"
    link the sign-in page's, before any click (app.js `preloadFor`); the click then
    draws the page."""
    w = api.world()
    page, _ = browsing.page(width="desktop")
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    page.goto(f"/spaces/{w['space']['id']}")
    settle(page)
    early = ("/pages/topic.js", "/pages/auth.js", "/pages/responsiveness.js")
    assert not [url for url in fetched if url.endswith(early)]

    topic = page.get_by_role("link", name=w["topic"]["title"])
    with page.expect_request("**/static/pages/topic.js"):
        topic.hover()
    with page.expect_request("**/static/pages/responsiveness.js"):
        page.get_by_role("link", name=re.compile("answers questions here")).hover()
    with page.expect_request("**/static/pages/auth.js"):
        main_nav(page).get_by_role("link", name="Sign in").focus()
    assert "/topics/" not in page.url and "view=" not in page.url  # none was followed

    topic.click()
    expect(page.get_by_role("heading", name=w["topic"]["title"], level=1)).to_be_visible()


def test_a_post_linking_to_an_address_no_browser_can_follow_leaves_the_thread_drawn(
    browsing: Browsing, api: Api
) -> None:
    """`[words](//[)`: no browser can read the address as a URL. The thread used to fail
    whole on it ("Failed to construct 'URL'") for every reader. The server now drops
    such an address when a post is written; a post stored before still has it, and
    the page (dom.js `trustedHtml`) keeps its words as text and draws the rest."""
    w = api.world()
    api.post(w["admin"], w["topic"]["id"], "A [broken link](//[) in a reply")
    api.post(w["admin"], w["topic"]["id"], "A [fine link](https://example.org) after it")
    page, _ = browsing.page(width="phone")
    page.goto(f"/topics/{w['topic']['id']}")
    settle(page)
    expect(page.get_by_role("heading", name=w["topic"]["title"], level=1)).to_be_visible()
    expect(page.get_by_text("A broken link in a reply")).to_be_visible()
    expect(page.get_by_role("link", name="broken link")).to_have_count(0)
    expect(page.get_by_role("link", name="fine link")).to_have_attribute("target", "_blank")
    assert_accessible(page)
    # As stored before the server dropped such addresses:
    drawn = page.evaluate("""async () => {
      const { trustedHtml } = await import("/static/dom.js");
      const el = trustedHtml(document.createElement("div"),
        '<a href="//%5B">words</a> <a href="https://example.org">fine</a>');
      return [...el.querySelectorAll("a")].map(
        (a) => [a.textContent, a.getAttribute("href"), a.getAttribute("target")]);
    }""")
    assert drawn == [["words", None, None], ["fine", "https://example.org", "_blank"]]


def test_a_page_whose_code_does_not_arrive_says_so_and_draws_on_try_again(
    browsing: Browsing, api: Api
) -> None:
    """Each page's module comes when its route is first drawn (app.js): the home page
    does not fetch the thread's code, and a module that fails to arrive (the
    connection dropped) gives the error page in the reader's words, whose "Try again"
    fetches it again."""
    page, watch = browsing.page(width="phone")
    watch.expect_console("net::ERR_FAILED")  # the module the test cuts off
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    page.goto("/")
    settle(page)
    assert not [url for url in fetched if "/static/thread/" in url or "/pages/topic.js" in url]

    page.route("**/static/pages/auth.js", lambda route: route.abort())
    main_nav(page).get_by_role("link", name="Sign in").click()
    expect(page.get_by_role("heading", name="Something went wrong")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_text(
        "Could not reach the server. Check your connection and try again.")
    assert "/static/" not in page.locator("main").inner_text()
    screenshot(page, "module-failed-phone")
    assert_accessible(page)

    page.unroute("**/static/pages/auth.js")
    page.get_by_role("button", name="Try again").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_label("Email")).to_be_visible()
    assert page.url.split("?")[0].endswith("/login")
