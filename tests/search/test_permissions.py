"""Search never shows what the searcher may not read: a private space's topics and
posts to a non-member, a hidden, held, rejected or deleted post to anyone but the
space's moderators (and a hidden post to its author), a space to a person banned
from it beyond what is public. A thousand such posts among public ones, every
kind of search, on both databases."""

from __future__ import annotations

import itertools
import random
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import insert

from cps.services.context import Context
from cps.storage.models import Post
from cps.storage.types import utcnow
from tests.search.support import find, post_ids, topic_ids
from tests.support.api import Api, User
from tests.support.direct import tiers_in
from tests.support.world import Builder

pytestmark = pytest.mark.anyio

WORDS = ("harbor", "bridge", "tunnel", "ferry", "tram", "bicycle", "market", "library",
         "garden", "서울시청", "成都地铁", "佐賀駅前")


async def _insert(ctx: Context, topic_id: int, author: int, bodies: list[str],
                  **state: Any) -> list[int]:
    """Posts written straight into the thread (the triggers index them as any
    write does), each in the `state` given (hidden, review, deleted_at)."""
    start = random.randrange(10**8, 9 * 10**8)
    now = utcnow()
    rows = [{"topic_id": topic_id, "author_id": author, "parent_id": None, "depth": 0,
             "path": str(start + n).zfill(10), "body": body, "html": f"<p>{body}</p>",
             "created_at": now - timedelta(minutes=n), "hidden": False, "review": None,
             **state} for n, body in enumerate(bodies)]
    async with ctx.db.write() as tx:
        result = await tx.session.execute(insert(Post).returning(Post.id), rows)
        return [row[0] for row in result]


def _bodies(rng: random.Random, n: int) -> list[str]:
    return [" ".join(rng.sample(WORDS, 3)) + f" number {i}" for i in range(n)]


@pytest.mark.early
async def test_a_thousand_unreadable_posts_among_public_ones_never_reach_an_outsider(
    api: Api, ctx: Context
) -> None:
    rng = random.Random(16)
    build = Builder(api, tiers=tiers_in(ctx))
    admin = await api.user("Org Admin")
    org = await build.org(admin, "City of Chengdu", tier="plus")
    writer, member, banned, outsider = [await api.user(n) for n in
                                        ("Writer", "Member", "Banned Member", "Outsider")]
    public = await build.space(admin, org["id"], name="Open Forum")
    private = await build.space(admin, org["id"], "private", name="Closed Council",
                                members=[member, banned])
    await api.ok("POST", f"/spaces/{private['id']}/bans", admin,
                 {"user_id": banned.id, "reason": "Leaked minutes"}, status=201)
    await api.ok("POST", f"/spaces/{public['id']}/bans", admin,
                 {"user_id": banned.id, "reason": "Leaked minutes"}, status=201)
    open_topic = await api.topic(admin, public["id"], "Harbor and bridge plans", "Open words")
    closed_topic = await api.topic(admin, private["id"], "Tunnel and ferry secrets",
                                   "Closed words")
    t_open, t_closed = open_topic["id"], closed_topic["id"]

    visible = dict(zip(await _insert(ctx, t_open, writer.id, b := _bodies(rng, 300)), b,
                       strict=True))
    secret: dict[str, list[int]] = {
        "private": await _insert(ctx, t_closed, writer.id, _bodies(rng, 400)),
        "hidden": await _insert(ctx, t_open, writer.id, _bodies(rng, 300), hidden=True),
        "pending": await _insert(ctx, t_open, writer.id, _bodies(rng, 150), review="pending"),
        "rejected": await _insert(ctx, t_open, writer.id, _bodies(rng, 50), hidden=True,
                                  review="rejected"),
        "deleted": await _insert(ctx, t_open, writer.id, _bodies(rng, 100),
                                 deleted_at=utcnow()),
    }
    unreadable = set(itertools.chain.from_iterable(secret.values()))
    assert len(unreadable) == 1000

    searches: list[tuple[str, dict[str, Any]]] = [(w, {}) for w in WORDS]
    searches += [(f"{a} {b}", {}) for a, b in itertools.combinations(WORDS[:6], 2)]
    searches += [(w[:3], {}) for w in WORDS[:9]]
    searches += [("number", {}), ('"harbor bridge"', {}), ("tram -ferry", {}),
                 (f"space:{private['id']} tunnel", {}), ("space:\"closed council\" ferry", {}),
                 (f"org:{org['id']} harbor", {}), ("tunnel", {"space_id": private["id"]}),
                 (f"space:{private['id']}", {}), ("secrets", {}), ("closed", {}),
                 (f"author:{(await api.ok('GET', '/me', writer))['user']['handle']}", {}),
                 ("harbor", {"author_id": writer.id}), ("bridge", {"kind": "post"}),
                 ("ferry", {"kind": "topic"}), ("after:2000-01-01 bicycle", {})]

    for who in (None, outsider, banned):
        for q, params in searches:
            results = await find(api, q, who, limit=50, **params)
            found = set(post_ids(results))
            assert not found & unreadable, (q, who, sorted(found & unreadable)[:5])
            assert t_closed not in topic_ids(results), (q, who)
            assert {r["space_id"] for r in results} <= {public["id"]}, (q, who)
        # What is public is found, all of it.
        for word in WORDS:
            expected = {i for i, body in visible.items() if word in body.split()}
            assert set(post_ids(await find(api, word, who, limit=50))) == expected, word

    # Their author finds their hidden posts, and nothing else they may not read.
    own = set(post_ids(await find(api, "number", writer, limit=50)))
    assert own == set(visible) | set(secret["hidden"])
    # A member of the private space finds its posts, not the hidden ones.
    mine = set(post_ids(await find(api, "number", member, limit=50)))
    assert mine == set(visible) | set(secret["private"])
    # The organization's admin moderates both: everything but what was deleted (a
    # space at a time: a search pages to its thousandth result, no further).
    held = set(secret["hidden"]) | set(secret["pending"]) | set(secret["rejected"])
    assert set(post_ids(await find(api, "number", admin, limit=50, space_id=public["id"]))) \
        == set(visible) | held
    assert set(post_ids(await find(api, f"space:{private['id']} number", admin, limit=50))) \
        == set(secret["private"])


async def test_a_private_space_is_found_only_by_those_who_may_read_it(
    api: Api, ctx: Context
) -> None:
    build = Builder(api, tiers=tiers_in(ctx))
    admin = await api.user("Org Admin")
    org = await build.org(admin, "City of Saga", tier="plus")
    member, moderator, outsider = [await api.user(n) for n in ("Member", "Mod", "Outsider")]
    space = await build.space(admin, org["id"], "private", name="Budget Council",
                              members=[member], moderators=[moderator])
    topic = await api.topic(admin, space["id"], "Confidential zeppelin budget",
                            "The zeppelin hangar costs")
    reply = await api.post(member, topic["id"], "Zeppelin numbers look fine")

    async def seen_by(who: User | None) -> set[tuple[str, int]]:
        results = await find(api, "zeppelin", who)
        return {(r["kind"], r["post_id"] or r["topic_id"]) for r in results}

    assert await seen_by(None) == set()
    assert await seen_by(outsider) == set()
    for who in (member, moderator, admin):
        seen = await seen_by(who)
        assert ("topic", topic["id"]) in seen and ("post", reply["id"]) in seen
    # Naming the space, by id or name, does not open it.
    for q in (f"space:{space['id']} zeppelin", 'space:"Budget Council" zeppelin',
              f"org:{org['id']} zeppelin"):
        assert await find(api, q, outsider) == []
    assert await find(api, "zeppelin", outsider, space_id=space["id"]) == []
    # Leaving the space (removed as a member) closes it at once.
    await api.ok("DELETE", f"/spaces/{space['id']}/members/{member.id}", admin)
    assert await seen_by(member) == set()


async def test_a_forged_or_foreign_token_searches_as_nobody_or_is_refused(api: Api) -> None:
    w = await api.world()
    await api.post(w["citizen"], w["topic"]["id"], "Quokka crossing")
    forged = await api.call("GET", "/search", params={"q": "quokka"},
                            headers={"Authorization": "Bearer not-a-token"})
    assert forged.status_code == 401 and forged.json()["error"]["code"]
    await api.ok("POST", "/auth/logout", w["citizen"])
    gone = await api.call("GET", "/search", w["citizen"], params={"q": "quokka"})
    assert gone.status_code == 401
