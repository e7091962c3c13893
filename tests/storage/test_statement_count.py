"""Reading a page of a big thread costs the same few SQL statements wherever it is."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, insert, select, text, update

from cps.services.discussion.posts import PATH_WIDTH
from cps.storage.models import Post, Topic
from cps.storage.types import utcnow
from tests.support.api import Api

pytestmark = pytest.mark.anyio

N_POSTS = 1000


@contextmanager
def counting(engine: Any) -> Iterator[list[str]]:
    statements: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


async def add_posts(ctx: Any, topic_id: int, author_id: int, n: int, seed: int = 1) -> None:
    """`n` posts in one transaction, a random tree with deep chains, ids and paths
    set the way cps.services.discussion.posts sets them (path = parent's path + own id)."""
    rng = random.Random(seed)
    async with ctx.db.write() as tx:
        s = tx.session
        root = await s.scalar(select(Post).where(Post.topic_id == topic_id,
                                                 Post.parent_id.is_(None)))
        assert root is not None
        next_id = int(await s.scalar(select(Post.id).order_by(Post.id.desc()).limit(1))) + 1
        known: list[tuple[int, str, int]] = [(root.id, root.path, root.depth)]
        rows = []
        now = utcnow()
        for i in range(n):
            roll = rng.random()
            if roll < 0.1:
                parent = None
            elif roll < 0.6:
                parent = known[-1]  # deep chains
            else:
                parent = rng.choice(known)
            pid = next_id + i
            path = (parent[1] if parent else "") + str(pid).zfill(PATH_WIDTH)
            depth = parent[2] + 1 if parent else 0
            known.append((pid, path, depth))
            rows.append({"id": pid, "topic_id": topic_id, "author_id": author_id,
                         "parent_id": parent[0] if parent else None, "depth": depth,
                         "path": path, "body": f"post {i}", "html": f"<p>post {i}</p>\n",
                         "created_at": now, "hidden": False})
        await s.execute(insert(Post), rows)
        await s.execute(update(Topic).where(Topic.id == topic_id)
                        .values(post_count=Topic.post_count + n))
        if s.get_bind().dialect.name == "postgresql":
            await s.execute(text("SELECT setval(pg_get_serial_sequence('posts', 'id'), "
                                 "(SELECT max(id) FROM posts))"))


async def test_every_page_of_a_big_thread_costs_the_same_few_statements(api: Api, running_app: tuple[Any, dict[str, Any]]) -> None:
    _, state = running_app
    ctx = state["ctx"]
    engine = ctx.db.engine.sync_engine
    w = await api.world()
    t = w["topic"]["id"]
    await add_posts(ctx, t, w["citizen"].id, N_POSTS)
    # A few reactions, so that query has rows to count too.
    first_page = (await api.ok("GET", f"/topics/{t}/posts?limit=100"))["posts"]
    for post in first_page[:5]:
        await api.ok("POST", f"/posts/{post['id']}/reactions", w["admin"], {"kind": "like"})

    # Walk the whole thread, counting each page's statements.
    counts: list[int] = []
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        q = "?limit=100" + (f"&cursor={cursor}" if cursor else "")
        with counting(engine) as statements:
            page = await api.ok("GET", f"/topics/{t}/posts{q}", w["citizen"])
        counts.append(len(statements))
        seen += page["posts"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == N_POSTS + 1
    assert len(counts) == 11  # ten full pages and the last post
    # Start, middle and end: one fixed, small number of statements.
    assert counts[0] == counts[5] == counts[-2] == counts[-1], counts
    assert len(set(counts)) == 1, counts
    assert counts[0] <= 6, counts
    # And the walk came back in tree order with the reactions counted.
    assert len({p["id"] for p in seen}) == len(seen)
    paths_in_order = [p["id"] for p in seen]
    by_parent: dict[int | None, list[int]] = {}
    for p in sorted(seen, key=lambda p: p["id"]):
        by_parent.setdefault(p["parent_id"], []).append(p["id"])
    expected: list[int] = []
    stack = list(reversed(by_parent.get(None, [])))
    while stack:
        pid = stack.pop()
        expected.append(pid)
        stack.extend(reversed(by_parent.get(pid, [])))
    assert paths_in_order == expected
    assert seen[0]["reactions"] == {"like": 1}
    assert max(p["depth"] for p in seen) > 10


async def test_a_signed_in_reader_and_an_anonymous_one_pay_the_same(api: Api, running_app: tuple[Any, dict[str, Any]]) -> None:
    _, state = running_app
    ctx = state["ctx"]
    engine = ctx.db.engine.sync_engine
    w = await api.world()
    t = w["topic"]["id"]
    await add_posts(ctx, t, w["citizen"].id, 250, seed=2)
    page = await api.ok("GET", f"/topics/{t}/posts?limit=100")
    with counting(engine) as anonymous:
        await api.ok("GET", f"/topics/{t}/posts?limit=100&cursor={page['next_cursor']}")
    with counting(engine) as signed_in:
        await api.ok("GET", f"/topics/{t}/posts?limit=100&cursor={page['next_cursor']}",
                     w["citizen"])
    # Signing in adds the token lookup, nothing per post.
    assert len(signed_in) - len(anonymous) <= 2, (anonymous, signed_in)
    assert len(anonymous) <= 5
