"""Questions to the city over the HTTP API: asking, the life of a question and who may
move it, the official's post that answers it, the history, the events, the response
target and overdue questions, and a question moved with its topic
(docs/accountability.md, Questions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from cps.services.context import Context
from cps.storage.accountability import Question
from tests.support.api import Api, User
from tests.support.direct import events_on, platform_admin, tiers_in
from tests.support.world import Builder

pytestmark = pytest.mark.anyio


@dataclass
class Cities:
    """Seoul (its admin, a public space with a moderator, an official) and Busan (its
    admin and its own official), and a citizen who is none of these."""

    seoul_admin: User
    seoul: dict[str, Any]
    space: dict[str, Any]
    mod: User
    official: User
    citizen: User
    busan_admin: User
    busan: dict[str, Any]
    busan_official: User


async def cities(api: Api, ctx: Context | None = None, *, tier: str = "free") -> Cities:
    build = Builder(api, tiers=tiers_in(ctx) if ctx is not None else None)
    seoul_admin = await api.user("Seoul Admin")
    seoul = await build.org(seoul_admin, "City of Seoul", tier=tier)
    mod = await api.user("Mona Keeper")
    space = await build.space(seoul_admin, seoul["id"], name="Streets", moderators=[mod])
    official = await api.user("Min-ji Clerk", "government")
    await api.ok("POST", f"/orgs/{seoul['id']}/officials", seoul_admin, {"user_id": official.id})
    busan_admin = await api.user("Busan Admin")
    busan = await build.org(busan_admin, "City of Busan")
    busan_official = await api.user("Busan Clerk", "government")
    await api.ok("POST", f"/orgs/{busan['id']}/officials", busan_admin,
                 {"user_id": busan_official.id})
    citizen = await api.user("Ji-woo Citizen")
    return Cities(seoul_admin, seoul, space, mod, official, citizen, busan_admin, busan,
                  busan_official)


async def ask(api: Api, c: Cities, title: str = "When is the bus stop fixed?",
              space_id: int | None = None) -> dict[str, Any]:
    return dict((await api.ok("POST", f"/spaces/{space_id or c.space['id']}/topics", c.citizen,
                              {"title": title, "body": "It has been broken for a month.",
                               "kind": "question"}))["topic"])


async def move(api: Api, topic_id: int, user: User, status: str,
               **fields: Any) -> dict[str, Any]:
    body = await api.ok("POST", f"/topics/{topic_id}/status", user, {"status": status, **fields})
    return dict(body["topic"])


async def question(api: Api, topic_id: int) -> dict[str, Any]:
    return dict((await api.ok("GET", f"/topics/{topic_id}"))["topic"]["question"])


async def changes(api: Api, topic_id: int, user: User | None = None) -> list[dict[str, Any]]:
    return list((await api.ok("GET", f"/topics/{topic_id}/status-history", user))["changes"])


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def error(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


# --- asking ---------------------------------------------------------------------------


async def test_a_citizen_asks_the_city_a_question(api: Api) -> None:
    c = await cities(api)
    topic = await ask(api, c)
    assert topic["kind"] == "question"
    q = topic["question"]
    assert q["status"] == "open" and q["overdue"] is False
    assert q["asked_by"] == {"id": c.citizen.id, "display_name": "Ji-woo Citizen",
                             "handle": "ji-woo-citizen", "stakeholder_type": "citizen"}
    assert at(q["due_at"]) - at(q["asked_at"]) == timedelta(days=14)
    assert {k: q[k] for k in ("acknowledged_at", "answered_at", "answer_post_id",
                              "closed_at", "reason")} == dict.fromkeys(
        ("acknowledged_at", "answered_at", "answer_post_id", "closed_at", "reason"))
    # The same on the topic, in the space's list (beside a discussion), and as announced.
    assert (await api.ok("GET", f"/topics/{topic['id']}"))["topic"] == topic
    talk = await api.topic(c.citizen, c.space["id"], "Just talking")
    assert talk["kind"] == "discussion" and talk["question"] is None
    listed = {t["id"]: t for t in
              (await api.ok("GET", f"/spaces/{c.space['id']}/topics"))["topics"]}
    assert listed[topic["id"]]["question"] == q and listed[talk["id"]]["question"] is None
    assert await changes(api, topic["id"]) == [
        {"from": None, "to": "open", "by": q["asked_by"], "note": "",
         "answer_post_id": None, "at": q["asked_at"]}]
    assert await changes(api, talk["id"]) == []


async def test_a_question_needs_a_space_that_lets_the_asker_open_topics(api: Api) -> None:
    c = await cities(api)
    await api.ok("PATCH", f"/spaces/{c.space['id']}", c.mod, {"topic_policy": "moderators"})
    refused = await api.call("POST", f"/spaces/{c.space['id']}/topics", c.citizen,
                             {"title": "Q", "body": "B", "kind": "question"})
    assert refused.status_code == 403
    unknown = await api.call("POST", f"/spaces/{c.space['id']}/topics", c.mod,
                             {"title": "Q", "body": "B", "kind": "petition"})
    assert unknown.status_code == 422


# --- the life of a question -----------------------------------------------------------


async def test_the_whole_life_of_a_question(api: Api, ctx: Context) -> None:
    c = await cities(api)
    topic = await ask(api, c)
    tid = topic["id"]
    acknowledged = await move(api, tid, c.official, "acknowledged", note="We are looking.")
    q = acknowledged["question"]
    assert acknowledged["id"] == tid and q["status"] == "acknowledged"
    assert q["acknowledged_at"] and q["answered_at"] is None
    # The official replies without answering, then marks that reply as the answer.
    reply = await api.ok("POST", f"/topics/{tid}/posts", c.official,
                         {"body": "The crew comes on Monday.", "answers_question": False})
    assert (await question(api, tid))["status"] == "acknowledged"
    answered = (await move(api, tid, c.official, "answered",
                           answer_post_id=reply["post"]["id"]))["question"]
    assert answered["answer_post_id"] == reply["post"]["id"]
    assert answered["acknowledged_at"] == q["acknowledged_at"]  # kept, not stamped again
    assert at(answered["answered_at"]) >= at(q["acknowledged_at"])
    progressing = (await move(api, tid, c.mod, "in_progress"))["question"]
    assert progressing["status"] == "in_progress" and progressing["closed_at"] is None
    done = (await move(api, tid, c.seoul_admin, "done", note="Fixed."))["question"]
    assert done["status"] == "done" and done["closed_at"] and done["overdue"] is False
    # Done is final.
    again = await api.call("POST", f"/topics/{tid}/status", c.official, {"status": "declined",
                                                                         "reason": "No"})
    assert error(again) == (409, "invalid_transition")
    assert "done" in again.json()["error"]["message"]

    history = await changes(api, tid)
    assert [(h["from"], h["to"]) for h in history] == [
        (None, "open"), ("open", "acknowledged"), ("acknowledged", "answered"),
        ("answered", "in_progress"), ("in_progress", "done")]
    assert [h["by"]["id"] for h in history] == [c.citizen.id, c.official.id, c.official.id,
                                               c.mod.id, c.seoul_admin.id]
    assert [h["note"] for h in history] == ["", "We are looking.", "", "", "Fixed."]
    assert [h["answer_post_id"] for h in history] == [None, None, reply["post"]["id"],
                                                      None, None]
    assert [at(h["at"]) for h in history] == sorted(at(h["at"]) for h in history)

    # Each step is an event on the topic's and the space's channels, in seq order,
    # and a notice to the asker.
    for channel in (f"topic:{tid}", f"space:{c.space['id']}"):
        steps = [e for e in await events_on(ctx, channel)
                 if e["name"] == "question.status_changed"]
        assert [e["data"]["question"]["status"] for e in steps] == [
            "acknowledged", "answered", "in_progress", "done"]
        assert all(e["data"]["topic_id"] == tid for e in steps)
        seqs = [e["seq"] for e in steps]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    notices = [e for e in await events_on(ctx, f"user:{c.citizen.id}")
               if e["name"] == "question.status_changed"]
    assert [e["data"]["question"]["status"] for e in notices] == [
        "acknowledged", "answered", "in_progress", "done"]


async def test_a_question_may_be_answered_directly_and_declined_with_a_reason(
    api: Api, ctx: Context
) -> None:
    c = await cities(api)
    first = await ask(api, c, "Can the park open later?")
    direct = (await move(api, first["id"], c.official, "answered"))["question"]
    assert direct["answered_at"] == direct["acknowledged_at"] and direct["answer_post_id"] is None
    second = await ask(api, c, "Can we have a zoo?")
    await move(api, second["id"], c.official, "acknowledged")
    declined = (await move(api, second["id"], c.official, "declined",
                           reason="  Not within the city's remit.  "))["question"]
    assert declined["status"] == "declined" and declined["closed_at"]
    assert declined["reason"] == "Not within the city's remit."
    assert (await changes(api, second["id"]))[-1]["note"] == "Not within the city's remit."
    # Declined is final; an answered question may still be declined.
    assert error(await api.call("POST", f"/topics/{second['id']}/status", c.official,
                                {"status": "acknowledged"})) == (409, "invalid_transition")
    await move(api, first["id"], c.mod, "declined", reason="Budget", note="Sorry.")
    assert (await changes(api, first["id"]))[-1]["note"] == "Sorry."


async def test_refusals(api: Api, ctx: Context) -> None:
    c = await cities(api, ctx, tier="plus")  # plus: a private space
    topic = await ask(api, c)
    path = f"/topics/{topic['id']}/status"

    async def refused(user: User | None, body: dict[str, Any]) -> tuple[int, str]:
        return error(await api.call("POST", path, user, body))

    ack = {"status": "acknowledged"}
    assert await refused(None, ack) == (401, "not_signed_in")
    assert await refused(c.citizen, ack) == (403, "forbidden")  # the asker too
    assert await refused(await api.user("Bystander"), ack) == (403, "forbidden")
    # An official of Busan is a plain participant in Seoul's spaces; Busan's admin too.
    assert await refused(c.busan_official, ack) == (403, "forbidden")
    assert await refused(c.busan_admin, ack) == (403, "forbidden")
    # Steps the life of a question does not have.
    for status in ("open", "in_progress", "done"):
        code, name = await refused(c.official, {"status": status})
        assert (code, name) == (409, "invalid_transition"), status
    skipped = await api.call("POST", path, c.official, {"status": "done"})
    assert "from open to done" in skipped.json()["error"]["message"]
    # Fields that do not fit the step.
    assert await refused(c.official, {"status": "declined"}) == (422, "invalid")
    assert await refused(c.official, {"status": "declined", "reason": "   "}) == (422, "invalid")
    assert await refused(c.official, {"status": "acknowledged", "reason": "Why"}) == (
        422, "invalid")
    assert await refused(c.official, {"status": "maybe"}) == (422, "invalid")
    assert await refused(c.official, {"status": "acknowledged", "note": "x" * 2001}) == (
        422, "invalid")
    # The answer must be a published post of this topic.
    other = await api.topic(c.citizen, c.space["id"], "Elsewhere")
    [foreign] = await api.posts(other["id"])
    for post_id in (foreign["id"], 2_000_000_000):
        r = await api.call("POST", path, c.official, {"status": "answered",
                                                      "answer_post_id": post_id})
        assert r.status_code == 422 and "answer_post_id" in r.json()["error"]["fields"]
    deleted = await api.post(c.citizen, topic["id"], "Mine, then gone")
    await api.ok("DELETE", f"/posts/{deleted['id']}", c.citizen)
    assert await refused(c.official, {"status": "answered",
                                      "answer_post_id": deleted["id"]}) == (422, "invalid")
    reply = await api.post(c.citizen, topic["id"], "Any news?")
    assert await refused(c.official, {"status": "acknowledged",
                                      "answer_post_id": reply["id"]}) == (422, "invalid")
    # Forged ids and topics the caller may not see.
    for forged in ("/topics/999999/status", "/topics/2147483648/status"):
        r = await api.call("POST", forged, c.official, ack)
        assert r.status_code == 404, forged
        h = await api.call("GET", forged.replace("status", "status-history"))
        assert h.status_code == 404
    council = await Builder(api).space(c.seoul_admin, c.seoul["id"], "private", name="Council")
    secret = await api.topic(c.seoul_admin, council["id"], "Budget")
    assert error(await api.call("POST", f"/topics/{secret['id']}/status", c.busan_admin,
                                {"status": "open"})) == (404, "not_found")
    assert (await api.call("GET", f"/topics/{secret['id']}/status-history",
                           c.citizen)).status_code == 404
    # Nothing of it changed the question.
    q = await question(api, topic["id"])
    assert q["status"] == "open" and q["acknowledged_at"] is None
    assert len(await changes(api, topic["id"])) == 1
    assert not [e for e in await events_on(ctx, f"topic:{topic['id']}")
                if e["name"] == "question.status_changed"]


async def test_a_platform_admin_may_move_any_question(api: Api, ctx: Context) -> None:
    c = await cities(api)
    topic = await ask(api, c)
    platform = await platform_admin(ctx, api)
    assert (await move(api, topic["id"], platform, "acknowledged"))["question"]["status"] == (
        "acknowledged")


# --- a moderator turns a discussion into a question --------------------------------------


async def test_a_moderator_turns_a_discussion_into_a_question(api: Api, ctx: Context) -> None:
    c = await cities(api)
    talk = await api.topic(c.citizen, c.space["id"], "Potholes on Main Street")
    path = f"/topics/{talk['id']}/status"
    # Officials move questions; only moderators make one of a discussion.
    assert error(await api.call("POST", path, c.official, {"status": "open"})) == (
        403, "forbidden")
    assert error(await api.call("POST", path, c.citizen, {"status": "open"})) == (
        403, "forbidden")
    assert error(await api.call("POST", path, c.mod, {"status": "acknowledged"})) == (
        409, "invalid_transition")
    turned = await move(api, talk["id"], c.mod, "open", note="This asks the city.")
    assert turned["kind"] == "question"
    q = turned["question"]
    assert q["status"] == "open" and q["asked_by"]["id"] == c.citizen.id
    assert at(q["asked_at"]) > at(talk["created_at"])
    assert at(q["due_at"]) - at(q["asked_at"]) == timedelta(days=14)
    assert [(h["from"], h["to"], h["by"]["id"], h["note"])
            for h in await changes(api, talk["id"])] == [
        (None, "open", c.mod.id, "This asks the city.")]
    assert error(await api.call("POST", path, c.mod, {"status": "open"})) == (
        409, "invalid_transition")
    [event] = [e for e in await events_on(ctx, f"space:{c.space['id']}")
               if e["name"] == "question.status_changed"]
    assert event["data"] == {"topic_id": talk["id"], "question": q}
    # The author hears that their topic is now a question.
    assert "question.status_changed" in [e["name"] for e in
                                         await events_on(ctx, f"user:{c.citizen.id}")]


# --- an official's post answers ---------------------------------------------------------


async def test_an_officials_post_answers_the_question(api: Api, ctx: Context) -> None:
    c = await cities(api)
    topic = await ask(api, c)
    tid = topic["id"]
    # Not a plain participant's, nor a moderator's, nor the asker's, nor another city's
    # official's, nor an official's who says it is not the answer.
    await api.post(await api.user("Neighbour"), tid, "Same here")
    await api.post(c.mod, tid, "Please keep it civil")
    await api.post(c.citizen, tid, "Still broken")
    await api.post(c.busan_official, tid, "In Busan we fixed ours")
    await api.ok("POST", f"/topics/{tid}/posts", c.official,
                 {"body": "We will look", "answers_question": False})
    assert (await question(api, tid))["status"] == "open"
    assert len(await changes(api, tid)) == 1

    answer = await api.post(c.official, tid, "Fixed by Friday.", parent_id=None)
    q = await question(api, tid)
    assert q["status"] == "answered" and q["answer_post_id"] == answer["id"]
    assert q["answered_at"] and q["acknowledged_at"] == q["answered_at"]
    last = (await changes(api, tid))[-1]
    assert (last["from"], last["to"], last["by"]["id"], last["answer_post_id"]) == (
        "open", "answered", c.official.id, answer["id"])
    # In the topic's channel, right after the post that answered it; and in the space's.
    names = [(e["name"], e["data"].get("id") or e["data"].get("topic_id"))
             for e in await events_on(ctx, f"topic:{tid}")]
    assert names[-2:] == [("post.created", answer["id"]), ("question.status_changed", tid)]
    assert [e["name"] for e in await events_on(ctx, f"space:{c.space['id']}")][-1] == (
        "question.status_changed")
    notices = [e for e in await events_on(ctx, f"user:{c.citizen.id}")
               if e["name"] == "question.status_changed"]
    assert notices[-1]["data"]["question"]["answer_post_id"] == answer["id"]
    # A later official post changes nothing: the question is answered already.
    await api.post(c.official, tid, "And the bench too.")
    assert (await question(api, tid))["answer_post_id"] == answer["id"]
    assert len(await changes(api, tid)) == 2


async def test_an_officials_post_answers_an_acknowledged_question_not_a_discussion(
    api: Api,
) -> None:
    c = await cities(api)
    topic = await ask(api, c)
    await move(api, topic["id"], c.mod, "acknowledged")
    post = await api.post(c.official, topic["id"], "Answer")
    assert (await question(api, topic["id"]))["answer_post_id"] == post["id"]
    talk = await api.topic(c.citizen, c.space["id"], "Chat")
    await api.post(c.official, talk["id"], "Hello")
    assert (await api.ok("GET", f"/topics/{talk['id']}"))["topic"]["question"] is None


async def test_a_held_officials_post_answers_when_approved(api: Api, ctx: Context) -> None:
    c = await cities(api, ctx, tier="plus")
    await api.ok("PATCH", f"/spaces/{c.space['id']}", c.mod, {"premoderation_posts": 5})
    topic = await ask(api, c)
    held = await api.post(c.official, topic["id"], "Our answer")
    assert held["pending"] is True
    assert (await question(api, topic["id"]))["status"] == "open"
    await api.ok("POST", f"/posts/{held['id']}/approve", c.mod)
    q = await question(api, topic["id"])
    assert q["status"] == "answered" and q["answer_post_id"] == held["id"]
    assert (await changes(api, topic["id"]))[-1]["by"]["id"] == c.official.id
    # A moderator restoring a held post publishes it too.
    second = await ask(api, c, "And the lights?")
    waiting = await api.post(c.official, second["id"], "Next week")
    assert waiting["pending"] is True
    await api.ok("POST", f"/posts/{waiting['id']}/restore", c.mod)
    assert (await question(api, second["id"]))["answer_post_id"] == waiting["id"]


async def test_a_held_officials_post_that_does_not_answer_still_does_not_when_approved(
        api: Api, ctx: Context) -> None:
    c = await cities(api, ctx, tier="plus")
    await api.ok("PATCH", f"/spaces/{c.space['id']}", c.mod, {"premoderation_posts": 5})
    topic = await ask(api, c)
    held = await api.ok("POST", f"/topics/{topic['id']}/posts", c.official,
                        {"body": "We are looking into it", "answers_question": False})
    assert held["post"]["pending"] is True
    for publish in ("approve", "restore"):
        post = held["post"] if publish == "approve" else (await api.ok(
            "POST", f"/topics/{topic['id']}/posts", c.official,
            {"body": "Still looking", "answers_question": False}))["post"]
        await api.ok("POST", f"/posts/{post['id']}/{publish}", c.mod)
        q = await question(api, topic["id"])
        assert q["status"] == "open" and q["answer_post_id"] is None, publish
    # The official's next post, held and approved, answers it.
    answer = await api.post(c.official, topic["id"], "Fixed on Monday")
    await api.ok("POST", f"/posts/{answer['id']}/approve", c.mod)
    assert (await question(api, topic["id"]))["answer_post_id"] == answer["id"]


# --- the response target and overdue questions ------------------------------------------


async def _due_in_the_past(ctx: Context, topic_id: int) -> None:
    """Asked twenty days ago with the default target: due six days ago."""
    asked = datetime.now(UTC) - timedelta(days=20)
    async with ctx.db.write() as tx:
        await tx.session.execute(update(Question).where(Question.topic_id == topic_id)
                                 .values(asked_at=asked, due_at=asked + timedelta(days=14)))


async def test_a_question_past_its_target_is_overdue_until_answered(
    api: Api, ctx: Context
) -> None:
    c = await cities(api)
    late = await ask(api, c, "Late")
    timely = await ask(api, c, "Timely")
    await _due_in_the_past(ctx, late["id"])
    assert (await question(api, late["id"]))["overdue"] is True
    assert (await question(api, timely["id"]))["overdue"] is False
    listed = {t["id"]: t["question"]["overdue"] for t in
              (await api.ok("GET", f"/spaces/{c.space['id']}/topics"))["topics"]}
    assert listed == {late["id"]: True, timely["id"]: False}
    # Acknowledging is not answering; answering (or declining) ends it.
    assert (await move(api, late["id"], c.official, "acknowledged"))["question"]["overdue"]
    answered = (await move(api, late["id"], c.official, "answered"))["question"]
    assert answered["overdue"] is False
    await _due_in_the_past(ctx, timely["id"])
    declined = await move(api, timely["id"], c.official, "declined", reason="Out of scope")
    assert declined["question"]["overdue"] is False


async def test_moderators_set_the_response_target_for_questions_asked_after(
    api: Api, ctx: Context
) -> None:
    c = await cities(api)
    before = await ask(api, c, "Before")
    path = f"/spaces/{c.space['id']}"
    assert (await api.call("PATCH", path, c.citizen, {"response_target_days": 3})
            ).status_code == 403
    assert (await api.call("PATCH", path, c.official, {"response_target_days": 3})
            ).status_code == 403
    for days in (0, 366, "7"):
        assert (await api.call("PATCH", path, c.mod, {"response_target_days": days})
                ).status_code == 422, days
    changed = await api.ok("PATCH", path, c.mod, {"response_target_days": 3})
    assert changed["space"]["response_target_days"] == 3
    assert changed["settings"]["response_target_days"] == 3
    assert (await api.ok("GET", path))["space"]["response_target_days"] == 3
    [event] = [e for e in await events_on(ctx, f"space:{c.space['id']}")
               if e["name"] == "space.settings_changed"]
    assert event["data"]["response_target_days"] == 3
    after = await ask(api, c, "After")
    q = after["question"]
    assert at(q["due_at"]) - at(q["asked_at"]) == timedelta(days=3)
    # A question keeps the due date it was asked with.
    old = await question(api, before["id"])
    assert at(old["due_at"]) - at(old["asked_at"]) == timedelta(days=14)
    await api.ok("PATCH", path, c.seoul_admin, {"response_target_days": 365})


# --- moving a question with its topic -----------------------------------------------------


async def test_a_question_moves_with_its_topic(api: Api, ctx: Context) -> None:
    c = await cities(api)
    other = await Builder(api).space(c.seoul_admin, c.seoul["id"], name="Parks",
                                     moderators=[c.mod])
    topic = await ask(api, c)
    moved = (await api.ok("POST", f"/topics/{topic['id']}/move", c.mod,
                          {"space_id": other["id"]}))["topic"]
    assert moved["space_id"] == other["id"] and moved["question"] == topic["question"]
    async with ctx.db.read() as session:
        space_id = await session.scalar(select(Question.space_id)
                                        .where(Question.topic_id == topic["id"]))
    assert space_id == other["id"]
    # Its next steps are told in the space it is in now.
    await move(api, topic["id"], c.official, "acknowledged")
    assert "question.status_changed" in [e["name"] for e in
                                         await events_on(ctx, f"space:{other['id']}")]
    assert "question.status_changed" not in [e["name"] for e in
                                             await events_on(ctx, f"space:{c.space['id']}")]
    [event] = [e for e in await events_on(ctx, f"topic:{topic['id']}")
               if e["name"] == "topic.moved"]
    assert event["data"]["question"]["status"] == "open"
