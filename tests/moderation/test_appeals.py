"""Appeals: once, with a text; in the queue; answered with a reason, logged and sent."""

from __future__ import annotations

import pytest

from tests.api.helpers import assert_error
from tests.moderation.conftest import moderated_world, post_in
from tests.support.api import Api
from tests.support.direct import events_on

pytestmark = pytest.mark.anyio


async def test_the_author_of_a_hidden_post_appeals_once_and_is_answered(api: Api, ctx):
    w = await moderated_world(api)
    s, t, author = w["space"]["id"], w["topic"]["id"], w["citizen"]
    post = await api.post(author, t, "Sharp criticism of the mayor")
    await api.ok("POST", f"/posts/{post['id']}/hide", w["mod"], {"reason": "Insulting"})
    appeal = (await api.ok("POST", f"/posts/{post['id']}/appeal", author,
                           {"text": "Criticism is not an insult"}, status=201))["appeal"]
    assert appeal["status"] == "open" and appeal["kind"] == "post"
    r = await api.call("POST", f"/posts/{post['id']}/appeal", author, {"text": "Again"})
    assert_error(r, 409, "already_appealed")
    queue = await api.ok("GET", f"/spaces/{s}/moderation/queue", w["mod"])
    assert [(a["id"], a["text"]) for a in queue["appeals"]] == [
        (appeal["id"], "Criticism is not an insult")]
    assert (await api.ok("GET", f"/appeals/{appeal['id']}", author))["appeal"]["status"] == "open"
    answered = (await api.ok("POST", f"/appeals/{appeal['id']}/answer", w["mod"],
                             {"decision": "overturn", "reason": "You are right"}))["appeal"]
    assert answered["status"] == "overturned" and answered["answer"] == "You are right"
    assert not post_in((await api.ok("GET", f"/topics/{t}/posts"))["posts"], post["id"])["hidden"]
    [sent] = [e["data"] for e in await events_on(ctx, f"user:{author.id}")
              if e["name"] == "appeal.answered"]
    assert sent["decision"] == "overturn" and sent["reason"] == "You are right"
    log = (await api.ok("GET", f"/spaces/{s}/moderation/audit?action=appeal.overturn",
                        w["admin"]))["entries"]
    assert [(e["target_id"], e["reason"]) for e in log] == [(appeal["id"], "You are right")]
    assert_error(await api.call("POST", f"/appeals/{appeal['id']}/answer", w["mod"],
                                {"decision": "uphold", "reason": "x"}), 409, "already_answered")
    assert (await api.ok("GET", f"/spaces/{s}/moderation/queue", w["mod"]))["appeals"] == []


async def test_only_the_author_of_a_hidden_post_may_appeal(api: Api, ctx):
    w = await moderated_world(api)
    t = w["topic"]["id"]
    post = await api.post(w["citizen"], t, "visible")
    assert_error(await api.call("POST", f"/posts/{post['id']}/appeal", w["citizen"],
                                {"text": "?"}), 409, "not_hidden")
    await api.ok("POST", f"/posts/{post['id']}/hide", w["mod"], {})
    assert_error(await api.call("POST", f"/posts/{post['id']}/appeal", w["admin"],
                                {"text": "?"}), 403)
    assert "text" in assert_error(await api.call(
        "POST", f"/posts/{post['id']}/appeal", w["citizen"], {"text": " "}), 422)["fields"]


async def test_a_banned_participant_appeals_and_an_upheld_ban_stays(api: Api, ctx):
    w = await moderated_world(api)
    s, t, citizen = w["space"]["id"], w["topic"]["id"], w["citizen"]
    assert_error(await api.call("POST", f"/spaces/{s}/bans/appeal", citizen, {"text": "?"}), 409,
                 "not_banned")
    await api.ok("POST", f"/spaces/{s}/bans", w["mod"],
                 {"user_id": citizen.id, "reason": "Spam"}, status=201)
    appeal = (await api.ok("POST", f"/spaces/{s}/bans/appeal", citizen,
                           {"text": "I will stop"}, status=201))["appeal"]
    assert appeal["kind"] == "ban"
    assert_error(await api.call("POST", f"/spaces/{s}/bans/appeal", citizen, {"text": "!"}), 409,
                 "already_appealed")
    await api.ok("POST", f"/appeals/{appeal['id']}/answer", w["mod"],
                 {"decision": "uphold", "reason": "Three warnings before"})
    assert_error(await api.call("POST", f"/topics/{t}/posts", citizen, {"body": "x"}), 403,
                 "banned")
    # A second ban may be appealed again, and overturning it lifts it.
    await api.ok("POST", f"/spaces/{s}/bans", w["mod"],
                 {"user_id": citizen.id, "reason": "Spam again"}, status=201)
    second = (await api.ok("POST", f"/spaces/{s}/bans/appeal", citizen,
                           {"text": "Really"}, status=201))["appeal"]
    await api.ok("POST", f"/appeals/{second['id']}/answer", w["admin"],
                 {"decision": "overturn", "reason": "Last chance"})
    await api.post(citizen, t, "Thank you")
    answers = [e["data"]["decision"] for e in await events_on(ctx, f"user:{citizen.id}")
               if e["name"] == "appeal.answered"]
    assert answers == ["uphold", "overturn"]
    assert_error(await api.call("GET", f"/appeals/{appeal['id']}", await api.user()), 404)
