"""The participation rollup (`participation_days`, kept by triggers) says what a
count of the posts says, after every kind of change a post or a topic goes through,
and the dashboard reads it: on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Integer, cast, delete, func, select, update

from cps.services.context import Context
from cps.storage.migrations import downgrade, upgrade
from cps.storage.models import ParticipationDay, Post, Topic
from cps.storage.portable import utc_day
from tests.reports.conftest import place, set_post_time
from tests.support.api import Api

pytestmark = pytest.mark.anyio

Counts = dict[tuple[int, str, int], tuple[int, int]]


async def recount(ctx: Context) -> Counts:
    """Published posts per space, UTC day and author, and how many of them are hidden,
    counted from the posts themselves."""
    async with ctx.db.read() as s:
        day = utc_day(s, Post.created_at)
        rows = await s.execute(
            select(Topic.space_id, day, Post.author_id, func.count(),
                   func.sum(cast(Post.hidden, Integer)))
            .join(Topic, Topic.id == Post.topic_id).where(Post.review.is_(None))
            .group_by(Topic.space_id, day, Post.author_id))
        return {(int(sp), str(d), int(a)): (int(n), int(h)) for sp, d, a, n, h in rows}


async def rollup(ctx: Context) -> Counts:
    async with ctx.db.read() as s:
        rows = (await s.execute(select(ParticipationDay))).scalars().all()
    for row in rows:
        assert 0 <= row.hidden <= row.posts, row  # never below zero, never more hidden
    return {(r.space_id, str(r.day), r.author_id): (r.posts, r.hidden)
            for r in rows if r.posts}


async def assert_in_step(ctx: Context) -> Counts:
    counted = await recount(ctx)
    assert await rollup(ctx) == counted
    return counted


async def scene(api: Api, ctx: Context) -> dict[str, Any]:
    """A premium organization with two spaces, a moderator of both, a topic in the
    first with posts by two people."""
    admin, org, a = await place(api, ctx, "premium")
    b = await api.space(admin, org["id"], "public", "Second space", "")
    mod = await api.user("Mona Keeper")
    for space in (a, b):
        await api.ok("POST", f"/spaces/{space['id']}/moderators", admin, {"user_id": mod.id})
    citizen = await api.user("Citizen")
    topic = await api.topic(citizen, a["id"], "Bus stops", "Where?")
    return {"admin": admin, "org": org, "a": a, "b": b, "mod": mod, "citizen": citizen,
            "topic": topic}


async def test_every_change_keeps_the_rollup_in_step(api: Api, ctx: Context) -> None:
    w = await scene(api, ctx)
    citizen, mod, topic = w["citizen"], w["mod"], w["topic"]["id"]
    other = await api.user("Other", "business")
    replies = [await api.post(p, topic, f"Reply {n}") for n, p in
               enumerate((citizen, other, other, mod))]
    counted = await assert_in_step(ctx)
    assert sum(n for n, _ in counted.values()) == 5  # the opening post and 4 replies

    # Back in time (a post of another day), hidden, restored.
    await set_post_time(ctx, replies[1]["id"], datetime.now(UTC) - timedelta(days=3))
    await assert_in_step(ctx)
    await api.ok("POST", f"/posts/{replies[2]['id']}/hide", mod, {"reason": "Rude"})
    assert sum(h for _, h in (await assert_in_step(ctx)).values()) == 1
    await api.ok("POST", f"/posts/{replies[2]['id']}/restore", mod, {})
    assert sum(h for _, h in (await assert_in_step(ctx)).values()) == 0

    # Held for review: not counted until approved; a rejected one never.
    await api.ok("PATCH", f"/spaces/{w['a']['id']}", mod, {"premoderation_posts": 5})
    newcomer = await api.user("Newcomer")
    held = [await api.post(newcomer, topic, f"Held {n}") for n in range(2)]
    assert all(h["pending"] for h in held)
    before = await assert_in_step(ctx)
    await api.ok("POST", f"/posts/{held[0]['id']}/approve", mod, {})
    await api.ok("POST", f"/posts/{held[1]['id']}/reject", mod, {})
    after = await assert_in_step(ctx)
    assert sum(n for n, _ in after.values()) == sum(n for n, _ in before.values()) + 1

    # Deleted by its author: it happened, it still counts.
    await api.ok("DELETE", f"/posts/{replies[0]['id']}", citizen)
    assert await assert_in_step(ctx) == after

    # The topic moves to the other space: its counts go with it.
    await api.ok("POST", f"/topics/{topic}/move", mod, {"space_id": w["b"]["id"]})
    moved = await assert_in_step(ctx)
    assert {space for space, _, _ in moved} == {w["b"]["id"]}

    # A post's row deleted outright (no API does it; the database would).
    async with ctx.db.write() as tx:
        await tx.session.execute(delete(Post).where(Post.id == replies[3]["id"]))
    await assert_in_step(ctx)


async def test_the_dashboard_reads_the_rollup(api: Api, ctx: Context) -> None:
    """What the dashboard shows comes from `participation_days`: a row there that no
    post backs shows on it (so no scan of the posts answers instead)."""
    w = await scene(api, ctx)
    path = f"/orgs/{w['org']['id']}/analytics"
    shown = await api.ok("GET", path, w["admin"])
    assert shown["totals"]["posts"] == 1
    async with ctx.db.write() as tx:
        await tx.session.execute(update(ParticipationDay).values(posts=ParticipationDay.posts + 41))
    shown = await api.ok("GET", path, w["admin"])
    assert shown["totals"]["posts"] == 42
    assert sum(day["posts"] for day in shown["participation"]) == 42


async def test_the_migration_counts_the_posts_already_there(
        api: Api, ctx: Context, database_url: str) -> None:
    """Upgrading a database that has posts fills the rollup with them; downgrading
    drops it and its triggers, and posts written meanwhile are counted on the way up."""
    w = await scene(api, ctx)
    await api.post(w["citizen"], w["topic"]["id"], "Before the downgrade")
    await downgrade(database_url, "a41c7e9b2d10")
    async with ctx.db.write() as tx:  # written while no trigger counts
        await tx.session.execute(
            update(Post).where(Post.topic_id == w["topic"]["id"]).values(hidden=True))
    await upgrade(database_url)
    counted = await assert_in_step(ctx)
    assert list(counted.values()) == [(2, 2)]
