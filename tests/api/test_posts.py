"""Posts: edits with history, soft delete, reactions, flags, hiding and restoring."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.helpers import assert_error
from tests.support.api import Api
from tests.support.world import World

pytestmark = pytest.mark.anyio


async def thread(api: Api, w: World) -> list[dict[str, Any]]:
    posts: list[dict[str, Any]] = (
        await api.ok("GET", f"/topics/{w['topic']['id']}/posts", w["admin"]))["posts"]
    return posts


async def test_an_edit_keeps_the_history(api: Api) -> None:
    w = await api.world()
    post = await api.post(w["citizen"], w["topic"]["id"], "first *draft*")
    edited = (await api.ok("PATCH", f"/posts/{post['id']}", w["citizen"],
                           {"body": "second **draft**"}))["post"]
    assert edited["body"] == "second **draft**"
    assert "<strong>draft</strong>" in edited["html"]
    assert edited["edited_at"] is not None
    await api.ok("PATCH", f"/posts/{post['id']}", w["citizen"], {"body": "final"})
    revisions = (await api.ok("GET", f"/posts/{post['id']}/revisions"))["revisions"]
    assert [r["body"] for r in revisions] == ["first *draft*", "second **draft**"]
    assert "<em>draft</em>" in revisions[0]["html"]
    listed = [p for p in await thread(api, w) if p["id"] == post["id"]][0]
    assert listed["body"] == "final" and listed["edited_at"] is not None


async def test_an_edit_with_the_same_body_adds_no_revision(api: Api) -> None:
    w = await api.world()
    post = await api.post(w["citizen"], w["topic"]["id"], "same")
    await api.ok("PATCH", f"/posts/{post['id']}", w["citizen"], {"body": "same"})
    assert (await api.ok("GET", f"/posts/{post['id']}/revisions"))["revisions"] == []


async def test_only_the_author_edits(api: Api) -> None:
    w = await api.world()
    post = await api.post(w["citizen"], w["topic"]["id"], "mine")
    # Not even an admin of the space edits someone else's words.
    assert_error(await api.call("PATCH", f"/posts/{post['id']}", w["admin"], {"body": "x"}), 403)
    assert_error(await api.call("PATCH", f"/posts/{post['id']}", None, {"body": "x"}), 401)
    assert_error(await api.call("PATCH", "/posts/999999", w["citizen"], {"body": "x"}), 404)
    assert_error(await api.call("GET", "/posts/999999/revisions"), 404)


@pytest.mark.parametrize("payload", [{}, {"body": ""}, {"body": "x" * 20_001}, {"body": None},
                                     {"text": "x"}])
async def test_edit_bad_fields_are_422(api: Api, payload: dict[str, object]) -> None:
    w = await api.world()
    post = await api.post(w["citizen"], w["topic"]["id"], "mine")
    r = await api.call("PATCH", f"/posts/{post['id']}", w["citizen"], payload)
    assert "body" in assert_error(r, 422)["fields"]


async def test_a_soft_deleted_post_keeps_its_place_and_loses_its_content(api: Api) -> None:
    w = await api.world()
    t = w["topic"]["id"]
    parent = await api.post(w["citizen"], t, "secret words")
    reply = await api.post(w["admin"], t, "a reply", parent_id=parent["id"])
    r = await api.call("DELETE", f"/posts/{parent['id']}", w["citizen"])
    assert r.status_code == 204 and not r.content
    posts = (await api.ok("GET", f"/topics/{t}/posts", w["citizen"]))["posts"]
    ids = [p["id"] for p in posts]
    assert ids.index(parent["id"]) + 1 == ids.index(reply["id"])
    gone = posts[ids.index(parent["id"])]
    assert gone["deleted"] is True and gone["body"] == "" and gone["html"] == ""
    assert gone["author"]["id"] == w["citizen"].id
    assert posts[ids.index(reply["id"])]["body"] == "a reply"
    for viewer in (None, w["admin"], w["citizen"]):
        page = (await api.ok("GET", f"/topics/{t}/posts", viewer))["posts"]
        assert "secret words" not in str(page)
    # Deleting again is harmless; editing or reacting is refused.
    assert (await api.call("DELETE", f"/posts/{parent['id']}", w["citizen"])).status_code == 204
    assert_error(await api.call("PATCH", f"/posts/{parent['id']}", w["citizen"], {"body": "b"}),
                 409, "post_deleted")
    assert_error(await api.call("POST", f"/posts/{parent['id']}/reactions", w["admin"],
                                {"kind": "like"}), 409, "post_deleted")
    # A reply to a deleted post is still allowed (the conversation goes on).
    await api.post(w["admin"], t, "still here", parent_id=parent["id"])


async def test_only_the_author_deletes(api: Api) -> None:
    w = await api.world()
    post = await api.post(w["citizen"], w["topic"]["id"], "mine")
    assert_error(await api.call("DELETE", f"/posts/{post['id']}", w["admin"]), 403)
    assert_error(await api.call("DELETE", f"/posts/{post['id']}", None), 401)
    assert_error(await api.call("DELETE", "/posts/999999", w["citizen"]), 404)


async def test_reactions_add_and_remove_with_counts(api: Api) -> None:
    w = await api.world()
    post = await api.post(w["citizen"], w["topic"]["id"], "react to me")
    p = post["id"]
    r = await api.ok("POST", f"/posts/{p}/reactions", w["admin"], {"kind": "agree"})
    assert r == {"post_id": p, "kind": "agree", "count": 1, "mine": True}
    r = await api.ok("POST", f"/posts/{p}/reactions", w["citizen"], {"kind": "agree"})
    assert r["count"] == 2
    # Reacting twice counts once.
    r = await api.ok("POST", f"/posts/{p}/reactions", w["citizen"], {"kind": "agree"})
    assert r["count"] == 2
    await api.ok("POST", f"/posts/{p}/reactions", w["citizen"], {"kind": "thanks"})
    listed = [x for x in await thread(api, w) if x["id"] == p][0]
    assert listed["reactions"] == {"agree": 2, "thanks": 1}
    mine = [x for x in (await api.ok("GET", f"/topics/{w['topic']['id']}/posts",
                                     w["citizen"]))["posts"] if x["id"] == p][0]
    assert sorted(mine["my_reactions"]) == ["agree", "thanks"]
    r = await api.ok("DELETE", f"/posts/{p}/reactions/agree", w["citizen"])
    assert r == {"post_id": p, "kind": "agree", "count": 1, "mine": False}
    r = await api.ok("DELETE", f"/posts/{p}/reactions/agree", w["citizen"])
    assert r["count"] == 1
    listed = [x for x in await thread(api, w) if x["id"] == p][0]
    assert listed["reactions"] == {"agree": 1, "thanks": 1}


async def test_reaction_bad_input_and_permissions(api: Api) -> None:
    w = await api.world()
    p = (await api.post(w["citizen"], w["topic"]["id"], "x"))["id"]
    assert "kind" in assert_error(await api.call("POST", f"/posts/{p}/reactions", w["admin"],
                                                 {"kind": "love"}), 422)["fields"]
    assert_error(await api.call("POST", f"/posts/{p}/reactions", w["admin"], {}), 422)
    assert_error(await api.call("DELETE", f"/posts/{p}/reactions/love", w["admin"]), 422)
    assert_error(await api.call("POST", f"/posts/{p}/reactions", None, {"kind": "like"}), 401)
    assert_error(await api.call("DELETE", f"/posts/{p}/reactions/like", None), 401)
    assert_error(await api.call("POST", "/posts/999999/reactions", w["admin"],
                                {"kind": "like"}), 404)
    assert_error(await api.call("DELETE", "/posts/999999/reactions/like", w["admin"]), 404)


async def test_a_person_flags_a_post_once(api: Api) -> None:
    w = await api.world()
    p = (await api.post(w["citizen"], w["topic"]["id"], "spammy"))["id"]
    flag = (await api.ok("POST", f"/posts/{p}/flags", w["admin"], {"reason": "spam"},
                         status=201))["flag"]
    assert flag["post_id"] == p and flag["reason"] == "spam"
    r = await api.call("POST", f"/posts/{p}/flags", w["admin"], {"reason": "abuse"})
    assert_error(r, 409, "already_flagged")
    other = await api.user()
    await api.ok("POST", f"/posts/{p}/flags", other, {"reason": "off_topic"}, status=201)


async def test_flag_bad_input_and_permissions(api: Api) -> None:
    w = await api.world()
    p = (await api.post(w["citizen"], w["topic"]["id"], "x"))["id"]
    assert "reason" in assert_error(await api.call("POST", f"/posts/{p}/flags", w["admin"],
                                                   {"reason": "ugly"}), 422)["fields"]
    assert "note" in assert_error(await api.call("POST", f"/posts/{p}/flags", w["admin"],
                                                 {"reason": "other"}), 422)["fields"]
    await api.ok("POST", f"/posts/{p}/flags", w["admin"], {"reason": "other", "note": "why"},
                 status=201)
    assert_error(await api.call("POST", f"/posts/{p}/flags", w["citizen"], {"reason": "spam"}),
                 409, "own_post")
    assert_error(await api.call("POST", f"/posts/{p}/flags", None, {"reason": "spam"}), 401)
    assert_error(await api.call("POST", "/posts/999999/flags", w["admin"], {"reason": "spam"}),
                 404)


async def test_hide_and_restore_by_moderators(api: Api) -> None:
    w = await api.world()
    t = w["topic"]["id"]
    mod = await api.user("Mod")
    await api.ok("POST", f"/spaces/{w['space']['id']}/moderators", w["admin"],
                 {"user_id": mod.id}, status=201)
    post = await api.post(w["citizen"], t, "rude words")
    reply = await api.post(w["admin"], t, "a calm reply", parent_id=post["id"])
    hidden = (await api.ok("POST", f"/posts/{post['id']}/hide", mod,
                           {"reason": "Be kind"}))["post"]
    assert hidden["hidden"] is True and hidden["body"] == "rude words"
    stranger = await api.user()
    for viewer in (None, stranger):
        posts = (await api.ok("GET", f"/topics/{t}/posts", viewer))["posts"]
        seen = [p for p in posts if p["id"] == post["id"]][0]
        assert seen["hidden"] is True and seen["body"] == "" and seen["html"] == ""
        assert seen["hidden_reason"] is None
        assert "rude words" not in str(posts)
        # The reply to a hidden post stays visible, in its place.
        assert [p["id"] for p in posts].index(reply["id"]) == \
            [p["id"] for p in posts].index(post["id"]) + 1
        assert [p for p in posts if p["id"] == reply["id"]][0]["body"] == "a calm reply"
    # The author and the moderators still see it, and the author sees why.
    for viewer in (w["citizen"], mod, w["admin"]):
        posts = (await api.ok("GET", f"/topics/{t}/posts", viewer))["posts"]
        seen = [p for p in posts if p["id"] == post["id"]][0]
        assert seen["body"] == "rude words" and seen["hidden_reason"] == "Be kind"
    restored = (await api.ok("POST", f"/posts/{post['id']}/restore", mod))["post"]
    assert restored["hidden"] is False
    posts = (await api.ok("GET", f"/topics/{t}/posts"))["posts"]
    assert [p for p in posts if p["id"] == post["id"]][0]["body"] == "rude words"


async def test_revisions_of_a_hidden_post_are_not_shown_to_others(api: Api) -> None:
    w = await api.world()
    post = await api.post(w["citizen"], w["topic"]["id"], "v1")
    await api.ok("PATCH", f"/posts/{post['id']}", w["citizen"], {"body": "v2"})
    await api.ok("POST", f"/posts/{post['id']}/hide", w["admin"], {})
    assert (await api.ok("GET", f"/posts/{post['id']}/revisions"))["revisions"] == []
    revs = (await api.ok("GET", f"/posts/{post['id']}/revisions", w["citizen"]))["revisions"]
    assert [r["body"] for r in revs] == ["v1"]


async def test_hide_and_restore_are_for_moderators_only(api: Api) -> None:
    w = await api.world()
    post = await api.post(w["admin"], w["topic"]["id"], "x")
    p = post["id"]
    for path in (f"/posts/{p}/hide", f"/posts/{p}/restore"):
        assert_error(await api.call("POST", path, w["citizen"], {}), 403)
        assert_error(await api.call("POST", path, None, {}), 401)
    assert_error(await api.call("POST", "/posts/999999/hide", w["admin"], {}), 404)
    assert_error(await api.call("POST", "/posts/999999/restore", w["admin"]), 404)
    r = await api.call("POST", f"/posts/{p}/hide", w["admin"], {"reason": 5})
    assert "reason" in assert_error(r, 422)["fields"]
    posts = (await api.ok("GET", f"/topics/{w['topic']['id']}/posts"))["posts"]
    assert all(not x["hidden"] for x in posts)


async def test_the_same_reaction_sent_at_once_counts_once(api: Api) -> None:
    import asyncio

    w = await api.world()
    p = (await api.post(w["citizen"], w["topic"]["id"], "x"))["id"]
    results = await asyncio.gather(*[
        api.call("POST", f"/posts/{p}/reactions", w["admin"], {"kind": "like"})
        for _ in range(8)])
    assert [r.status_code for r in results] == [200] * 8, [r.text for r in results]
    assert {r.json()["count"] for r in results} == {1}
    results = await asyncio.gather(*[
        api.call("DELETE", f"/posts/{p}/reactions/like", w["admin"]) for _ in range(8)])
    assert [r.status_code for r in results] == [200] * 8, [r.text for r in results]
    assert {r.json()["count"] for r in results} == {0}
