"""Who took part in a topic, by stakeholder type: counted as posts are published
(a held post when it is approved), shown on every topic (`participation`), and
the space's topics sorted by how many kinds took part (`sort=horizontal`), page
after page. Both databases; and the migration that backfilled old topics."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import column, func, select, table, text, update
from sqlalchemy.sql.expression import TableClause

from cps.services.context import Context
from cps.storage.accountability import TopicParticipant
from cps.storage.database import make_engine
from cps.storage.migrations import head_revision, upgrade
from cps.storage.models import Organization, Post, Space, Topic, User
from tests.storage.test_statement_count import counting
from tests.support.api import Api
from tests.support.api import User as ApiUser
from tests.support.databases import create_pg_database, release_pg_database
from tests.support.direct import events_on, tiers_in
from tests.support.world import Builder

pytestmark = pytest.mark.anyio

NOBODY = {"citizen": 0, "business": 0, "civil_society": 0, "academia": 0, "government": 0}


def took_part(**counts: int) -> dict[str, int]:
    return {**NOBODY, **counts}


async def _participation(api: Api, topic_id: int) -> dict[str, int]:
    return dict((await api.ok("GET", f"/topics/{topic_id}"))["topic"]["participation"])


async def _stored(ctx: Context, topic_id: int) -> tuple[dict[int, tuple[str, int]], int]:
    """The topic's participants (user: type, posts) and its stakeholder_kinds, as stored."""
    async with ctx.db.read() as session:
        rows = (await session.execute(
            select(TopicParticipant.user_id, TopicParticipant.stakeholder_type,
                   TopicParticipant.posts).where(TopicParticipant.topic_id == topic_id)
        )).all()
        kinds = await session.scalar(select(Topic.stakeholder_kinds).where(Topic.id == topic_id))
    return {u: (t, n) for u, t, n in rows}, int(kinds or 0)


async def test_participation_counts_distinct_people_by_type(api: Api, ctx: Context) -> None:
    w = await api.world()  # the admin (a citizen) opened the topic
    t = w["topic"]["id"]
    assert w["topic"]["participation"] == took_part(citizen=1)
    assert await _participation(api, t) == took_part(citizen=1)
    firm = await api.user("Hana Trading", "business")
    scholar = await api.user("Prof. Kim", "academia")
    await api.post(firm, t, "Deliveries need the curb.")
    await api.post(firm, t, "Mornings only, then.")  # the same person: counted once
    await api.post(scholar, t, "Studies say lanes pay off.")
    await api.post(w["citizen"], t, "I cycle daily.")
    expected = took_part(citizen=2, business=1, academia=1)
    assert await _participation(api, t) == expected
    listed = (await api.ok("GET", f"/spaces/{w['space']['id']}/topics"))["topics"]
    assert listed[0]["participation"] == expected
    participants, kinds = await _stored(ctx, t)
    assert participants == {w["admin"].id: ("citizen", 1), firm.id: ("business", 2),
                            scholar.id: ("academia", 1), w["citizen"].id: ("citizen", 1)}
    assert kinds == 3
    # A reply counts as any post; a deleted post's author still took part.
    green = await api.user("Green Seoul", "civil_society")
    reply = await api.post(green, t, "Yes!", parent_id=w["first_post"]["id"])
    await api.ok("DELETE", f"/posts/{reply['id']}", green)
    assert await _participation(api, t) == {**expected, "civil_society": 1}
    assert (await _stored(ctx, t))[1] == 4
    # Someone who changes their type later stays counted as what they were then.
    await api.ok("PATCH", "/me", firm, {"stakeholder_type": "civil_society"})
    await api.post(firm, t, "Now as an association.")
    assert await _participation(api, t) == {**expected, "civil_society": 1}
    assert (await _stored(ctx, t))[0][firm.id] == ("business", 3)


async def test_a_held_post_counts_only_when_a_moderator_approves_it(api: Api, ctx: Context) -> None:
    build = Builder(api, tiers=tiers_in(ctx))
    w = await build.moderated(tier="plus")
    t, s = w["topic"]["id"], w["space"]["id"]
    await api.ok("PATCH", f"/spaces/{s}", w["mod"], {"premoderation_posts": 1})
    clerk = await api.user("Ministry Clerk", "government")
    firm = await api.user("Hana Trading", "business")
    held = await api.post(clerk, t, "A first post waits for a moderator.")
    rejected = await api.post(firm, t, "So does this one.")
    assert held["pending"] and rejected["pending"]
    assert await _participation(api, t) == took_part(citizen=1)
    assert (await _stored(ctx, t))[1] == 1
    # The queue marks an official's held post as theirs.
    await api.ok("POST", f"/orgs/{w['org']['id']}/officials", w["admin"], {"user_id": clerk.id})
    queue = await api.ok("GET", f"/spaces/{s}/moderation/queue", w["mod"])
    pending = {p["id"]: p["author"]["official"] for p in queue["pending"]}
    assert pending[held["id"]] == {"org_id": w["org"]["id"], "org_name": w["org"]["name"]}
    assert pending[rejected["id"]] is None

    await api.ok("POST", f"/posts/{rejected['id']}/reject", w["mod"], {"reason": "Spam"})
    await api.ok("POST", f"/posts/{held['id']}/approve", w["mod"])
    assert await _participation(api, t) == took_part(citizen=1, government=1)
    participants, kinds = await _stored(ctx, t)
    assert participants[clerk.id] == ("government", 1) and firm.id not in participants
    assert kinds == 2
    # A rejected post published after all (its author's appeal overturned) counts then.
    await api.ok("POST", f"/posts/{rejected['id']}/restore", w["admin"])
    assert await _participation(api, t) == took_part(citizen=1, government=1, business=1)
    assert (await _stored(ctx, t))[1] == 3


async def test_first_posts_at_once_count_each_kind_once(api: Api, ctx: Context) -> None:
    w = await api.world()
    t = w["topic"]["id"]
    people = [await api.user(f"Person {n}", kind)
              for n, kind in enumerate(["business", "business", "academia", "business",
                                        "academia", "government"])]
    await asyncio.gather(*(api.post(p, t, "At the same moment.") for p in people))
    participants, kinds = await _stored(ctx, t)
    assert len(participants) == 7
    assert kinds == 4  # citizen (the opener), business, academia, government
    assert await _participation(api, t) == took_part(citizen=1, business=3, academia=2,
                                                     government=1)


# --- the most horizontal first ---------------------------------------------------------


async def _topic_with(api: Api, space_id: int, opener: ApiUser, title: str,
                      posters: list[ApiUser]) -> int:
    topic = await api.topic(opener, space_id, title, "Opening words")
    for person in posters:
        await api.post(person, topic["id"], "My view")
    return int(topic["id"])


async def _walk(api: Api, space_id: int, limit: int, sort: str = "horizontal") -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        q = f"?sort={sort}&limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        page = await api.ok("GET", f"/spaces/{space_id}/topics{q}")
        assert len(page["topics"]) <= limit
        seen += page["topics"]
        cursor = page["next_cursor"]
        if cursor is None:
            return seen


async def test_the_most_horizontal_topics_come_first_page_after_page(api: Api, ctx: Context) -> None:
    w = await api.world()
    s = w["space"]["id"]
    admin = w["admin"]  # a citizen
    kinds = ["business", "civil_society", "academia", "government"]
    people = {k: await api.user(f"A {k}", k) for k in kinds}
    three = [people["business"], people["academia"]]
    five = list(people.values())
    ids = {
        "five": await _topic_with(api, s, admin, "Everyone", five),
        "three_old": await _topic_with(api, s, admin, "Three, earlier", three),
        "one": await _topic_with(api, s, admin, "Only citizens", [w["citizen"]]),
        "three_new": await _topic_with(api, s, admin, "Three, later", three),
        "two": await _topic_with(api, s, admin, "Two", [people["government"]]),
    }
    ids["first"] = w["topic"]["id"]  # the world's topic: citizens only
    # Ties by latest activity: make two ties exact, to the microsecond, so the id decides.
    same = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    async with ctx.db.write() as tx:
        await tx.session.execute(update(Topic).where(Topic.id.in_([ids["one"], ids["first"]]))
                                 .values(last_activity_at=same))
    # A pinned topic keeps its place in the default order only.
    await api.ok("PATCH", f"/topics/{ids['one']}", admin, {"pinned": True})

    expected = [ids["five"], ids["three_new"], ids["three_old"], ids["two"],
                max(ids["one"], ids["first"]), min(ids["one"], ids["first"])]
    for limit in (1, 2, 4, 6, 30):
        walked = await _walk(api, s, limit)
        assert [t["id"] for t in walked] == expected, limit
    whole = await _walk(api, s, 30)
    assert [sum(1 for n in t["participation"].values() if n) for t in whole] == [5, 3, 3, 2, 1, 1]
    # The default order is untouched: pinned first, then latest activity.
    default = [t["id"] for t in await _walk(api, s, 2, sort="activity")]
    assert default[0] == ids["one"]
    assert default == [t["id"] for t in (await api.ok("GET", f"/spaces/{s}/topics"))["topics"]]


async def test_a_cursor_serves_only_its_own_order(api: Api) -> None:
    w = await api.world()
    s = w["space"]["id"]
    for n in range(3):
        await api.topic(w["admin"], s, f"Topic {n}")
    horizontal = (await api.ok("GET", f"/spaces/{s}/topics?sort=horizontal&limit=1"))["next_cursor"]
    activity = (await api.ok("GET", f"/spaces/{s}/topics?limit=1"))["next_cursor"]
    assert horizontal and activity
    crossed = [f"?cursor={horizontal}", f"?sort=activity&cursor={horizontal}",
               f"?sort=horizontal&cursor={activity}"]

    def forged(raw: str) -> str:
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    at = "2026-12-01T12:00:00+00:00"
    for bad in ("h|6|" + at + "|1", "h|-1|" + at + "|1", "x|2|" + at + "|1",
                "h|2|2026-12-01T12:00:00|1", "h|2|" + at + "|0", "h|2|" + at + "|2147483648",
                "h|2|" + at, "h|two|" + at + "|1"):
        crossed.append(f"?sort=horizontal&cursor={forged(bad)}")
    for query in crossed:
        r = await api.call("GET", f"/spaces/{s}/topics{query}")
        assert r.status_code == 422, (query, r.text)
        assert r.json()["error"]["fields"] == {"cursor": "Not a cursor this server gave out."}
    for sort in ("HORIZONTAL", "widest", ""):
        r = await api.call("GET", f"/spaces/{s}/topics?sort={sort}")
        assert r.status_code == 422 and "sort" in r.json()["error"]["fields"], (sort, r.text)


async def test_a_page_of_topics_reads_participation_in_one_statement(api: Api, running_app: tuple[Any, dict[str, Any]]) -> None:
    ctx = running_app[1]["ctx"]
    engine = ctx.db.engine.sync_engine
    w = await api.world()
    s = w["space"]["id"]
    kinds = ["business", "civil_society", "academia", "government"]
    people = [await api.user(f"A {k}", k) for k in kinds]
    for n in range(12):
        await _topic_with(api, s, w["admin"], f"Topic {n}", people[: n % 5])
    counts = {}
    for sort in ("activity", "horizontal"):
        for limit in (2, 13):
            with counting(engine) as statements:
                page = await api.ok("GET", f"/spaces/{s}/topics?sort={sort}&limit={limit}")
            assert len(page["topics"]) == limit
            counts[(sort, limit)] = len(statements)
    assert len(set(counts.values())) == 1, counts
    assert counts[("horizontal", 13)] <= 4, counts


# --- the backfill of topics older than participation -----------------------------------

BEFORE = "b7d2f4a81c93"  # the revision before civic accountability


@pytest.fixture(params=["sqlite", "postgresql"])
async def old_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        return
    url = await create_pg_database("cps_backfill")
    try:
        yield url
    finally:
        await release_pg_database(url)


def _old(model: Any, *names: str) -> TableClause:
    """The model's table with only these columns (typed as the model types them): a
    database at BEFORE lacks the columns civic accountability added."""
    columns = model.__table__.c
    return table(model.__tablename__, *(column(n, columns[n].type) for n in names))


async def test_the_migration_backfills_who_took_part_from_published_posts(old_url: str) -> None:
    await upgrade(old_url, BEFORE)
    now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    users = [  # id, type
        (1, "citizen"), (2, "business"), (3, "academia"), (4, "government"), (5, "citizen"),
    ]
    # topic 1: citizen 1 twice, business 2, academia 3 held, government 4 rejected,
    #          citizen 5 deleted (still took part);  topic 2: academia 3;  topic 3: nothing.
    posts = [  # id, topic, author, review, deleted
        (1, 1, 1, None, False), (2, 1, 1, None, False), (3, 1, 2, None, False),
        (4, 1, 3, "pending", False), (5, 1, 4, "rejected", False), (6, 1, 5, None, True),
        (7, 2, 3, None, False),
    ]
    engine = make_engine(old_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                _old(User, "id", "email", "password_hash", "display_name", "stakeholder_type",
                     "is_platform_admin", "created_at").insert(),
                [{"id": i, "email": f"u{i}@example.org", "password_hash": "x",
                  "display_name": f"User {i}", "stakeholder_type": kind,
                  "is_platform_admin": False, "created_at": now} for i, kind in users])
            await conn.execute(
                _old(Organization, "id", "name", "kind", "country", "tier", "created_by",
                     "created_at").insert(),
                [{"id": 1, "name": "City of Seoul", "kind": "local_government",
                  "country": "Korea", "tier": "free", "created_by": 1, "created_at": now}])
            await conn.execute(
                _old(Space, "id", "org_id", "name", "description", "visibility", "topic_policy",
                     "created_at").insert(),
                [{"id": 1, "org_id": 1, "name": "Mobility", "description": "",
                  "visibility": "public", "topic_policy": "participants", "created_at": now}])
            await conn.execute(
                _old(Topic, "id", "space_id", "author_id", "title", "pinned", "locked",
                     "archived", "post_count", "created_at", "last_activity_at").insert(),
                [{"id": t, "space_id": 1, "author_id": 1, "title": f"Topic {t}",
                  "pinned": False, "locked": False, "archived": False, "post_count": 0,
                  "created_at": now, "last_activity_at": now} for t in (1, 2, 3)])
            await conn.execute(
                _old(Post, "id", "topic_id", "author_id", "depth", "path", "body", "html",
                     "created_at", "deleted_at", "hidden", "review").insert(),
                [{"id": i, "topic_id": t, "author_id": a, "depth": 0, "path": str(i).zfill(10),
                  "body": "words", "html": "<p>words</p>", "created_at": now + timedelta(hours=i),
                  "deleted_at": now if deleted else None, "hidden": review is not None,
                  "review": review} for i, t, a, review, deleted in posts])
            if conn.dialect.name == "postgresql":
                for name in ("users", "organizations", "spaces", "topics", "posts"):
                    await conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', "
                                            f"'id'), (SELECT max(id) FROM {name}))"))
    finally:
        await engine.dispose()

    await upgrade(old_url)
    engine = make_engine(old_url)
    try:
        async with engine.connect() as conn:
            revision = (await conn.execute(text("SELECT version_num FROM alembic_version"))
                        ).scalar_one()
            rows = (await conn.execute(
                select(TopicParticipant.topic_id, TopicParticipant.user_id,
                       TopicParticipant.stakeholder_type, TopicParticipant.posts,
                       TopicParticipant.first_posted_at)
                .order_by(TopicParticipant.topic_id, TopicParticipant.user_id))).all()
            kinds = dict((await conn.execute(select(Topic.id, Topic.stakeholder_kinds))).all())
            kind_of = dict((await conn.execute(select(Topic.id, Topic.kind))).all())
            total = (await conn.execute(select(func.count()).select_from(TopicParticipant))
                     ).scalar_one()
    finally:
        await engine.dispose()
    assert revision == head_revision()
    assert [tuple(r) for r in rows] == [
        (1, 1, "citizen", 2, now + timedelta(hours=1)),
        (1, 2, "business", 1, now + timedelta(hours=3)),
        (1, 5, "citizen", 1, now + timedelta(hours=6)),
        (2, 3, "academia", 1, now + timedelta(hours=7)),
    ]
    assert total == 4
    assert kinds == {1: 2, 2: 1, 3: 0}
    assert kind_of == {1: "discussion", 2: "discussion", 3: "discussion"}


async def test_topic_events_and_answers_carry_participation(api: Api, ctx: Context) -> None:
    w = await api.world()
    t, s = w["topic"]["id"], w["space"]["id"]
    market = await api.space(w["admin"], w["org"]["id"], name="Market")
    await api.post(await api.user("Hana Trading", "business"), t, "Deliveries!")
    expected = took_part(citizen=1, business=1)
    renamed = (await api.ok("PATCH", f"/topics/{t}", w["admin"], {"title": "Bike lanes?"}))
    assert renamed["topic"]["participation"] == expected
    moved = await api.ok("POST", f"/topics/{t}/move", w["admin"], {"space_id": market["id"]})
    assert moved["topic"]["participation"] == expected
    created = [e for e in await events_on(ctx, f"space:{s}") if e["name"] == "topic.created"]
    assert created[0]["data"]["participation"] == took_part(citizen=1)
    for name in ("topic.renamed", "topic.moved"):
        [event] = [e for e in await events_on(ctx, f"topic:{t}") if e["name"] == name]
        assert event["data"]["participation"] == expected, name
