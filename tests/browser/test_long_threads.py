"""Long threads (issue 17): a citizen follows a 2,000-post thread read in pages
as they scroll, replies deep in it and sees the reply right under the post it
answers, with "in reply to" and what that post said; a second window sees it
arrive live in the same place, also when it had not read that page yet (the
reply waits for its parent, then shows once, right under it). On a phone a
post is one row (React, Reply, More), its menus work from the keyboard, every
control is at least 44 px; the Tab presses before the reply box do not grow
with the thread; a post you flagged says so. At 375 and 1280 px, light and
dark, axe clean of every impact, no page wider than its screen.

The 2,000 posts are written straight into the server's SQLite file (the one
thing here no API call can do quickly), with the tree paths the server gives."""

from __future__ import annotations

import random
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Api, Browsing, User, assert_axe_clean, screenshot, settle
from tests.support.servers import AppServer

pytestmark = pytest.mark.browser

PATH_WIDTH = 10  # cps.services.discussion.posts: digits per tree level
PAGE = 100  # thread/pager.js reads this many posts a page
LOADED_MS = 60_000  # what waits for many pages to be read and drawn on a loaded machine
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
STREETS = ["Main Street", "the river path", "Station Road", "the school gate", "Harbour Lane",
           "the market square", "Hill Road", "the old bridge"]


@dataclass
class Thread:
    topic_id: int
    people: list[User]
    order: list[int]  # post ids in tree order
    depth: dict[int, int]
    author: dict[int, str]


def long_thread(server: AppServer, api: Api, posts: int, seed: int = 17) -> Thread:
    """A topic with `posts` posts besides its first: chains of replies many levels
    deep, new top-level posts now and then, written over the last four days."""
    w = api.world()
    people = [w["admin"], w["citizen"], api.user("Ji-ho Lee"), api.user("Sam Okafor", "business")]
    rng = random.Random(seed)
    first = w["first_post"]
    made: list[tuple[int, int, str]] = [(first["id"], 0, str(first["id"]).zfill(PATH_WIDTH))]
    depth = {first["id"]: 0}
    author = {first["id"]: w["admin"].display_name}
    start = datetime.now(UTC) - timedelta(days=4, hours=6)
    with sqlite3.connect(server.workdir / "cps.db") as db:
        for i in range(posts):
            r = rng.random()
            if r < 0.08:
                parent = None
            elif r < 0.6:
                parent = made[-1]  # the conversation goes deeper
            else:
                parent = rng.choice(made[-40:])
            if parent and parent[1] >= 12:
                parent = made[0]
            who = people[i % len(people)]
            text = f"Post {i}: {rng.choice(STREETS)} needs a safer crossing before winter."
            at = (start + timedelta(minutes=3 * i)).strftime("%Y-%m-%d %H:%M:%S.%f")
            cur = db.execute(
                "INSERT INTO posts (topic_id, author_id, parent_id, depth, path, body, html,"
                " created_at, hidden, answers_question) VALUES (?, ?, ?, ?, '', ?, ?, ?, 0, 1)",
                (w["topic"]["id"], who.id, parent[0] if parent else None,
                 parent[1] + 1 if parent else 0, text, f"<p>{text}</p>", at))
            pid = int(cur.lastrowid or 0)
            path = (parent[2] if parent else "") + str(pid).zfill(PATH_WIDTH)
            db.execute("UPDATE posts SET path = ? WHERE id = ?", (path, pid))
            made.append((pid, parent[1] + 1 if parent else 0, path))
            depth[pid] = parent[1] + 1 if parent else 0
            author[pid] = who.display_name
        db.execute("UPDATE topics SET post_count = post_count + ? WHERE id = ?",
                   (posts, w["topic"]["id"]))
    order = [pid for pid, _, _ in sorted(made, key=lambda m: m[2])]
    return Thread(w["topic"]["id"], people, order, depth, author)


def posts_on(page: Page) -> int:
    return int(page.locator("li.post-node").count())


def read_until(page: Page, post_id: int) -> None:
    """Scrolls down, as a reader does, until the post is on the page."""
    for _ in range(160):
        if page.locator(f"#post-{post_id}").count():
            return
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_timeout(250)
    raise AssertionError(f"post {post_id} never loaded")


def fits(page: Page) -> None:
    viewport = page.viewport_size
    assert viewport is not None
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


def small_targets(page: Page) -> list[str]:
    """Controls on the topic page under 44 px on a side (links inside a post's text
    are words in a sentence, not targets of their own)."""
    found: list[str] = page.evaluate("""() => [...document.querySelectorAll(
        'main button, main a[href], main select, main input, main textarea, main [role=menuitem]')]
      .filter((el) => !el.closest('.prose') && !el.closest('.visually-hidden'))
      .filter((el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; })
      .filter((el) => { const r = el.getBoundingClientRect(); return r.height < 43.5 || r.width < 43.5; })
      .map((el) => `${el.tagName} "${(el.textContent || '').trim().slice(0, 30)}" `
        + `${Math.round(el.getBoundingClientRect().width)}x${Math.round(el.getBoundingClientRect().height)}`)""")
    return found


def deep_target(thread: Thread, lo: int, hi: int) -> int:
    """A post deep in the thread (laid flat), between tree positions lo and hi."""
    return next(pid for pid in thread.order[lo:hi] if thread.depth[pid] >= 6)


# Each width and each scheme once (tests/browser/test_all_pages.py checks every page
# in every pair): the walk through is the same in the four.
@pytest.mark.parametrize(("width", "scheme"), [("phone", "dark"), ("desktop", "light")])
def test_a_citizen_follows_a_2000_post_thread_replies_deep_in_it_and_sees_it_in_place(
    browsing: Browsing, api: Api, width: str, scheme: str
) -> None:
    thread = long_thread(browsing.server, api, 2000)
    citizen, neighbour = thread.people[1], thread.people[2]
    target = deep_target(thread, 150, 300)

    # A neighbour has the topic open in another window, read down to that post.
    other, _ = browsing.page(width, scheme, user=neighbour)
    other.goto(f"/topics/{thread.topic_id}")
    settle(other)
    read_until(other, target)

    page, _ = browsing.page(width, scheme, user=citizen)
    page.goto(f"/topics/{thread.topic_id}")
    settle(page)
    # One page of the thread, not 2,000 posts; more as the reader scrolls.
    expect(page.locator("li.post-node")).to_have_count(PAGE)
    expect(page.get_by_role("button", name="Show more posts")).to_be_attached()
    read_until(page, target)
    assert PAGE < posts_on(page) < 2001
    order = page.evaluate("[...document.querySelectorAll('li.post-node')].map(li => +li.id.slice(5))")
    assert order == thread.order[: len(order)]  # in the server's tree order, none twice

    post = page.locator(f"#post-{target} > article")
    post.scroll_into_view_if_needed()
    # Deep in the thread the post lies flat, saying whom it answers and what they said.
    expect(post.locator(".reply-context")).to_contain_text("wrote: “Post")
    expect(post.get_by_role("link", name=re.compile("^in reply to"))).to_be_visible()
    post.get_by_role("button", name="Reply").click()
    text = f"At depth {thread.depth[target]}: the crossing by the school needs a light too."
    post.get_by_role("textbox").fill(text)
    post.get_by_role("button", name="Post reply").click()

    # Right under the post it answers, not at the end of its replies.
    mine = page.locator(f"#post-{target} + li.post-node")
    expect(mine).to_contain_text(text)
    expect(mine.locator(".post-head")).to_contain_text(f"in reply to {thread.author[target]}")
    expect(mine.locator(".reply-context")).to_contain_text(f"{thread.author[target]} wrote:")
    expect(mine.locator("article")).to_be_focused()
    expect(page.locator("li.post-node > article", has_text=text)).to_have_count(1)
    new_id = int((mine.get_attribute("id") or "").removeprefix("post-"))
    assert api.ok("GET", f"/topics/{thread.topic_id}/posts?limit=1")  # the server answers
    # The link up goes to the post it answers.
    mine.get_by_role("link", name=re.compile("^in reply to")).click()
    expect(page).to_have_url(re.compile(f"#post-{target}$"))

    # The neighbour sees it arrive, live, in the same place, once.
    theirs = other.locator(f"#post-{target} + li.post-node")
    expect(theirs).to_have_id(f"post-{new_id}")
    expect(theirs).to_contain_text(text)
    expect(other.locator("li.post-node > article", has_text=text)).to_have_count(1)

    for who, name in ((page, "citizen"), (other, "neighbour")):
        who.locator(f"#post-{new_id}").scroll_into_view_if_needed()
        fits(who)
        assert not ISO_DATE.search(who.locator(".thread").inner_text())
        screenshot(who, f"long-thread-reply-in-place-{name}-{width}-{scheme}", full_page=False)
    if width == "phone":
        assert small_targets(page) == [], small_targets(page)
    assert_axe_clean(page)


def test_a_reply_to_a_post_not_read_yet_waits_for_it_and_shows_once_right_under_it(
    browsing: Browsing, api: Api
) -> None:
    thread = long_thread(browsing.server, api, 600, seed=5)
    target = deep_target(thread, 350, 500)
    page, _ = browsing.page("desktop", user=thread.people[2])
    page.goto(f"/topics/{thread.topic_id}")
    settle(page)
    expect(page.locator("li.post-node")).to_have_count(PAGE)

    # Replies come in, one to a post on a page this reader has not read, one at the root.
    reply = api.post(thread.people[1], thread.topic_id, "A reply to a post far below.", target)
    root = api.post(thread.people[3], thread.topic_id, "A new post at the end of the thread.")
    bar = page.get_by_role("button", name=re.compile("^2 new replies"))
    expect(bar).to_be_visible()
    expect(page.locator(f"#post-{reply['id']}")).to_have_count(0)  # not out of place meanwhile

    # Reading on down, the reply shows right under its parent, once.
    read_until(page, target)
    expect(page.locator(f"#post-{target} + li.post-node")).to_have_id(f"post-{reply['id']}")
    expect(page.locator("li.post-node > article", has_text="A reply to a post far below.")).to_have_count(1)
    # Jump to newest reads the rest: the new root post is last, once, and focused.
    # (Reading 500 posts takes a few seconds on a loaded machine: the waits are long.)
    page.get_by_role("button", name="Jump to newest").first.click(timeout=LOADED_MS)
    expect(page.locator("li.post-node")).to_have_count(len(thread.order) + 2, timeout=LOADED_MS)
    last = page.locator("ol.thread > li.post-node").last
    expect(last).to_have_id(f"post-{root['id']}", timeout=LOADED_MS)
    expect(last.locator("article")).to_be_focused(timeout=LOADED_MS)
    ids = page.evaluate("[...document.querySelectorAll('li.post-node')].map(li => +li.id.slice(5))")
    assert len(ids) == len(set(ids))
    expect(page.locator(".new-bar")).to_be_hidden()


def tabs_to_reply_box(page: Page) -> int:
    page.locator("body").focus()
    page.evaluate("document.activeElement.blur()")
    for n in range(1, 200):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement?.getAttribute('aria-label') || document.activeElement?.labels?.[0]?.textContent || ''").startswith("Your post"):
            return n
    raise AssertionError("the reply box was never reached")


def test_the_tab_presses_before_the_reply_box_do_not_grow_with_the_thread(
    browsing: Browsing, api: Api
) -> None:
    counts = {}
    for size in (20, 200):
        thread = long_thread(browsing.server, api, size - 1, seed=size)
        page, _ = browsing.page("desktop", user=thread.people[1])
        page.goto(f"/topics/{thread.topic_id}")
        settle(page)
        expect(page.get_by_role("textbox", name="Your post")).to_be_visible()
        counts[size] = tabs_to_reply_box(page)
        # The arrow keys go from post to post; Tab then reaches that post's buttons.
        first = page.locator("li.post-node > article").first
        first.focus()
        page.keyboard.press("ArrowDown")
        second = page.locator("li.post-node > article").nth(1)
        expect(second).to_be_focused()
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('article') === document.querySelectorAll('li.post-node > article')[1]")
        # The skip link takes one Tab and Enter from the thread's top to the reply box.
        page.get_by_role("link", name="Skip to the reply box").focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("textbox", name="Your post")).to_be_focused()
    assert counts[20] == counts[200], counts


def test_on_a_phone_a_post_is_one_row_with_menus_for_reactions_and_actions(
    browsing: Browsing, api: Api
) -> None:
    thread = long_thread(browsing.server, api, 12, seed=3)
    theirs = thread.order[3]
    page, _ = browsing.page("phone", user=thread.people[3] if thread.author[theirs] != thread.people[3].display_name else thread.people[2])
    page.goto(f"/topics/{thread.topic_id}")
    settle(page)
    post = page.locator(f"#post-{theirs} > article")
    actions = post.locator(".post-actions")
    # One row: React, Reply, More.
    tops = actions.evaluate("(bar) => [...bar.children].map((c) => Math.round(c.getBoundingClientRect().top))")
    assert len(set(tops)) == 1, tops
    expect(post.locator(".reactions button")).to_have_count(0)

    react = post.get_by_role("button", name=re.compile("^React to the post"))
    expect(react).to_have_attribute("aria-haspopup", "menu")
    react.focus()
    page.keyboard.press("Enter")
    expect(react).to_have_attribute("aria-expanded", "true")
    like = post.get_by_role("menuitemcheckbox", name="Like")
    expect(like).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(post.get_by_role("menuitemcheckbox", name="Agree", exact=True)).to_be_focused()
    page.keyboard.press("Escape")
    expect(react).to_be_focused()
    expect(react).to_have_attribute("aria-expanded", "false")
    react.click()
    post.get_by_role("menuitemcheckbox", name="Agree", exact=True).click()
    expect(post.locator(".reaction-summary")).to_contain_text("Agree 1 (you)")
    expect(post.get_by_role("button", name=re.compile("^React to the post"))).to_be_focused()

    more = post.get_by_role("button", name=re.compile("^More for the post"))
    expect(more).to_have_attribute("aria-haspopup", "menu")
    more.focus()
    page.keyboard.press("ArrowUp")  # opens on the last item
    items = post.get_by_role("menuitem")
    expect(items.last).to_be_focused()
    page.keyboard.press("Home")
    expect(items.first).to_be_focused()
    screenshot(page, "long-thread-more-menu-phone", full_page=False)
    assert_axe_clean(page)
    post.get_by_role("menuitem", name="Flag").click()
    post.get_by_role("button", name="Send flag").click()
    expect(post.locator(".post-head")).to_contain_text("You flagged this")
    # Flagged once, it says so after a reload too, and offers no second flag.
    page.reload()
    settle(page)
    post = page.locator(f"#post-{theirs} > article")
    expect(post.locator(".post-head")).to_contain_text("You flagged this")
    more = post.get_by_role("button", name=re.compile("^More for the post"))
    if more.count():
        more.click()
        expect(post.get_by_role("menuitem", name="Flag")).to_have_count(0)
    fits(page)
    assert small_targets(page) == [], small_targets(page)
    screenshot(page, "long-thread-flagged-phone", full_page=False)


def test_a_flagged_post_says_so_on_a_wide_screen(browsing: Browsing, api: Api) -> None:
    thread = long_thread(browsing.server, api, 5, seed=9)
    reader = thread.people[3]
    theirs = next(p for p in thread.order if thread.author[p] != reader.display_name)
    flagged: dict[str, Any] = api.ok("POST", f"/posts/{theirs}/flags", reader, {"reason": "spam"},
                                     status=201)
    assert flagged["flag"]["post_id"] == theirs
    page, _ = browsing.page("desktop", "dark", user=reader)
    page.goto(f"/topics/{thread.topic_id}")
    settle(page)
    post = page.locator(f"#post-{theirs} > article")
    expect(post.locator(".post-head")).to_contain_text("You flagged this")
    expect(post.get_by_role("button", name="Flag")).to_have_count(0)
    assert_axe_clean(page)
