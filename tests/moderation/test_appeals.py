"""Appeals: once, with a text; in the queue; answered with a reason, logged and sent."""

from __future__ import annotations

from typing import Any

import pytest

from cps.services.context import Context
from tests.api.helpers import assert_as_if_missing, assert_error
from tests.moderation.conftest import moderated_world, post_in
from tests.support.api import Api, User
from tests.support.direct import events_on
from tests.support.world import Builder

pytestmark = pytest.mark.anyio


async def test_the_author_of_a_hidden_post_appeals_once_and_is_answered(api: Api, ctx: Context) -> None:
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
    answered = (await api.ok("POST", f"/appeals/{appeal['id']}/answer", w["admin"],
                             {"decision": "overturn", "reason": "You are right"}))["appeal"]
    assert answered["status"] == "overturned" and answered["answer"] == "You are right"
    assert not post_in((await api.ok("GET", f"/topics/{t}/posts"))["posts"], post["id"])["hidden"]
    [sent] = [e["data"] for e in await events_on(ctx, f"user:{author.id}")
              if e["name"] == "appeal.answered"]
    assert sent["decision"] == "overturn" and sent["reason"] == "You are right"
    log = (await api.ok("GET", f"/spaces/{s}/moderation/audit?action=appeal.overturn",
                        w["admin"]))["entries"]
    assert [(e["target_id"], e["reason"]) for e in log] == [(appeal["id"], "You are right")]
    assert_error(await api.call("POST", f"/appeals/{appeal['id']}/answer", w["admin"],
                                {"decision": "uphold", "reason": "x"}), 409, "already_answered")
    assert (await api.ok("GET", f"/spaces/{s}/moderation/queue", w["mod"]))["appeals"] == []


async def test_only_the_author_of_a_hidden_post_may_appeal(api: Api, ctx: Context) -> None:
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


async def test_a_banned_participant_appeals_and_an_upheld_ban_stays(api: Api, ctx: Context) -> None:
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
    await api.ok("POST", f"/appeals/{appeal['id']}/answer", w["admin"],
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
    # To anyone else the appeal reads as one that does not exist.
    await assert_as_if_missing(api, "GET", "/appeals/{}", appeal["id"], await api.user(), None,
                               "No such appeal.")


def _answer(decision: str = "overturn") -> dict[str, str]:
    return {"decision": decision, "reason": "Looked at it again"}


async def _queue_appeal(api: Api, space_id: int, viewer: User, appeal_id: int) -> dict[str, Any]:
    queue = await api.ok("GET", f"/spaces/{space_id}/moderation/queue", viewer)
    return next(a for a in queue["appeals"] if a["id"] == appeal_id)


async def test_nobody_answers_their_own_appeal(api: Api, ctx: Context) -> None:
    w = await moderated_world(api)
    s, t, mod = w["space"]["id"], w["topic"]["id"], w["mod"]
    colleague = await api.user("Second moderator")
    await api.ok("POST", f"/spaces/{s}/moderators", w["admin"], {"user_id": colleague.id},
                 status=201)
    post = await api.post(mod, t, "As a moderator I say this plan is nonsense")
    await api.ok("POST", f"/posts/{post['id']}/hide", colleague, {"reason": "Not neutral"})
    appeal = (await api.ok("POST", f"/posts/{post['id']}/appeal", mod,
                           {"text": "I wrote it as a resident"}, status=201))["appeal"]
    # The appellant sees their appeal in the queue, without the means to answer it.
    own = await _queue_appeal(api, s, mod, appeal["id"])
    assert own["can_answer"] is False and "your own appeal" in own["answer_refused"]
    r = await api.call("POST", f"/appeals/{appeal['id']}/answer", mod, _answer())
    assert "your own appeal" in assert_error(r, 403, "own_appeal")["message"]
    assert post_in((await api.ok("GET", f"/topics/{t}/posts"))["posts"], post["id"])["hidden"]
    # The organization's admin answers it.
    assert (await _queue_appeal(api, s, w["admin"], appeal["id"]))["can_answer"] is True
    answered = (await api.ok("POST", f"/appeals/{appeal['id']}/answer", w["admin"],
                             _answer("uphold")))["appeal"]
    assert answered["status"] == "upheld"


async def test_the_maker_of_a_decision_answers_its_appeal_only_when_nobody_else_can(
    api: Api, ctx: Context
) -> None:
    w = await api.world()  # the organization's admin is the space's only moderator
    s, t, admin, citizen = w["space"]["id"], w["topic"]["id"], w["admin"], w["citizen"]
    first = await api.post(citizen, t, "First remark")
    await api.ok("POST", f"/posts/{first['id']}/hide", admin, {"reason": "Harsh"})
    alone = (await api.ok("POST", f"/posts/{first['id']}/appeal", citizen,
                          {"text": "Please"}, status=201))["appeal"]
    assert (await _queue_appeal(api, s, admin, alone["id"]))["can_answer"] is True
    await api.ok("POST", f"/appeals/{alone['id']}/answer", admin, _answer())

    # With a moderator besides the admin, the one who decided does not answer the appeal.
    mod = await api.user("Mona Keeper")
    await api.ok("POST", f"/spaces/{s}/moderators", admin, {"user_id": mod.id}, status=201)
    second = await api.post(citizen, t, "Second remark")
    await api.ok("POST", f"/posts/{second['id']}/hide", admin, {"reason": "Harsh again"})
    post_appeal = (await api.ok("POST", f"/posts/{second['id']}/appeal", citizen,
                                {"text": "Again?"}, status=201))["appeal"]
    seen = await _queue_appeal(api, s, admin, post_appeal["id"])
    assert seen["can_answer"] is False and "You made the decision" in seen["answer_refused"]
    assert_error(await api.call("POST", f"/appeals/{post_appeal['id']}/answer", admin,
                                _answer()), 403, "own_decision")
    assert (await _queue_appeal(api, s, mod, post_appeal["id"]))["can_answer"] is True
    await api.ok("POST", f"/appeals/{post_appeal['id']}/answer", mod, _answer())

    # The same for a ban: its maker is refused, the organization's admin answers.
    await api.ok("POST", f"/spaces/{s}/bans", mod, {"user_id": citizen.id, "reason": "Spam"},
                 status=201)
    ban_appeal = (await api.ok("POST", f"/spaces/{s}/bans/appeal", citizen,
                               {"text": "Not spam"}, status=201))["appeal"]
    assert_error(await api.call("POST", f"/appeals/{ban_appeal['id']}/answer", mod,
                                _answer()), 403, "own_decision")
    await api.ok("POST", f"/appeals/{ban_appeal['id']}/answer", admin, _answer("uphold"))

    # When the only other answerer is the appellant, the maker of the decision answers.
    admin_post = await api.post(admin, t, "A remark of the admin's")
    await api.ok("POST", f"/posts/{admin_post['id']}/hide", mod, {"reason": "Off topic"})
    admin_appeal = (await api.ok("POST", f"/posts/{admin_post['id']}/appeal", admin,
                                 {"text": "On topic"}, status=201))["appeal"]
    assert_error(await api.call("POST", f"/appeals/{admin_appeal['id']}/answer", admin,
                                _answer()), 403, "own_appeal")
    await api.ok("POST", f"/appeals/{admin_appeal['id']}/answer", mod, _answer("uphold"))


async def test_the_queue_shows_the_post_under_appeal_to_whoever_answers(api: Api, ctx: Context) -> None:
    w = await moderated_world(api)
    s, t, author = w["space"]["id"], w["topic"]["id"], w["citizen"]
    post = await api.post(author, t, "The bus lane plan ignores the market street")
    await api.ok("POST", f"/posts/{post['id']}/hide", w["mod"], {"reason": "Off topic"})
    await api.ok("POST", f"/posts/{post['id']}/appeal", author, {"text": "It is on topic"},
                 status=201)
    [appeal] = (await api.ok("GET", f"/spaces/{s}/moderation/queue", w["admin"]))["appeals"]
    assert appeal["post"]["id"] == post["id"] and appeal["post"]["topic_id"] == t
    assert "market street" in appeal["post"]["body"]  # the moderators' view: the text
    entries = (await api.ok("GET", f"/spaces/{s}/moderation/audit", w["admin"]))["entries"]
    assert all("1 flags" not in e["detail"] for e in entries)


async def test_in_a_private_space_an_appeal_and_a_flag_read_as_forged_ids_to_outsiders(
    api: Api, ctx: Context,
) -> None:
    """An outsider cannot see the space at all: its appeals and flags answer them, to
    read or to act on, exactly as ids that name nothing."""
    w = await moderated_world(api, ctx, tier="plus")  # private spaces need plus
    admin, member = w["admin"], await api.user("Member")
    council = await Builder(api).space(admin, w["org"]["id"], "private", name="Council",
                                       members=[member])
    topic = await api.topic(admin, council["id"], "Budget")
    post = await api.post(member, topic["id"], "Private remark")
    flag = (await api.ok("POST", f"/posts/{post['id']}/flags", admin, {"reason": "spam"},
                         status=201))["flag"]
    await api.ok("POST", f"/posts/{post['id']}/hide", admin, {"reason": "Off topic"})
    appeal = (await api.ok("POST", f"/posts/{post['id']}/appeal", member,
                           {"text": "It was on topic"}, status=201))["appeal"]
    outsider = w["citizen"]
    for method, path, body, message in (
            ("GET", "/appeals/{}", None, "No such appeal."),
            ("POST", "/appeals/{}/answer", {"decision": "overturn", "reason": "x"},
             "No such appeal."),
            ("POST", "/flags/{}/resolve", {"action": "dismiss"}, "No such flag.")):
        real = appeal["id"] if "appeal" in path else flag["id"]
        await assert_as_if_missing(api, method, path, real, outsider, body, message)
    # Nothing was acted on.
    assert (await api.ok("GET", f"/appeals/{appeal['id']}", member))["appeal"]["status"] == "open"
