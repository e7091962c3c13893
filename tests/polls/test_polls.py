"""Polls in topics over the HTTP API: open, vote, change, withdraw, close, and what a
reader sees; every refusal (401/403/404/409/422) with its code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from cps.services.context import Context
from cps.storage.models import Poll
from tests.api.helpers import assert_as_if_missing
from tests.polls.conftest import events_on, open_poll
from tests.support.api import Api

pytestmark = pytest.mark.anyio


def _counts(poll: dict[str, Any]) -> list[int]:
    return [o["votes"] for o in poll["options"]]


async def test_a_moderator_opens_a_poll_and_citizens_vote_change_and_withdraw(api: Api, world: dict[str, Any], ctx: Context) -> None:
    t = world["topic"]["id"]
    poll = await open_poll(api, world["mod"], t, "  Which route first?  ",
                           ("Line 1", " Line 2 ", "Line 3"))
    assert poll["question"] == "Which route first?"
    assert [(o["position"], o["label"], o["votes"]) for o in poll["options"]] == [
        (0, "Line 1", 0), (1, "Line 2", 0), (2, "Line 3", 0)]
    assert poll["topic_id"] == t and poll["created_by"]["id"] == world["mod"].id
    assert poll["accepting_votes"] is True and poll["read_only_reason"] is None
    assert poll["closed"] is False and poll["closes_at"] is None and poll["my_vote"] is None
    assert poll["can_close"] is True and poll["total_votes"] == 0
    line1, line2, _ = (o["id"] for o in poll["options"])
    pid = poll["id"]

    voted = (await api.ok("PUT", f"/polls/{pid}/vote", world["citizen"],
                          {"option_id": line1}))["poll"]
    assert _counts(voted) == [1, 0, 0] and voted["my_vote"] == line1
    assert voted["total_votes"] == 1 and voted["can_close"] is False
    await api.ok("PUT", f"/polls/{pid}/vote", world["author"], {"option_id": line2})
    # Voting again for the same option changes nothing; another option moves the vote.
    again = (await api.ok("PUT", f"/polls/{pid}/vote", world["citizen"],
                          {"option_id": line1}))["poll"]
    assert _counts(again) == [1, 1, 0]
    moved = (await api.ok("PUT", f"/polls/{pid}/vote", world["citizen"],
                          {"option_id": line2}))["poll"]
    assert _counts(moved) == [0, 2, 0] and moved["my_vote"] == line2

    # Every reader sees the results; only the voter sees their own vote.
    anonymous = (await api.ok("GET", f"/polls/{pid}"))["poll"]
    assert _counts(anonymous) == [0, 2, 0] and anonymous["my_vote"] is None
    assert anonymous["can_close"] is False
    listed = (await api.ok("GET", f"/topics/{t}/polls", world["author"]))["polls"]
    assert [p["id"] for p in listed] == [pid] and listed[0]["my_vote"] == line2

    withdrawn = (await api.ok("DELETE", f"/polls/{pid}/vote", world["citizen"]))["poll"]
    assert _counts(withdrawn) == [0, 1, 0] and withdrawn["my_vote"] is None
    # Withdrawing when there is no vote is harmless.
    assert _counts((await api.ok("DELETE", f"/polls/{pid}/vote",
                                 world["citizen"]))["poll"]) == [0, 1, 0]

    names = [e["name"] for e in await events_on(ctx, f"topic:{t}")]
    assert names.count("poll.created") == 1
    assert names.count("poll.voted") == 4  # the repeated vote and empty withdrawal say nothing


async def test_the_topic_author_may_open_a_poll_and_close_it(api: Api, world: dict[str, Any]) -> None:
    t = world["topic"]["id"]
    poll = await open_poll(api, world["author"], t, options=("Yes", "No"))
    await api.ok("PUT", f"/polls/{poll['id']}/vote", world["citizen"],
                 {"option_id": poll["options"][0]["id"]})
    closed = (await api.ok("POST", f"/polls/{poll['id']}/close", world["author"]))["poll"]
    assert closed["closed"] is True and closed["closed_at"] is not None
    assert closed["accepting_votes"] is False and closed["read_only_reason"] == "closed"
    assert closed["can_close"] is False
    assert _counts(closed) == [1, 0]  # results stay

    for method, body in (("PUT", {"option_id": poll["options"][1]["id"]}), ("DELETE", None)):
        r = await api.call(method, f"/polls/{poll['id']}/vote", world["citizen"], body)
        assert r.status_code == 409, r.text
        assert r.json()["error"]["code"] == "poll_closed"
    r = await api.call("POST", f"/polls/{poll['id']}/close", world["mod"])
    assert r.status_code == 409 and r.json()["error"]["code"] == "poll_closed"


async def test_moderators_and_org_admins_close_anyones_poll(api: Api, world: dict[str, Any]) -> None:
    t = world["topic"]["id"]
    first = await open_poll(api, world["author"], t)
    second = await open_poll(api, world["author"], t)
    assert (await api.ok("POST", f"/polls/{first['id']}/close", world["mod"]))["poll"]["closed"]
    assert (await api.ok("POST", f"/polls/{second['id']}/close",
                         world["admin"]))["poll"]["closed"]


async def test_a_poll_past_its_closing_time_takes_no_votes(api: Api, world: dict[str, Any], ctx: Context) -> None:
    t = world["topic"]["id"]
    closes = datetime.now(UTC) + timedelta(hours=2)
    poll = await open_poll(api, world["mod"], t, closes_at=closes.isoformat())
    assert datetime.fromisoformat(poll["closes_at"]) == closes
    option = poll["options"][0]["id"]
    await api.ok("PUT", f"/polls/{poll['id']}/vote", world["citizen"], {"option_id": option})
    async with ctx.db.write() as tx:  # two hours pass
        await tx.session.execute(update(Poll).where(Poll.id == poll["id"]).values(
            closes_at=datetime.now(UTC) - timedelta(seconds=1)))
    shown = (await api.ok("GET", f"/polls/{poll['id']}", world["citizen"]))["poll"]
    assert shown["closed"] is True and shown["closed_at"] is None
    assert shown["read_only_reason"] == "closed" and shown["my_vote"] == option
    r = await api.call("PUT", f"/polls/{poll['id']}/vote", world["author"], {"option_id": option})
    assert r.status_code == 409 and r.json()["error"]["code"] == "poll_closed"
    r = await api.call("POST", f"/polls/{poll['id']}/close", world["mod"])
    assert r.status_code == 409 and r.json()["error"]["code"] == "poll_closed"


async def test_locked_and_archived_topics_take_no_new_polls_or_votes(api: Api, world: dict[str, Any]) -> None:
    t = world["topic"]["id"]
    poll = await open_poll(api, world["mod"], t)
    option = poll["options"][0]["id"]
    for flag, code in (("locked", "topic_locked"), ("archived", "topic_archived")):
        await api.ok("PATCH", f"/topics/{t}", world["mod"], {flag: True})
        shown = (await api.ok("GET", f"/polls/{poll['id']}"))["poll"]
        assert shown["accepting_votes"] is False and shown["read_only_reason"] == code
        r = await api.call("PUT", f"/polls/{poll['id']}/vote", world["citizen"],
                           {"option_id": option})
        assert r.status_code == 409 and r.json()["error"]["code"] == code
        r = await api.call("POST", f"/topics/{t}/polls", world["mod"],
                           {"question": "Another?", "options": ["a", "b"]})
        assert r.status_code == 409 and r.json()["error"]["code"] == code
        await api.ok("PATCH", f"/topics/{t}", world["mod"], {flag: False})
    await api.ok("PUT", f"/polls/{poll['id']}/vote", world["citizen"], {"option_id": option})


async def test_signed_out_callers_get_401(api: Api, world: dict[str, Any]) -> None:
    t = world["topic"]["id"]
    poll = await open_poll(api, world["mod"], t)
    for method, path, body in (
        ("POST", f"/topics/{t}/polls", {"question": "Q?", "options": ["a", "b"]}),
        ("PUT", f"/polls/{poll['id']}/vote", {"option_id": poll["options"][0]["id"]}),
        ("DELETE", f"/polls/{poll['id']}/vote", None),
        ("POST", f"/polls/{poll['id']}/close", None),
    ):
        r = await api.call(method, path, None, body)
        assert r.status_code == 401, (method, path, r.text)
        assert r.json()["error"]["code"] == "not_signed_in"
    # Reading needs no account.
    assert (await api.ok("GET", f"/topics/{t}/polls"))["polls"][0]["id"] == poll["id"]


async def test_citizens_who_did_not_open_the_topic_cannot_open_or_close_polls(api: Api, world: dict[str, Any]) -> None:
    t = world["topic"]["id"]
    r = await api.call("POST", f"/topics/{t}/polls", world["citizen"],
                       {"question": "Spam?", "options": ["a", "b"]})
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    poll = await open_poll(api, world["mod"], t)
    for user in (world["citizen"], world["author"]):
        r = await api.call("POST", f"/polls/{poll['id']}/close", user)
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert (await api.ok("GET", f"/polls/{poll['id']}"))["poll"]["closed"] is False


async def test_banned_and_muted_users_cannot_vote_or_open_polls(api: Api, world: dict[str, Any]) -> None:
    s, t = world["space"]["id"], world["topic"]["id"]
    poll = await open_poll(api, world["mod"], t)
    option = poll["options"][0]["id"]
    await api.ok("PUT", f"/polls/{poll['id']}/vote", world["author"], {"option_id": option})
    await api.ok("POST", f"/spaces/{s}/mutes", world["mod"],
                 {"user_id": world["author"].id, "reason": "Cool off"}, status=201)
    await api.ok("POST", f"/spaces/{s}/bans", world["mod"],
                 {"user_id": world["citizen"].id, "reason": "Harassment"}, status=201)
    for user, code in ((world["author"], "muted"), (world["citizen"], "banned")):
        for method, body in (("PUT", {"option_id": option}), ("DELETE", None)):
            r = await api.call(method, f"/polls/{poll['id']}/vote", user, body)
            assert r.status_code == 403, r.text
            assert r.json()["error"]["code"] == code
    r = await api.call("POST", f"/topics/{t}/polls", world["author"],
                       {"question": "Muted?", "options": ["a", "b"]})
    assert r.status_code == 403 and r.json()["error"]["code"] == "muted"
    # The muted author's earlier vote stays counted; they may still read.
    shown = (await api.ok("GET", f"/polls/{poll['id']}", world["author"]))["poll"]
    assert _counts(shown)[0] == 1 and shown["my_vote"] == option


async def test_unknown_ids_get_404(api: Api, world: dict[str, Any]) -> None:
    poll = await open_poll(api, world["mod"], world["topic"]["id"])
    u = world["citizen"]
    for method, path, body in (
        ("GET", "/topics/999999/polls", None),
        ("POST", "/topics/999999/polls", {"question": "Q?", "options": ["a", "b"]}),
        ("GET", "/polls/999999", None),
        ("PUT", "/polls/999999/vote", {"option_id": poll["options"][0]["id"]}),
        ("DELETE", "/polls/999999/vote", None),
        ("POST", "/polls/999999/close", None),
        ("GET", "/polls/99999999999", None),
    ):
        r = await api.call(method, path, u, body)
        assert r.status_code == 404, (method, path, r.text)
        assert r.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(("body", "field"), [
    ({"options": ["a", "b"]}, "question"),
    ({"question": "   ", "options": ["a", "b"]}, "question"),
    ({"question": "x" * 301, "options": ["a", "b"]}, "question"),
    ({"question": "Q?", "options": ["only one"]}, "options"),
    ({"question": "Q?", "options": [f"o{i}" for i in range(11)]}, "options"),
    ({"question": "Q?", "options": ["a", "y" * 121]}, "options"),
    ({"question": "Q?", "options": ["a", "  "]}, "options"),
    ({"question": "Q?", "options": ["Yes", "yes "]}, "options"),
    ({"question": "Q?", "options": "a, b"}, "options"),
    ({"question": "Q?", "options": ["a", "b"], "closes_at": "2001-01-01T00:00:00Z"},
     "closes_at"),
    ({"question": "Q?", "options": ["a", "b"], "closes_at": "2099-01-01T00:00:00"},
     "closes_at"),
    ({"question": "Q?", "options": ["a", "b"], "closes_at": "next week"}, "closes_at"),
])
async def test_invalid_polls_get_422_naming_the_field(
    api: Api, world: dict[str, Any], body: dict[str, object], field: str
) -> None:
    r = await api.call("POST", f"/topics/{world['topic']['id']}/polls", world["mod"], body)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid"
    assert any(k == field or k.startswith(field + ".") for k in error["fields"]), error
    assert (await api.ok("GET", f"/topics/{world['topic']['id']}/polls"))["polls"] == []


async def test_the_longest_question_and_labels_and_ten_options_are_accepted(api: Api, world: dict[str, Any]) -> None:
    poll = await open_poll(api, world["mod"], world["topic"]["id"], "q" * 300,
                           tuple(f"{i}" + "l" * 119 for i in range(10)))
    assert len(poll["options"]) == 10 and len(poll["question"]) == 300


async def test_a_vote_for_another_polls_option_or_a_bad_body_gets_422(api: Api, world: dict[str, Any]) -> None:
    t = world["topic"]["id"]
    first, second = await open_poll(api, world["mod"], t), await open_poll(api, world["mod"], t)
    for body in ({"option_id": second["options"][0]["id"]}, {"option_id": 999999},
                 {"option_id": "1"}, {}, {"option_id": 0}):
        r = await api.call("PUT", f"/polls/{first['id']}/vote", world["citizen"], body)
        assert r.status_code == 422, (body, r.text)
        assert "option_id" in r.json()["error"]["fields"]
    assert (await api.ok("GET", f"/polls/{first['id']}"))["poll"]["total_votes"] == 0


async def test_a_topic_holds_at_most_twenty_polls(api: Api, world: dict[str, Any]) -> None:
    t = world["topic"]["id"]
    for i in range(20):
        await open_poll(api, world["author"], t, f"Question {i}?", ("a", "b"))
    r = await api.call("POST", f"/topics/{t}/polls", world["mod"],
                       {"question": "One more?", "options": ["a", "b"]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "poll_limit"
    assert len((await api.ok("GET", f"/topics/{t}/polls"))["polls"]) == 20


async def test_private_space_polls_are_404_to_outsiders(api: Api, world: dict[str, Any]) -> None:
    admin = world["admin"]
    space = await api.space(admin, world["org"]["id"], "private", name="Council")
    member = await api.user("Member")
    await api.ok("POST", f"/spaces/{space['id']}/members", admin, {"user_id": member.id},
                 status=201)
    topic = await api.topic(admin, space["id"], "Budget")
    poll = await open_poll(api, admin, topic["id"])
    option = poll["options"][0]["id"]
    await api.ok("PUT", f"/polls/{poll['id']}/vote", member, {"option_id": option})
    assert (await api.ok("GET", f"/polls/{poll['id']}", member))["poll"]["my_vote"] == option
    outsider = world["citizen"]
    for user in (outsider, None):
        for method, path, body in (
            ("GET", f"/topics/{topic['id']}/polls", None),
            ("GET", f"/polls/{poll['id']}", None),
            ("POST", f"/topics/{topic['id']}/polls", {"question": "Q?", "options": ["a", "b"]}),
            ("PUT", f"/polls/{poll['id']}/vote", {"option_id": option}),
            ("DELETE", f"/polls/{poll['id']}/vote", None),
            ("POST", f"/polls/{poll['id']}/close", None),
        ):
            r = await api.call(method, path, user, body)
            expected = 401 if user is None and method != "GET" else 404
            assert r.status_code == expected, (method, path, r.text)
    # To the outsider, the private poll reads as a poll that does not exist (not as a
    # hidden topic), to read it or to act on it.
    for method, path, body in (("GET", "/polls/{}", None),
                               ("PUT", "/polls/{}/vote", {"option_id": option}),
                               ("DELETE", "/polls/{}/vote", None),
                               ("POST", "/polls/{}/close", None)):
        await assert_as_if_missing(api, method, path, poll["id"], outsider, body, "No such poll.")
    assert (await api.ok("GET", f"/polls/{poll['id']}", member))["poll"]["total_votes"] == 1
