"""thread/state.js, the topic page's thread as data, run in Chromium as the
module it is (imported on the served app), fed the events the server really
sends on a topic's channel to each kind of reader: the same event twice
changes nothing, a hidden post keeps its words for its author and the
moderators only, reaction counts follow, a renamed or moved topic is the
thread's new topic, and the events after a load end where a fresh read is.

The order of events is live.js's part (state.js applies what it is given):
its test is at the end."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import Api, Browsing, User, settle

pytestmark = pytest.mark.browser

WITHIN_MS = 5000

# A reader's thread, as pages/topic.js makes it: follow the topic's channel
# (here a socket of our own that keeps every event for the test to apply), and
# once the server has said where the channel is, read the topic, its space, its
# organization, the reader and the posts over HTTP.
OPEN = """async (topicId) => {
  const S = await import("/static/thread/state.js");
  const { all, get } = await import("/static/api.js");
  const { loadSession } = await import("/static/session.js");
  const channel = `topic:${topicId}`;
  const events = [];
  const ws = new WebSocket(`ws://${location.host}/ws`);
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve);
    ws.addEventListener("error", reject);
  });
  const subscribed = new Promise((resolve) => {
    ws.addEventListener("message", (e) => {
      const msg = JSON.parse(e.data);
      if (msg.channel !== channel) return;
      if (msg.type === "subscribed") resolve(msg.seq);
      else if (msg.type === "event") events.push(msg);
    });
  });
  ws.send(JSON.stringify({ type: "subscribe", channel }));
  await subscribed;
  const read = async () => {
    const { topic } = await get(`/topics/${topicId}`);
    const { space } = await get(`/spaces/${topic.space_id}`);
    const { org } = await get(`/orgs/${space.org_id}`);
    const me = await loadSession();
    const thread = S.createThread({ topic, space, org, me });
    for (const p of await all(`/topics/${topicId}/posts`, "posts")) S.putPost(thread, p);
    return thread;
  };
  const snap = (t) => JSON.stringify(
    { topic: t.topic, space: t.space, org: t.org, me: t.me, posts: [...t.posts.entries()] });
  const plain = (t) => ({ topic: t.topic, posts: Object.fromEntries(t.posts) });
  window.__t = { S, events, read, snap, plain, thread: await read() };
}"""

APPLY = """(msg) => {
  const t = window.__t;
  const before = t.snap(t.thread);
  const changes = t.S.applyEvent(t.thread, msg);
  return { changes, changed: t.snap(t.thread) !== before };
}"""


class Reader:
    """One reader's topic page: the thread as state.js keeps it."""

    def __init__(self, browsing: Browsing, topic_id: int, user: User | None = None) -> None:
        self.page: Page = browsing.page(user=user)[0]
        self.page.goto("/")
        settle(self.page)
        self.page.evaluate(OPEN, topic_id)

    def event(self, name: str, about: int) -> dict[str, Any]:
        """The first event `name` about the post or topic `about`, once it came."""
        find = """([name, about]) => window.__t.events.find((m) => m.name === name
                    && [m.data.id, m.data.post_id, m.data.post && m.data.post.id].includes(about))"""
        self.page.wait_for_function(find, arg=[name, about], timeout=WITHIN_MS)
        return dict(self.page.evaluate(find, [name, about]))

    def events(self) -> list[dict[str, Any]]:
        return list(self.page.evaluate("window.__t.events"))

    def apply(self, msg: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
        """Applies an event: (what to redraw, whether the thread changed)."""
        result = self.page.evaluate(APPLY, msg)
        return list(result["changes"]), bool(result["changed"])

    def post(self, post_id: int) -> dict[str, Any]:
        return dict(self.page.evaluate("(id) => window.__t.thread.posts.get(id)", post_id))

    def topic(self) -> dict[str, Any]:
        return dict(self.page.evaluate("window.__t.thread.topic"))

    def thread(self) -> dict[str, Any]:
        return dict(self.page.evaluate("window.__t.plain(window.__t.thread)"))

    def fresh(self) -> dict[str, Any]:
        """The thread as a new load reads it now."""
        return dict(self.page.evaluate("window.__t.read().then(window.__t.plain)"))


def seen(post: dict[str, Any]) -> dict[str, Any]:
    """What the page draws of a post (post-view.js): its words, whether they are
    hidden or deleted, when it was edited, the reactions that count."""
    return {
        "body": post["body"], "html": post["html"], "hidden": post["hidden"],
        "deleted": post["deleted"], "edited_at": post["edited_at"],
        "reactions": {k: n for k, n in post["reactions"].items() if n},
        "my_reactions": sorted(post["my_reactions"]),
    }


def test_the_same_event_twice_changes_nothing_the_second_time(
    browsing: Browsing, api: Api
) -> None:
    world = api.world()
    admin, topic = world["admin"], world["topic"]
    writer, fan = api.user("Wren Writer"), api.user("Fan Reader")
    parks = api.space(admin, world["org"]["id"], name="Parks")
    readers = {"anonymous": Reader(browsing, topic["id"]),
               "author": Reader(browsing, topic["id"], writer),
               "moderator": Reader(browsing, topic["id"], admin)}

    reply = api.post(writer, topic["id"], "Start with Jong-ro.", world["first_post"]["id"])
    api.ok("PATCH", f"/posts/{reply['id']}", writer, {"body": "Start with Jong-ro and Euljiro."})
    api.ok("POST", f"/posts/{reply['id']}/reactions", fan, {"kind": "agree"})
    api.ok("POST", f"/posts/{reply['id']}/hide", admin, {"reason": "Checking a claim"})
    api.ok("POST", f"/posts/{reply['id']}/restore", admin)
    api.ok("DELETE", f"/posts/{reply['id']}", writer)
    api.ok("PATCH", f"/topics/{topic['id']}", admin, {"title": "Which streets get bike lanes?"})
    api.ok("PATCH", f"/topics/{topic['id']}", admin, {"pinned": True})
    api.ok("PATCH", f"/topics/{topic['id']}", admin, {"locked": True})
    api.ok("POST", f"/topics/{topic['id']}/move", admin, {"space_id": parks["id"]})

    expected = ["post.created", "post.edited", "reaction.changed", "post.hidden",
                "post.restored", "post.deleted", "topic.renamed", "topic.pinned",
                "topic.locked", "topic.moved"]
    for who, reader in readers.items():
        reader.event("topic.moved", topic["id"])
        events = reader.events()
        assert [m["name"] for m in events] == expected, who
        for msg in events:
            first, changed = reader.apply(msg)
            assert first and changed, (who, msg["name"], first)
            again, changed_again = reader.apply(msg)
            assert not changed_again, (who, msg["name"])
            # Nothing is drawn as new or changed again; what may repeat is a
            # redraw of what is already drawn (counts, the head) or closing
            # a panel that is closed.
            assert again == [c for c in first if c["kind"] not in ("added", "changed")], (
                who, msg["name"], again)

        # Where the events left the thread is where a new load starts.
        now, fresh = reader.thread(), reader.fresh()
        assert {k: now["topic"][k] for k in fresh["topic"]} == fresh["topic"], who
        assert now["posts"].keys() == fresh["posts"].keys(), who
        for pid, post in fresh["posts"].items():
            assert seen(now["posts"][pid]) == seen(post), (who, pid)
        gone = now["posts"][str(reply["id"])]
        assert gone["deleted"] and gone["body"] == "" and gone["html"] == "", who
        assert now["topic"]["title"] == "Which streets get bike lanes?", who
        assert now["topic"]["space_id"] == parks["id"], who


def test_a_hidden_post_keeps_its_words_for_its_author_and_the_moderators_only(
    browsing: Browsing, api: Api
) -> None:
    world = api.world()
    admin, topic, space = world["admin"], world["topic"], world["space"]
    writer, neighbour, volunteer = api.user("Hal Writer"), api.user("Nia Neighbour"), api.user(
        "Vic Volunteer")
    api.ok("POST", f"/spaces/{space['id']}/moderators", admin, {"user_id": volunteer.id})
    post = api.post(writer, topic["id"], "The mayor promised **this** in 2019.")
    readers = {"author": Reader(browsing, topic["id"], writer),
               "space admin": Reader(browsing, topic["id"], admin),
               "moderator": Reader(browsing, topic["id"], volunteer),
               "another citizen": Reader(browsing, topic["id"], neighbour),
               "anonymous": Reader(browsing, topic["id"])}
    for who, reader in readers.items():
        assert "promised <strong>this</strong>" in reader.post(post["id"])["html"], who

    api.ok("POST", f"/posts/{post['id']}/hide", volunteer, {"reason": "Needs a source"})
    for who, reader in readers.items():
        msg = reader.event("post.hidden", post["id"])
        assert msg["data"]["html"] == "", "the event says what an anonymous reader sees"
        changes, _ = reader.apply(msg)
        hidden = reader.post(post["id"])
        assert hidden["hidden"], who
        if who in ("author", "space admin", "moderator"):
            # Still readable, under "Hidden by a moderator"; nothing to close.
            assert changes == [{"kind": "changed", "id": post["id"]}], who
            assert hidden["body"] == "The mayor promised **this** in 2019.", who
            assert "promised <strong>this</strong>" in hidden["html"], who
        else:
            # A placeholder; an open reply or flag panel under it closes.
            assert changes == [{"kind": "changed", "id": post["id"]},
                               {"kind": "closePanel", "id": post["id"]}], who
            assert hidden["body"] == "" and hidden["html"] == "", who
        again = reader.apply(msg)
        assert again == ([c for c in changes if c["kind"] == "closePanel"], False), who
        assert seen(reader.post(post["id"])) == seen(reader.fresh()["posts"][str(post["id"])]), who

    api.ok("POST", f"/posts/{post['id']}/restore", volunteer)
    for who, reader in readers.items():
        changes, _ = reader.apply(reader.event("post.restored", post["id"]))
        assert changes == [{"kind": "changed", "id": post["id"]}], who
        restored = reader.post(post["id"])
        assert not restored["hidden"], who
        assert "promised <strong>this</strong>" in restored["html"], who


def test_reaction_counts_follow_and_an_edit_keeps_them(browsing: Browsing, api: Api) -> None:
    world = api.world()
    topic = world["topic"]
    writer, reader_user = api.user("Rae Writer"), api.user("Ike Reader")
    ana, ben = api.user("Ana"), api.user("Ben")
    post = api.post(writer, topic["id"], "Protected lanes on Sejong-daero.")
    api.ok("POST", f"/posts/{post['id']}/reactions", reader_user, {"kind": "thanks"})
    reader = Reader(browsing, topic["id"], reader_user)
    assert reader.post(post["id"])["my_reactions"] == ["thanks"]

    api.ok("POST", f"/posts/{post['id']}/reactions", ana, {"kind": "like"})
    api.ok("POST", f"/posts/{post['id']}/reactions", ben, {"kind": "like"})
    api.ok("POST", f"/posts/{post['id']}/reactions", ana, {"kind": "agree"})
    api.ok("DELETE", f"/posts/{post['id']}/reactions/like", ben)
    api.ok("PATCH", f"/posts/{post['id']}", writer, {"body": "Protected lanes on Sejong-daero, both ways."})
    reader.event("post.edited", post["id"])
    events = reader.events()
    counts = [(m["data"]["kind"], m["data"]["count"]) for m in events
              if m["name"] == "reaction.changed"]
    assert counts == [("like", 1), ("like", 2), ("agree", 1), ("like", 1)]

    for msg in events:
        changes, _ = reader.apply(msg)
        if msg["name"] == "reaction.changed":
            assert changes == [{"kind": "reactions", "id": post["id"]}]
        assert not reader.apply(msg)[1], msg["name"]
    now = reader.post(post["id"])
    assert now["reactions"] == {"thanks": 1, "like": 1, "agree": 1}
    # The edit's event carries no reactions (an anonymous reader's view): ours stay.
    assert now["my_reactions"] == ["thanks"]
    assert now["body"] == "Protected lanes on Sejong-daero, both ways."
    assert seen(now) == seen(reader.fresh()["posts"][str(post["id"])])

    # A count for a post this reader does not have (not loaded yet): nothing.
    stray = {**events[0], "data": {"post_id": 987654321, "kind": "like", "count": 3}}
    assert reader.apply(stray) == ([], False)


def test_a_renamed_or_moved_topic_is_the_threads_new_topic(browsing: Browsing, api: Api) -> None:
    world = api.world()
    admin, topic = world["admin"], world["topic"]
    parks = api.space(admin, world["org"]["id"], name="Parks")
    reader = Reader(browsing, topic["id"], api.user("Ola Reader"))

    api.ok("PATCH", f"/topics/{topic['id']}", admin, {"title": "Bike lanes: the shortlist"})
    renamed = reader.event("topic.renamed", topic["id"])
    assert reader.apply(renamed) == ([{"kind": "topic"}], True)
    assert reader.topic()["title"] == "Bike lanes: the shortlist"

    api.ok("POST", f"/topics/{topic['id']}/move", admin, {"space_id": parks["id"]})
    moved = reader.event("topic.moved", topic["id"])
    assert (moved["data"]["from_space_id"], moved["data"]["to_space_id"]) == (
        world["space"]["id"], parks["id"])
    assert reader.apply(moved) == ([{"kind": "moved"}], True)
    now = reader.topic()
    assert now["space_id"] == parks["id"]
    assert now["title"] == "Bike lanes: the shortlist"
    assert "from_space_id" not in now and "to_space_id" not in now
    assert reader.apply(moved) == ([{"kind": "moved"}], False)  # pages/topic.js: already there

    # Another topic's event (a channel carries one topic's) changes nothing here.
    other = {**renamed, "data": {**renamed["data"], "id": topic["id"] + 1000, "title": "Other"}}
    assert reader.apply(other) == ([], False)
    assert reader.topic()["title"] == "Bike lanes: the shortlist"


# ---- the order of events: live.js --------------------------------------------------------

# A Live with no socket of its own: what it sends is recorded, what the server
# would send is handed to dispatch() by the test.
ORDER = """async () => {
  const { Live } = await import("/static/live.js");
  const live = new Live();
  live.ensureConnected = () => {};
  const sent = [], applied = [];
  live.send = (msg) => sent.push(msg);
  live.subscribe("topic:1", { event: (msg) => applied.push(msg.seq) });
  const ev = (seq) => ({ type: "event", channel: "topic:1", seq, name: "post.edited",
                         data: { id: 1 } });
  const steps = [
    { type: "subscribed", channel: "topic:1", seq: 5 },
    ev(6), ev(6), ev(5), ev(7),     // a repeat and an old one are dropped
    ev(9),                          // a gap: ask again from 7, apply nothing yet
    ev(10),                         // still waiting for the replay
    { type: "subscribed", channel: "topic:1", seq: 10 },
    ev(8), ev(9), ev(10), ev(11),   // the replay, in order, then on
  ];
  const trace = [];
  for (const step of steps) {
    live.dispatch(step);
    trace.push([step.type, step.seq, [...applied], sent.length]);
  }
  return { applied, sent, trace };
}"""


def test_live_hands_events_to_the_thread_once_each_and_in_order(browsing: Browsing) -> None:
    page, _ = browsing.page()
    page.goto("/")
    settle(page)
    result = page.evaluate(ORDER)
    assert result["applied"] == [6, 7, 8, 9, 10, 11], result["trace"]
    assert result["sent"] == [{"type": "subscribe", "channel": "topic:1", "since": 7}]
