"""Reading and writing a thread: tree order, cursor pagination, reply rules."""

from __future__ import annotations

import random
from typing import Any

import pytest

from tests.api.helpers import assert_error
from tests.support.api import Api, User

pytestmark = pytest.mark.anyio


def tree_order(posts: list[dict[str, Any]]) -> list[int]:
    """The contract's order computed independently: depth-first, each post right
    after its parent's earlier subtrees, siblings oldest first (by id)."""
    children: dict[int | None, list[int]] = {}
    for p in sorted(posts, key=lambda p: p["id"]):
        children.setdefault(p["parent_id"], []).append(p["id"])
    out: list[int] = []

    def walk(parent: int | None) -> None:
        for pid in children.get(parent, []):
            out.append(pid)
            walk(pid)

    walk(None)
    return out


async def read_all(api: Api, topic_id: int, limit: int,
                   user: User | None = None) -> list[dict[str, Any]]:
    posts, cursor, pages = [], None, 0
    while True:
        q = f"?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        page = await api.ok("GET", f"/topics/{topic_id}/posts{q}", user)
        assert 0 < len(page["posts"]) <= limit
        posts += page["posts"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            return posts
        assert pages < 1000


async def test_replies_of_any_depth_read_back_in_tree_order_over_several_pages(api: Api) -> None:
    w = await api.world()
    t = w["topic"]["id"]
    root = (await api.ok("GET", f"/topics/{t}/posts"))["posts"][0]
    rng = random.Random(7)
    ids = [root["id"]]
    authors = [w["admin"], w["citizen"]]
    for i in range(40):
        # Mostly replies to recent posts (deep chains), sometimes new top-level posts.
        parent = None if rng.random() < 0.15 else rng.choice(ids[-6:] + ids[:2])
        post = await api.post(rng.choice(authors), t, f"post {i}", parent_id=parent)
        ids.append(post["id"])
    whole = (await api.ok("GET", f"/topics/{t}/posts"))["posts"]
    assert len(whole) == 41
    assert [p["id"] for p in whole] == tree_order(whole)
    by_id = {p["id"]: p for p in whole}
    for p in whole:
        expected = 0 if p["parent_id"] is None else by_id[p["parent_id"]]["depth"] + 1
        assert p["depth"] == expected
    assert max(p["depth"] for p in whole) >= 4
    for limit in (1, 7, 10):
        assert await read_all(api, t, limit) == whole


async def test_a_reply_lands_inside_its_parents_subtree_not_at_the_end(api: Api) -> None:
    w = await api.world()
    t = w["topic"]["id"]
    root = (await api.ok("GET", f"/topics/{t}/posts"))["posts"][0]
    a = await api.post(w["citizen"], t, "a")
    b = await api.post(w["citizen"], t, "b")
    a1 = await api.post(w["citizen"], t, "a1", parent_id=a["id"])
    root1 = await api.post(w["citizen"], t, "root1", parent_id=root["id"])
    a2 = await api.post(w["citizen"], t, "a2", parent_id=a["id"])
    a11 = await api.post(w["citizen"], t, "a11", parent_id=a1["id"])
    posts = (await api.ok("GET", f"/topics/{t}/posts"))["posts"]
    assert [p["id"] for p in posts] == [
        root["id"], root1["id"], a["id"], a1["id"], a11["id"], a2["id"], b["id"]]


@pytest.mark.parametrize("cursor", ["abc", "123", "-0000000001", "0000000001x", "１２３４５６７８９０"])
async def test_a_bad_cursor_is_422(api: Api, cursor: str) -> None:
    w = await api.world()
    r = await api.call("GET", f"/topics/{w['topic']['id']}/posts", params={"cursor": cursor})
    assert "cursor" in assert_error(r, 422)["fields"]


@pytest.mark.parametrize("limit", ["0", "101", "-1", "ten", "1.5"])
async def test_a_bad_limit_is_422(api: Api, limit: str) -> None:
    w = await api.world()
    r = await api.call("GET", f"/topics/{w['topic']['id']}/posts", params={"limit": limit})
    assert "limit" in assert_error(r, 422)["fields"]


async def test_a_parent_in_another_topic_is_422(api: Api) -> None:
    w = await api.world()
    other = await api.topic(w["admin"], w["space"]["id"], title="Other")
    foreign = (await api.ok("GET", f"/topics/{other['id']}/posts"))["posts"][0]
    r = await api.call("POST", f"/topics/{w['topic']['id']}/posts", w["citizen"],
                       {"body": "x", "parent_id": foreign["id"]})
    assert "parent_id" in assert_error(r, 422)["fields"]
    r = await api.call("POST", f"/topics/{w['topic']['id']}/posts", w["citizen"],
                       {"body": "x", "parent_id": 99999999})
    assert "parent_id" in assert_error(r, 422)["fields"]
    # Nothing landed.
    posts = (await api.ok("GET", f"/topics/{w['topic']['id']}/posts"))["posts"]
    assert len(posts) == 1


@pytest.mark.parametrize(("change", "code"), [({"locked": True}, "topic_locked"),
                                               ({"archived": True}, "topic_archived")])
async def test_a_locked_or_archived_topic_refuses_new_posts(
    api: Api, change: dict[str, bool], code: str
) -> None:
    w = await api.world()
    t = w["topic"]["id"]
    first = (await api.ok("GET", f"/topics/{t}/posts"))["posts"][0]
    mine = await api.post(w["citizen"], t, "before")
    await api.ok("PATCH", f"/topics/{t}", w["admin"], change)
    for user in (w["citizen"], w["admin"]):
        r = await api.call("POST", f"/topics/{t}/posts", user, {"body": "after"})
        error = assert_error(r, 409, code)
        assert "topic" in error["message"].lower()
        r = await api.call("POST", f"/topics/{t}/posts", user,
                           {"body": "reply", "parent_id": first["id"]})
        assert_error(r, 409, code)
    assert_error(await api.call("PATCH", f"/posts/{mine['id']}", w["citizen"], {"body": "e"}),
                 409, code)
    # Reading still works; reopening lets posts in again.
    assert len((await api.ok("GET", f"/topics/{t}/posts"))["posts"]) == 2
    await api.ok("PATCH", f"/topics/{t}", w["admin"], {k: False for k in change})
    await api.post(w["citizen"], t, "after reopening")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "body"),
        ({"body": ""}, "body"),
        ({"body": "x" * 20_001}, "body"),
        ({"body": 5}, "body"),
        ({"body": "x", "parent_id": "1"}, "parent_id"),
        ({"body": "x", "parent_id": 0}, "parent_id"),
        ({"body": "x", "parent_id": 2.0}, "parent_id"),
        ({"body": "x", "parent_id": 10**30}, "parent_id"),
        ({"body": "x", "client_id": ""}, "client_id"),
        ({"body": "x", "client_id": "c" * 65}, "client_id"),
    ],
)
async def test_post_bad_fields_are_422(api: Api, payload: dict[str, object], field: str) -> None:
    w = await api.world()
    r = await api.call("POST", f"/topics/{w['topic']['id']}/posts", w["citizen"], payload)
    assert field in assert_error(r, 422)["fields"]


async def test_a_body_of_exactly_20000_characters_is_accepted(api: Api) -> None:
    w = await api.world()
    post = await api.post(w["citizen"], w["topic"]["id"], "é" * 20_000)
    assert len(post["body"]) == 20_000


async def test_posting_anonymous_is_401(api: Api) -> None:
    w = await api.world()
    assert_error(await api.call("POST", f"/topics/{w['topic']['id']}/posts", None,
                                {"body": "x"}), 401)


async def test_a_post_has_the_contract_fields(api: Api) -> None:
    w = await api.world()
    post = await api.post(w["citizen"], w["topic"]["id"], "Hello **there**")
    assert {"id", "topic_id", "parent_id", "depth", "author", "body", "html", "created_at",
            "edited_at", "hidden"} <= set(post)
    assert post["author"] == {"id": w["citizen"].id, "display_name": "Citizen",
                              "handle": "citizen", "stakeholder_type": "citizen",
                              "staff": False, "official": None}
    assert post["html"] == "<p>Hello <strong>there</strong></p>\n"
    assert post["created_at"].endswith(("Z", "+00:00"))
    assert post["edited_at"] is None and post["hidden"] is False


async def test_a_retry_with_the_same_client_id_lands_once(api: Api) -> None:
    w = await api.world()
    t = w["topic"]["id"]
    payload = {"body": "Only once", "client_id": "c-123"}
    r1 = await api.call("POST", f"/topics/{t}/posts", w["citizen"], payload)
    r2 = await api.call("POST", f"/topics/{t}/posts", w["citizen"], payload)
    assert r1.status_code == 201 and r2.status_code == 200
    assert r1.json()["post"]["id"] == r2.json()["post"]["id"]
    posts = (await api.ok("GET", f"/topics/{t}/posts"))["posts"]
    assert [p["body"] for p in posts].count("Only once") == 1
    # Another author may use the same client_id.
    r3 = await api.call("POST", f"/topics/{t}/posts", w["admin"], payload)
    assert r3.status_code == 201 and r3.json()["post"]["id"] != r1.json()["post"]["id"]


async def test_concurrent_retries_with_one_client_id_land_once(api: Api) -> None:
    import asyncio

    w = await api.world()
    t = w["topic"]["id"]
    payload = {"body": "Racing", "client_id": "race-1"}
    results = await asyncio.gather(*[
        api.call("POST", f"/topics/{t}/posts", w["citizen"], payload) for _ in range(5)])
    assert sorted(r.status_code for r in results) == [200, 200, 200, 200, 201]
    assert len({r.json()["post"]["id"] for r in results}) == 1
    posts = (await api.ok("GET", f"/topics/{t}/posts"))["posts"]
    assert [p["body"] for p in posts].count("Racing") == 1


async def test_a_client_id_used_in_another_topic_is_409(api: Api) -> None:
    w = await api.world()
    other = await api.topic(w["admin"], w["space"]["id"], title="Other")
    payload = {"body": "x", "client_id": "c-1"}
    await api.ok("POST", f"/topics/{w['topic']['id']}/posts", w["citizen"], payload, status=201)
    r = await api.call("POST", f"/topics/{other['id']}/posts", w["citizen"], payload)
    assert_error(r, 409, "client_id_used")
