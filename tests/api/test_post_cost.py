"""What one post costs the database: the statements it runs, counted, so that a
change that adds one shows here (bench/write.py measures the time)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from cps.services.context import Context
from tests.support.api import Api
from tests.support.trips import statements, trips

pytestmark = pytest.mark.anyio


# A citizen's plain post in a topic someone else opened (so its author is told):
# the token's user, then in the write transaction the topic with the access, the
# official mark, whether a sanction is in force and the post a retry key names (one
# statement), the post (its
# path written with it), the topic's count, tracking the topic, taking part, the
# topic's event, and the topic author's notification (its audience with what telling
# them reads of them in one statement, the row, the unread count, the event).
# PostgreSQL writes the post, the topic's count, the tracking and taking part and reads
# the post's audience in one statement (portable.HotWithWrites: the three writes are its
# CTEs, the audience read beside them), the transaction's events
# (the topic's and the notification's: seqs and rows) in one statement just before
# it commits (storage/events.py), and
# takes the topic's turn (posts into one topic queue in arrival order) and the
# notified person's with advisory locks (the person's in their notification's own
# statement); SQLite opens its write transaction with
# BEGIN IMMEDIATE and writes each event's seq and row on sqlite3 itself, outside
# SQLAlchemy's statements (storage/sqlite_driver.py, storage/events.py).
EXPECTED = {"sqlite": 9, "postgresql": 7}
# SQLite: no trip to aiosqlite's thread (storage/sqlite_driver.py). The token's read
# (outside a transaction, Database.read_one) runs on the event loop's thread, as it
# would not wait for a lock; so do the write's BEGIN IMMEDIATE (nobody else holds the
# lock) and its COMMIT (a small write; one in CHECKPOINT_EVERY commits in the thread
# and checkpoints there), and between them the driver's own statements (the topic
# with its access, the notification's row), the events, and the notification's
# audience and unread counts, whose work grows with the people told, while it is
# small (one person here: `test_a_large_audience_is_read_in_the_thread`).
TRIPS = 0


async def test_a_post_runs_a_known_number_of_statements(
    api: Api, ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = await api.world()
    topic_id = w["topic"]["id"]
    await api.post(w["citizen"], topic_id, "The first, to warm up")
    with statements(ctx) as seen, trips(monkeypatch) as made:
        post = await api.post(w["citizen"], topic_id, "A plain post")
    dialect = ctx.db.engine.dialect.name
    listing = "\n".join(seen)
    assert len(seen) == EXPECTED[dialect], f"{len(seen)} statements:\n{listing}"
    if dialect == "sqlite":
        assert len(made) == TRIPS, f"{len(made)} trips: {made}"
    # What it wrote is what readers see: the post, in its place, and the author's bell.
    assert [p["body"] for p in await api.posts(topic_id)][-1] == "A plain post"
    assert post["body"] == "A plain post"
    bell = await api.ok("GET", "/notifications", w["admin"])
    assert any(n["post_id"] == post["id"] for n in bell["notifications"])


async def test_a_retry_key_costs_no_statement_of_its_own(api: Api, ctx: Context) -> None:
    """Whether a post's client_id names one that landed is read with the topic and
    its access: a post with a key runs as many statements as one without; its
    retry answers the post that landed, with one read more."""
    w = await api.world()
    topic_id = w["topic"]["id"]
    await api.post(w["citizen"], topic_id, "The first, to warm up")
    payload = {"body": "A plain post", "client_id": "retry-key-1"}
    with statements(ctx) as seen:
        first = await api.ok("POST", f"/topics/{topic_id}/posts", w["citizen"], payload)
    assert len(seen) == EXPECTED[ctx.db.engine.dialect.name], "\n".join(seen)
    again = await api.ok("POST", f"/topics/{topic_id}/posts", w["citizen"], payload,
                         status=200)
    assert again["post"]["id"] == first["post"]["id"]
    assert [p["body"] for p in await api.posts(topic_id)].count("A plain post") == 1


async def test_a_large_audience_is_read_in_the_thread(
    api: Api, ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite the audience and the unread counts run on the event loop only while
    they take few of SQLite's steps (storage/sqlite_driver.py); past that they are
    stopped and read again in aiosqlite's thread, and everyone is told as before.
    Here the bound is made smaller than this small audience's reads."""
    if ctx.db.engine.dialect.name != "sqlite":
        pytest.skip("aiosqlite's thread is SQLite's")
    from cps.services.discussion import posts
    from cps.services.notifications import inbox

    w = await api.world()
    topic_id = w["topic"]["id"]
    watchers = [await api.user() for _ in range(3)]
    for watcher in watchers:
        await api.ok("PUT", f"/topics/{topic_id}/follow", watcher, {"level": "watching"})
    await api.post(w["citizen"], topic_id, "The first, to warm up")
    with trips(monkeypatch) as ordinary:
        await api.post(w["citizen"], topic_id, "Read by a few")
    # The audience is read with the post's insert (posts._INSERT_TELLING).
    assert posts._INSERT_TELLING._beside is not None
    monkeypatch.setattr(posts._INSERT_TELLING._beside, "steps", 20)
    monkeypatch.setattr(inbox._UNREAD_COUNTS._sqlite, "steps", 20)
    with trips(monkeypatch) as made:
        post = await api.post(w["citizen"], topic_id, "Read by many")
    # The audience and the counts, sent on: two more trips, each a read.
    assert len(made) == len(ordinary) + 2, made
    assert made.count("_fetch") == ordinary.count("_fetch") + 2
    for person in (w["admin"], *watchers):
        bell = await api.ok("GET", "/notifications", person)
        assert any(n["post_id"] == post["id"] for n in bell["notifications"])
        assert bell["unread_count"] >= 1


async def test_a_topic_thousands_track_finds_its_few_watchers_on_the_loop(
    api: Api, ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Everyone who posts in a topic tracks it. Its watchers are found by topic and
    level (an index of both), not among its trackers: with 3,000 of them a post's
    audience still takes few of SQLite's steps and the post makes no trip to
    aiosqlite's thread (nor do the two people's rows), and the watcher is told."""
    if ctx.db.engine.dialect.name != "sqlite":
        pytest.skip("aiosqlite's thread is SQLite's")
    w = await api.world()
    topic_id = w["topic"]["id"]
    watcher = await api.user()
    await api.ok("PUT", f"/topics/{topic_id}/follow", watcher, {"level": "watching"})
    async with ctx.db.write() as tx:
        await tx.session.execute(text(
            "INSERT INTO users (id, email, password_hash, display_name, stakeholder_type,"
            " is_platform_admin, created_at, handle) VALUES (:id, :email, 'x', 'Tracker',"
            " 'citizen', false, '2026-01-01 00:00:00.000000', :handle)"),
            [{"id": 10_000 + n, "email": f"t{n}@example.org", "handle": f"tracker{n}"}
             for n in range(3000)])
        await tx.session.execute(text(
            "INSERT INTO topic_follows (user_id, topic_id, level, updated_at) VALUES"
            " (:uid, :topic, 'tracking', '2026-01-01 00:00:00.000000')"),
            [{"uid": 10_000 + n, "topic": topic_id} for n in range(3000)])
    await api.post(w["citizen"], topic_id, "The first, to warm up")
    with trips(monkeypatch) as made:
        post = await api.post(w["citizen"], topic_id, "Read by its watcher")
    assert made == [], made  # two people told: each row on the loop too
    bell = await api.ok("GET", "/notifications", watcher)
    assert [n["post_id"] for n in bell["notifications"]][0] == post["id"]
