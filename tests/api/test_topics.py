"""Topics: opening, reading, listing, and the moderators' changes."""

from __future__ import annotations

import pytest

from tests.api.helpers import assert_error
from tests.support.api import Api

pytestmark = pytest.mark.anyio


async def test_open_a_topic_with_its_first_post(api: Api) -> None:
    w = await api.world()
    topic = await api.topic(w["citizen"], w["space"]["id"], title="  Night buses  ",
                            body="We need *more*")
    assert topic["title"] == "Night buses" and topic["space_id"] == w["space"]["id"]
    assert topic["author"]["display_name"] == "Citizen"
    assert topic["pinned"] is topic["locked"] is topic["archived"] is False
    assert topic["post_count"] == 1
    got = (await api.ok("GET", f"/topics/{topic['id']}"))["topic"]
    assert got == topic
    posts = (await api.ok("GET", f"/topics/{topic['id']}/posts"))["posts"]
    assert len(posts) == 1
    assert posts[0]["body"] == "We need *more*" and "<em>more</em>" in posts[0]["html"]
    assert posts[0]["depth"] == 0 and posts[0]["parent_id"] is None


async def test_open_a_topic_anonymous_is_401(api: Api) -> None:
    w = await api.world()
    r = await api.call("POST", f"/spaces/{w['space']['id']}/topics", None,
                       {"title": "t", "body": "b"})
    assert_error(r, 401)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": "b"}, "title"),
        ({"title": "t"}, "body"),
        ({"title": "x" * 201, "body": "b"}, "title"),
        ({"title": "   ", "body": "b"}, "title"),
        ({"title": "t", "body": "x" * 20_001}, "body"),
        ({"title": "t", "body": ""}, "body"),
        ({"title": 5, "body": "b"}, "title"),
        ({"title": "t", "body": ["b"]}, "body"),
    ],
)
async def test_open_a_topic_bad_fields_are_422(api: Api, payload: dict[str, object], field: str) -> None:
    w = await api.world()
    r = await api.call("POST", f"/spaces/{w['space']['id']}/topics", w["citizen"], payload)
    assert field in assert_error(r, 422)["fields"]


async def test_a_title_of_200_and_a_body_of_20000_are_accepted(api: Api) -> None:
    w = await api.world()
    topic = await api.topic(w["citizen"], w["space"]["id"], title="t" * 200, body="b" * 20_000)
    assert len(topic["title"]) == 200


async def test_unknown_topic_is_404(api: Api) -> None:
    w = await api.world()
    u = w["admin"]
    assert_error(await api.call("GET", "/topics/999999"), 404)
    assert_error(await api.call("GET", "/topics/999999/posts"), 404)
    assert_error(await api.call("PATCH", "/topics/999999", u, {"pinned": True}), 404)
    assert_error(await api.call("POST", "/topics/999999/posts", u, {"body": "x"}), 404)


async def test_topics_list_pinned_first_then_latest_activity(api: Api) -> None:
    w = await api.world()
    s = w["space"]["id"]
    first = w["topic"]
    second = await api.topic(w["citizen"], s, title="Second")
    third = await api.topic(w["citizen"], s, title="Third")
    # Activity on the first moves it up; pinning the second puts it on top.
    await api.post(w["citizen"], first["id"], "bump")
    await api.ok("PATCH", f"/topics/{second['id']}", w["admin"], {"pinned": True})
    listed = (await api.ok("GET", f"/spaces/{s}/topics"))["topics"]
    assert [t["id"] for t in listed] == [second["id"], first["id"], third["id"]]
    assert listed[0]["pinned"] is True


async def test_topics_list_paginates_with_a_cursor(api: Api) -> None:
    w = await api.world()
    s = w["space"]["id"]
    for i in range(6):
        await api.topic(w["citizen"], s, title=f"T{i}")
    pinned = await api.topic(w["citizen"], s, title="Pinned")
    await api.ok("PATCH", f"/topics/{pinned['id']}", w["admin"], {"pinned": True})
    whole = (await api.ok("GET", f"/spaces/{s}/topics"))["topics"]
    assert len(whole) == 8 and whole[0]["id"] == pinned["id"]
    seen, cursor = [], None
    while True:
        q = f"?limit=3&cursor={cursor}" if cursor else "?limit=3"
        page = await api.ok("GET", f"/spaces/{s}/topics{q}")
        assert len(page["topics"]) <= 3
        seen += [t["id"] for t in page["topics"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [t["id"] for t in whole]


@pytest.mark.parametrize("query", ["?limit=0", "?limit=101", "?limit=abc", "?cursor=%%%",
                                   "?cursor=bm90IGEgY3Vyc29y"])
async def test_topics_list_bad_query_is_422(api: Api, query: str) -> None:
    w = await api.world()
    assert_error(await api.call("GET", f"/spaces/{w['space']['id']}/topics{query}"), 422)


async def test_moderators_rename_pin_lock_and_archive(api: Api) -> None:
    w = await api.world()
    t = w["topic"]["id"]
    body = await api.ok("PATCH", f"/topics/{t}", w["admin"],
                        {"title": "Cycle lanes", "pinned": True, "locked": True})
    topic = body["topic"]
    assert topic["title"] == "Cycle lanes" and topic["pinned"] and topic["locked"]
    topic = (await api.ok("PATCH", f"/topics/{t}", w["admin"], {"archived": True}))["topic"]
    assert topic["archived"] and topic["locked"] and topic["title"] == "Cycle lanes"
    topic = (await api.ok("PATCH", f"/topics/{t}", w["admin"], {}))["topic"]
    assert topic["archived"]


async def test_a_space_moderator_may_change_topics(api: Api) -> None:
    w = await api.world()
    mod = await api.user("Mod")
    await api.ok("POST", f"/spaces/{w['space']['id']}/moderators", w["admin"],
                 {"user_id": mod.id}, status=201)
    topic = (await api.ok("PATCH", f"/topics/{w['topic']['id']}", mod, {"locked": True}))
    assert topic["topic"]["locked"] is True


async def test_topic_changes_are_for_moderators_only(api: Api) -> None:
    w = await api.world()
    t = w["topic"]["id"]
    mine = await api.topic(w["citizen"], w["space"]["id"])
    assert_error(await api.call("PATCH", f"/topics/{t}", w["citizen"], {"pinned": True}), 403)
    # Even the author of a topic is not its moderator.
    r = await api.call("PATCH", f"/topics/{mine['id']}", w["citizen"], {"title": "Mine"})
    assert_error(r, 403)
    assert_error(await api.call("PATCH", f"/topics/{t}", None, {"pinned": True}), 401)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"pinned": "yes"}, "pinned"),
        ({"locked": 1}, "locked"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"archived": None, "title": 3}, "title"),
    ],
)
async def test_topic_update_bad_fields_are_422(api: Api, payload: dict[str, object], field: str) -> None:
    w = await api.world()
    r = await api.call("PATCH", f"/topics/{w['topic']['id']}", w["admin"], payload)
    assert field in assert_error(r, 422)["fields"]


def _cursor(raw: str) -> str:
    import base64

    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize("raw", ["0|2020-01-01T00:00:00|5", "1|2020-01-01T00:00:00|5",
                                 "0|2020-01-01T00:00:00+00:00|99999999999999999999",
                                 "0|2020-01-01T00:00:00+00:00|-1", "0|not a date|1", "0|1",
                                 "9|2020-01-01T00:00:00+00:00|1"])
async def test_topics_list_forged_cursors_are_422(api: Api, raw: str) -> None:
    w = await api.world()
    r = await api.call("GET", f"/spaces/{w['space']['id']}/topics",
                       params={"cursor": _cursor(raw)})
    assert "cursor" in assert_error(r, 422)["fields"]
