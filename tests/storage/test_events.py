"""The events table: every listed change writes an event on its channel, in the
same transaction, with a per-channel seq that starts at 1 and has no gaps."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from sqlalchemy import select

from cps.broker.event import EventRecord
from cps.services.context import Context
from cps.services.events import journal
from cps.storage.models import Channel, Event
from tests.support.api import Api
from tests.support.turns import turns

pytestmark = pytest.mark.anyio


async def stored(ctx: Any, channel: str) -> list[tuple[int, str, dict[str, Any]]]:
    async with ctx.db.read() as session:
        rows = (await session.scalars(
            select(Event).where(Event.channel == channel).order_by(Event.seq))).all()
    return [(r.seq, r.name, json.loads(r.data)) for r in rows]


def contract_events(rows: list[tuple[int, str, dict[str, Any]]]) -> list[tuple[int, str, Any]]:
    """The events of the contract's list (channels may carry later kinds too)."""
    return [row for row in rows if row[1].startswith(("post.", "reaction.", "topic."))]


def assert_gapless(rows: list[tuple[int, str, dict[str, Any]]]) -> None:
    assert [seq for seq, _, _ in rows] == list(range(1, len(rows) + 1))



async def test_each_post_change_writes_its_event_on_the_topic_channel(api: Api, ctx: Context) -> None:
    w = await api.world()
    t = w["topic"]["id"]
    channel = f"topic:{t}"
    first = await stored(ctx, channel)
    assert [name for _, name, _ in first] == ["post.created"]  # the topic's first post
    post = await api.post(w["citizen"], t, "hello")
    await api.ok("PATCH", f"/posts/{post['id']}", w["citizen"], {"body": "hello again"})
    await api.ok("POST", f"/posts/{post['id']}/reactions", w["admin"], {"kind": "like"})
    await api.ok("DELETE", f"/posts/{post['id']}/reactions/like", w["admin"])
    await api.ok("POST", f"/posts/{post['id']}/hide", w["admin"], {"reason": "rude"})
    await api.ok("POST", f"/posts/{post['id']}/restore", w["admin"])
    await api.ok("DELETE", f"/posts/{post['id']}", w["citizen"])
    everything = await stored(ctx, channel)
    assert_gapless(everything)
    rows = contract_events(everything)
    assert [name for _, name, _ in rows] == [
        "post.created", "post.created", "post.edited", "reaction.changed", "reaction.changed",
        "post.hidden", "post.restored", "post.deleted"]
    created, edited = rows[1][2], rows[2][2]
    assert created["id"] == post["id"] and created["body"] == "hello"
    assert edited["body"] == "hello again"
    assert rows[3][2] == {"post_id": post["id"], "kind": "like", "count": 1}
    assert rows[4][2] == {"post_id": post["id"], "kind": "like", "count": 0}
    # An event says only what an anonymous reader may see.
    hidden = rows[5][2]
    assert hidden["hidden"] is True and hidden["body"] == "" and hidden.get("hidden_reason") is None
    assert rows[7][2]["body"] == ""


async def test_changes_that_change_nothing_write_no_event(api: Api, ctx: Context) -> None:
    w = await api.world()
    t = w["topic"]["id"]
    post = await api.post(w["citizen"], t, "same")
    await api.ok("PATCH", f"/posts/{post['id']}", w["citizen"], {"body": "same"})
    await api.ok("DELETE", f"/posts/{post['id']}/reactions/like", w["admin"])
    await api.ok("POST", f"/posts/{post['id']}/restore", w["admin"])
    await api.ok("PATCH", f"/topics/{t}", w["admin"], {"pinned": False})
    rows = contract_events(await stored(ctx, f"topic:{t}"))
    assert [name for _, name, _ in rows] == ["post.created"] * 2


async def test_topic_changes_write_events_on_the_space_channel(api: Api, ctx: Context) -> None:
    w = await api.world()
    s, t = w["space"]["id"], w["topic"]["id"]
    await api.ok("PATCH", f"/topics/{t}", w["admin"], {"title": "Renamed"})
    await api.ok("PATCH", f"/topics/{t}", w["admin"], {"pinned": True})
    await api.ok("PATCH", f"/topics/{t}", w["admin"], {"locked": True})
    await api.ok("PATCH", f"/topics/{t}", w["admin"], {"archived": True})
    second = await api.topic(w["citizen"], s, title="Second")
    everything = await stored(ctx, f"space:{s}")
    assert_gapless(everything)
    rows = contract_events(everything)
    names = [name for _, name, _ in rows]
    assert names == ["topic.created", "topic.renamed", "topic.pinned", "topic.locked",
                     "topic.archived", "topic.created"]
    assert rows[1][2]["title"] == "Renamed" and rows[1][2]["id"] == t
    assert rows[4][2]["archived"] is True
    assert rows[5][2]["id"] == second["id"]
    # Each topic has its own channel, starting at 1.
    assert_gapless(await stored(ctx, f"topic:{second['id']}"))


async def test_channels_count_separately(api: Api, ctx: Context) -> None:
    w = await api.world()
    other = await api.topic(w["admin"], w["space"]["id"], title="Other")
    for i in range(3):
        await api.post(w["citizen"], w["topic"]["id"], f"a{i}")
        await api.post(w["citizen"], other["id"], f"b{i}")
    for t in (w["topic"]["id"], other["id"]):
        rows = await stored(ctx, f"topic:{t}")
        assert_gapless(rows)
        assert len(rows) == 4


async def test_thirty_concurrent_writers_get_seqs_1_to_n(api: Api, ctx: Context) -> None:
    w = await api.world()
    t = w["topic"]["id"]
    users = [w["citizen"], w["admin"], *[await api.user() for _ in range(4)]]
    results = await asyncio.gather(*[
        api.call("POST", f"/topics/{t}/posts", users[i % len(users)], {"body": f"racer {i}"})
        for i in range(30)])
    assert [r.status_code for r in results] == [201] * 30, [r.text for r in results
                                                            if r.status_code != 201]
    rows = await stored(ctx, f"topic:{t}")
    assert len(rows) == 31
    assert_gapless(rows)
    created = [data["id"] for _, name, data in rows if name == "post.created"]
    assert len(set(created)) == 31
    async with ctx.db.read() as session:
        last = await session.scalar(select(Channel.last_seq).where(Channel.name == f"topic:{t}"))
    assert last == 31


class Recorder:
    def __init__(self) -> None:
        self.published: list[EventRecord] = []

    async def publish(self, event: EventRecord) -> None:
        self.published.append(event)


async def test_a_rolled_back_transaction_leaves_no_event_and_no_gap(ctx: Context) -> None:
    sink = Recorder()
    async with ctx.db.write() as tx:
        first = await journal.record(tx, sink, "topic:777", "post.created", {"n": 1})
    assert first.seq == 1

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with ctx.db.write() as tx:
            doomed = await journal.record(tx, sink, "topic:777", "post.created", {"n": 2})

            async def fail() -> None:
                assert doomed.seq == 2  # written, with its seq; then the transaction fails
                raise Boom

            tx.before_commit(fail)
    async with ctx.db.write() as tx:
        third = await journal.record(tx, sink, "topic:777", "post.created", {"n": 3})
    assert third.seq == 2
    rows = await stored(ctx, "topic:777")
    assert [(seq, data["n"]) for seq, _, data in rows] == [(1, 1), (2, 3)]
    # Only committed events were published, after their commit.
    assert [(e.seq, e.data["n"]) for e in sink.published] == [(1, 1), (2, 3)]


async def test_an_event_is_published_only_after_its_commit(ctx: Context) -> None:
    sink = Recorder()
    async with ctx.db.write() as tx:
        await journal.record(tx, sink, "space:1", "topic.created", {"id": 1})
        assert sink.published == []
    assert len(sink.published) == 1 and sink.published[0].frame()["seq"] == 1


async def test_a_refused_post_writes_no_event(api: Api, ctx: Context) -> None:
    w = await api.world()
    t = w["topic"]["id"]
    r = await api.call("POST", f"/topics/{t}/posts", w["citizen"],
                       {"body": "x", "parent_id": 99999})
    assert r.status_code == 422
    await api.ok("PATCH", f"/topics/{t}", w["admin"], {"locked": True})
    r = await api.call("POST", f"/topics/{t}/posts", w["citizen"], {"body": "x"})
    assert r.status_code == 409
    await api.ok("PATCH", f"/topics/{t}", w["admin"], {"locked": False})
    await api.post(w["citizen"], t, "lands")
    rows = await stored(ctx, f"topic:{t}")
    assert_gapless(rows)
    assert [n for _, n, _ in contract_events(rows)] == [
        "post.created", "topic.locked", "topic.unlocked", "post.created"]


async def test_a_transactions_events_are_numbered_per_channel_in_the_order_recorded(
    ctx: Context,
) -> None:
    """Many events over several channels in one transaction (a sweep, an act telling
    many people) are written together: each channel's seqs go on from its last one,
    in the order its events were recorded; one recorded by a hook after they were
    written is written too."""
    sink = Recorder()
    async with ctx.db.write() as tx:
        await journal.record(tx, sink, "topic:901", "post.created", {"n": 0})
    async with ctx.db.write() as tx:
        for n in range(1, 7):
            await journal.record(tx, sink, f"topic:90{1 + n % 3}", "post.created", {"n": n})

        async def late() -> None:
            await journal.record(tx, sink, "topic:901", "post.created", {"n": 7})

        tx.before_commit(late)
    assert [(seq, data["n"]) for seq, _, data in await stored(ctx, "topic:901")] == [
        (1, 0), (2, 3), (3, 6), (4, 7)]
    assert [(seq, data["n"]) for seq, _, data in await stored(ctx, "topic:902")] == [
        (1, 1), (2, 4)]
    assert [(seq, data["n"]) for seq, _, data in await stored(ctx, "topic:903")] == [
        (1, 2), (2, 5)]
    published = [(e.channel, e.seq, e.data["n"]) for e in sink.published]
    assert sorted(published) == sorted(
        [("topic:901", 1, 0), ("topic:901", 2, 3), ("topic:901", 3, 6), ("topic:901", 4, 7),
         ("topic:902", 1, 1), ("topic:902", 2, 4), ("topic:903", 1, 2), ("topic:903", 2, 5)])


async def test_transactions_writing_the_same_channels_in_opposite_orders_all_land(
    ctx: Context,
) -> None:
    """Two kinds of transaction record on the same two channels in opposite orders,
    concurrently: the channels are locked in one order when the events are written,
    so none deadlocks, and each channel's seqs have no gap."""
    sink = Recorder()

    async def write(first: str, second: str, n: int) -> None:
        async with ctx.db.write() as tx:
            await journal.record(tx, sink, first, "post.created", {"n": n})
            await asyncio.sleep(0)
            await journal.record(tx, sink, second, "post.created", {"n": n})

    await asyncio.gather(*[
        write("user:71", "topic:71", n) if n % 2 else write("topic:71", "user:71", n)
        for n in range(30)])
    for channel in ("user:71", "topic:71"):
        rows = await stored(ctx, channel)
        assert_gapless(rows)
        assert sorted(data["n"] for _, _, data in rows) == list(range(30))
    assert len(sink.published) == 60


async def test_a_channels_times_go_up_with_its_seqs(ctx: Context) -> None:
    """A transaction's events are written just before it commits: one that recorded
    first but commits later takes the later seq, and the later time too (history is
    pruned by time and replayed by seq: a later seq never has an earlier time)."""
    sink = Recorder()

    async def early() -> None:
        async with ctx.db.write() as tx:
            await journal.record(tx, sink, "topic:881", "post.created", {"n": "early"})
            await asyncio.sleep(0.2)  # PostgreSQL: the other writes and commits meanwhile

    async def late() -> None:
        await asyncio.sleep(0.05)
        async with ctx.db.write() as tx:
            await journal.record(tx, sink, "topic:881", "post.created", {"n": "late"})

    await asyncio.gather(early(), late())
    async with ctx.db.read() as session:
        rows = (await session.execute(select(Event.seq, Event.created_at)
                                      .where(Event.channel == "topic:881")
                                      .order_by(Event.seq))).all()
    assert [seq for seq, _ in rows] == [1, 2]
    assert rows[0].created_at <= rows[1].created_at
    published = sorted((e.seq, e.created_at) for e in sink.published)
    assert published == [(seq, at) for seq, at in rows]


async def test_writing_many_events_lets_the_others_run(ctx: Context) -> None:
    """An act that tells thousands of people records an event for each: they are
    written a few at a time, and the event loop serves others in between."""
    sink = Recorder()
    async with turns() as others:
        async with ctx.db.write() as tx:
            for n in range(2000):
                await journal.record(tx, sink, f"user:{9000 + n}", "notification", {"n": n})
            before = others.count
        assert others.count - before >= 5
    assert len(sink.published) == 2000
    assert all(e.seq == 1 for e in sink.published)
