"""Live pages: what one window writes, another shows, in place, within a second."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
from playwright.sync_api import Page, WebSocket, expect

from tests.browser.conftest import Api, Browsing, assert_accessible, screenshot, settle

pytestmark = pytest.mark.browser

LIVE_WITHIN_MS = 1000


def open_topic(page: Page, topic_id: int) -> None:
    page.goto(f"/topics/{topic_id}")
    settle(page)
    expect(page.locator("#conn")).to_have_text("Live")


def record_frames(page: Page) -> list[dict[str, Any]]:
    """The frames the page sends on its sockets, parsed."""
    sent: list[dict[str, Any]] = []

    def on_socket(ws: WebSocket) -> None:
        ws.on("framesent", lambda payload: sent.append(json.loads(payload)))

    page.on("websocket", on_socket)
    return sent


def test_a_reply_written_in_one_window_appears_in_the_other_within_a_second(
    browsing: Browsing, api: Api
) -> None:
    world = api.world()
    topic, first = world["topic"], world["first_post"]
    writer = api.user("Writer")
    reader_page, _ = browsing.page(width="phone")
    writer_page, _ = browsing.page(user=writer)
    open_topic(reader_page, topic["id"])
    open_topic(writer_page, topic["id"])

    post = writer_page.locator(f"#post-{first['id']} > article")
    post.get_by_role("button", name="Reply", exact=True).click()
    post.get_by_role("textbox", name="Reply to Mina Park").fill("Seen live in the other window")
    with writer_page.expect_response(lambda r: r.request.method == "POST"
                                     and r.url.endswith(f"/topics/{topic['id']}/posts")):
        post.get_by_role("button", name="Post reply").click()
    started = time.monotonic()
    landed = reader_page.locator(f"#post-{first['id']} > ol.replies > li.post-node",
                                 has_text="Seen live in the other window")
    expect(landed).to_be_visible(timeout=LIVE_WITHIN_MS)
    assert time.monotonic() - started < LIVE_WITHIN_MS / 1000
    expect(landed.locator("article")).to_have_class(re.compile(r"\bis-new\b"))
    expect(reader_page.locator("#announcer")).to_contain_text("New reply from Writer",
                                                             timeout=3000)
    screenshot(reader_page, "live-reply-landed-phone")
    assert_accessible(reader_page)


def test_a_window_that_was_offline_shows_every_post_written_meanwhile(
    browsing: Browsing, api: Api
) -> None:
    world = api.world()
    topic, first = world["topic"], world["first_post"]
    ctx, _ = browsing.context()
    page = ctx.new_page()
    sent = record_frames(page)
    open_topic(page, topic["id"])

    ctx.set_offline(True)
    expect(page.locator("#conn")).to_contain_text("Offline")
    writer = api.user("Busy Writer")
    written = []
    parent = first["id"]
    for i in range(10):
        p = api.post(writer, topic["id"], f"Written while offline {i}",
                     parent if i % 2 else None)
        written.append(p)
        parent = p["id"]
    ctx.set_offline(False)

    for p in written:
        expect(page.locator(f"li#post-{p['id']}")).to_have_count(1, timeout=10_000)
        expect(page.locator(f"li#post-{p['id']} > article .prose")).to_have_text(p["body"])
    # Each reply sits under its parent.
    for p in written:
        if p["parent_id"] is not None:
            expect(page.locator(f"li#post-{p['parent_id']} > ol.replies > li#post-{p['id']}"))\
                .to_have_count(1)
    # It resumed from where it was rather than starting over.
    resumes = [f for f in sent if f.get("type") == "subscribe"
               and f.get("channel") == f"topic:{topic['id']}" and "since" in f]
    assert resumes, sent
    expect(page.locator("#conn")).to_have_text("Live")


def test_a_post_hidden_by_a_moderator_disappears_from_other_windows(
    browsing: Browsing, api: Api
) -> None:
    world = api.world()
    topic = world["topic"]
    author = api.user("Troll")
    rude = api.post(author, topic["id"], "Something abusive")
    reader_page, _ = browsing.page(width="phone")
    open_topic(reader_page, topic["id"])
    expect(reader_page.get_by_text("Something abusive")).to_be_visible()

    mod_page, _ = browsing.page(user=world["admin"])
    open_topic(mod_page, topic["id"])
    post = mod_page.locator(f"#post-{rude['id']} > article")
    post.get_by_role("button", name="Hide post").click()
    post.get_by_label("Reason (shown to the author)").fill("Abuse")
    with mod_page.expect_response(lambda r: r.url.endswith(f"/posts/{rude['id']}/hide")):
        post.get_by_role("button", name="Hide this post").click()
    hidden = reader_page.locator(f"#post-{rude['id']} > article")
    expect(hidden).to_contain_text("Hidden by a moderator.", timeout=LIVE_WITHIN_MS)
    expect(hidden).not_to_contain_text("Something abusive")
    # The moderator still sees what it said.
    expect(post).to_contain_text("Something abusive")

    post.get_by_role("button", name="Restore").click()
    expect(hidden).to_contain_text("Something abusive", timeout=LIVE_WITHIN_MS)


def test_new_replies_land_in_place_without_moving_what_the_reader_reads(
    browsing: Browsing, api: Api
) -> None:
    world = api.world()
    topic, first = world["topic"], world["first_post"]
    writer = api.user("Long Thread")
    posts = [api.post(writer, topic["id"], f"Point number {i}: " + "words " * 30, first["id"])
             for i in range(25)]
    page, _ = browsing.page(width="phone")
    open_topic(page, topic["id"])
    reading = page.locator(f"#post-{posts[15]['id']} > article")
    reading.scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, -100)")
    before = reading.bounding_box()
    assert before is not None

    # A reply above what the reader reads: the page keeps it where it was.
    above = api.post(writer, topic["id"], "A reply far above", posts[2]["id"])
    expect(page.locator(f"li#post-{above['id']}")).to_have_count(1, timeout=LIVE_WITHIN_MS)
    after = reading.bounding_box()
    assert after is not None
    assert abs(after["y"] - before["y"]) <= 2, (before, after)
    marker = page.locator(".new-marker")
    expect(marker).to_have_text("1 new reply ↑")

    # Another one below, also off-screen.
    below = api.post(writer, topic["id"], "A reply far below", posts[24]["id"])
    expect(page.locator(f"li#post-{below['id']}")).to_have_count(1, timeout=LIVE_WITHIN_MS)
    expect(marker).to_have_text("2 new replies ↑")
    screenshot(page, "live-new-replies-marker-phone", full_page=False)

    marker.click()
    expect(page.locator(f"#post-{above['id']} > article")).to_be_focused()
    expect(page.locator(f"#post-{above['id']} > article")).to_be_in_viewport()
    expect(marker).to_have_text("1 new reply ↓")


def test_who_is_here_and_who_is_typing(browsing: Browsing, api: Api) -> None:
    world = api.world()
    topic = world["topic"]
    ana, ben = api.user("Ana Here"), api.user("Ben Typing")
    ana_page, _ = browsing.page(user=ana)
    ben_page, _ = browsing.page(width="phone", user=ben)
    open_topic(ana_page, topic["id"])
    open_topic(ben_page, topic["id"])
    here = ana_page.locator(".here")
    expect(here).to_contain_text("Ben Typing", timeout=5000)
    expect(here).to_contain_text("you")
    ben_page.get_by_role("textbox", name="Your post").press_sequentially("I think", delay=20)
    expect(here).to_contain_text("Ben Typing is typing…", timeout=5000)

    ben_page.close()
    expect(here).not_to_contain_text("Ben Typing", timeout=10_000)


def test_the_space_page_shows_new_and_pinned_topics_live(browsing: Browsing, api: Api) -> None:
    world = api.world()
    space = world["space"]
    page, _ = browsing.page(width="phone")
    page.goto(f"/spaces/{space['id']}")
    settle(page)
    expect(page.locator("#conn")).to_have_text("Live")
    newer = api.topic(world["admin"], space["id"], "Night buses after midnight")
    item = page.locator(f"#topic-{newer['id']}")
    expect(item).to_be_visible(timeout=LIVE_WITHIN_MS)
    expect(page.locator(".topic-item").first).to_have_id(f"topic-{newer['id']}")

    # Pinning the older topic brings it to the top, live.
    api.ok("PATCH", f"/topics/{world['topic']['id']}", world["admin"], {"pinned": True})
    top = page.locator(".topic-item").first
    expect(top).to_have_id(f"topic-{world['topic']['id']}", timeout=LIVE_WITHIN_MS)
    expect(top).to_contain_text("Pinned")
