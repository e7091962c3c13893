"""Reviewer R2's attacks on the consensus map (issue 18), over the HTTP API on both
databases: statement lengths at their edges, people who are not moderators deciding,
votes through the wrong round or on a closed one, pending and rejected statements
reached by others, a removed member, and what `me`, `my_vote` and `points` tell.
Each attack that held stays here as evidence."""

from __future__ import annotations

from typing import Any

import pytest

from cps.services.consensus import recompute
from cps.services.context import Context
from tests.consensus.conftest import LONG, consensus_world, open_round, proposal
from tests.support.api import Api, User

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("settled")]


async def _get(api: Api, rid: int, user: User | None = None) -> dict[str, Any]:
    return dict((await api.ok("GET", f"/consensus/{rid}", user))["round"])


def _text(n: int) -> str:
    """A statement of exactly n characters once spaces are run together."""
    base = (LONG * 2)[:n]
    return base[:-1] + "x" if base.endswith(" ") else base


async def test_statement_lengths_at_their_edges_and_padding(
        api: Api, world: dict[str, Any]) -> None:
    rid = (await open_round(api, world["mod"], world["topic"]["id"],
                            open_submissions=True))["id"]
    for n in (139, 281):
        for text in (_text(n), "   " + _text(n) + "\n\t  ",
                     _text(n).replace(" ", "   \n ")):
            r = await api.call("POST", f"/consensus/{rid}/statements", world["citizen"],
                               {"text": text})
            assert r.status_code == 422, (n, r.text)
            assert set(r.json()["error"]["fields"]) == {"text"}
    # 139 characters padded to 300 with spaces is still 139
    padded = _text(139).replace(" ", " " * 8)
    assert len(padded) > 281
    r = await api.call("POST", f"/consensus/{rid}/statements", world["citizen"],
                       {"text": padded})
    assert r.status_code == 422, r.text
    for n in (140, 280):
        made = (await api.ok("POST", f"/consensus/{rid}/statements", world["citizen"],
                             {"text": "  " + _text(n).replace(" ", "  ") + "  "}))["statement"]
        assert made["text"] == " ".join(_text(n).split()) and len(made["text"]) == n
    # the same text again, differently cased and spaced, is a conflict
    r = await api.call("POST", f"/consensus/{rid}/statements", world["other"],
                       {"text": _text(140).upper().replace(" ", "\n")})
    assert r.status_code == 409, r.text
    # a seed of 281 characters, or of spaces only, is refused
    await api.ok("POST", f"/consensus/{rid}/close", world["mod"])
    for seeds in ([_text(281)], ["   "], ["ok", " OK "]):
        r = await api.call("POST", f"/topics/{world['topic']['id']}/consensus", world["mod"],
                           {"prompt": "Again?", "statements": seeds})
        assert r.status_code == 422, (seeds, r.text)


async def test_only_the_spaces_moderators_open_decide_and_close(
        api: Api, world: dict[str, Any], platform_admin: User) -> None:
    opened = await open_round(api, world["mod"], world["topic"]["id"])
    rid = opened["id"]
    pending = (await api.ok("POST", f"/consensus/{rid}/statements", world["citizen"],
                            {"text": LONG}))["statement"]
    assert pending["status"] == "pending"
    elsewhere = await consensus_world(api, platform_admin)
    for user in (world["citizen"], world["author"], world["other"], elsewhere["mod"],
                 elsewhere["admin"]):
        for action in ("accept", "reject"):
            r = await api.call("POST", f"/consensus/{rid}/statements/{pending['id']}/{action}",
                               user)
            assert r.status_code == 403, (user.display_name, action, r.text)
        r = await api.call("POST", f"/consensus/{rid}/close", user)
        assert r.status_code == 403, r.text
    for action in ("accept", "close"):
        r = await api.call("POST", f"/consensus/{rid}/statements/{pending['id']}/{action}"
                           if action == "accept" else f"/consensus/{rid}/close")
        assert r.status_code == 401, r.text
    seen = await _get(api, rid, world["mod"])
    assert seen["status"] == "open"
    assert [s["status"] for s in seen["statements"] if s["id"] == pending["id"]] == ["pending"]


async def test_pending_and_rejected_statements_reach_nobody_else(
        api: Api, world: dict[str, Any]) -> None:
    rid = (await open_round(api, world["mod"], world["topic"]["id"]))["id"]
    citizen, other = world["citizen"], world["other"]
    waiting = (await api.ok("POST", f"/consensus/{rid}/statements", citizen,
                            {"text": proposal(1)}))["statement"]
    refused = (await api.ok("POST", f"/consensus/{rid}/statements", citizen,
                            {"text": proposal(2)}))["statement"]
    await api.ok("POST", f"/consensus/{rid}/statements/{refused['id']}/reject", world["mod"])
    for sid in (waiting["id"], refused["id"]):
        r = await api.call("PUT", f"/consensus/{rid}/statements/{sid}/vote", other,
                           {"vote": "agree"})
        assert r.status_code == 404, r.text
        r = await api.call("PUT", f"/consensus/{rid}/statements/{sid}/vote", citizen,
                           {"vote": "agree"})
        assert r.status_code == 409 and r.json()["error"]["code"] == "statement_not_accepted"
    for reader in (None, other):
        text = str(await _get(api, rid, reader))
        assert "Proposal 1" not in text and "Proposal 2" not in text
    # /next never offers them, to anyone
    for user in (citizen, other, world["mod"]):
        offered = set()
        while (nxt := (await api.ok("GET", f"/consensus/{rid}/next", user))["statement"]):
            assert nxt["id"] not in offered and nxt["status"] == "accepted"
            assert nxt["id"] not in (waiting["id"], refused["id"])
            offered.add(nxt["id"])
            await api.ok("PUT", f"/consensus/{rid}/statements/{nxt['id']}/vote", user,
                         {"vote": "pass"})
        assert len(offered) == 3
    # accepted later, it is offered once, then never again
    await api.ok("POST", f"/consensus/{rid}/statements/{waiting['id']}/accept", world["mod"])
    nxt = (await api.ok("GET", f"/consensus/{rid}/next", other))["statement"]
    assert nxt["id"] == waiting["id"]
    await api.ok("PUT", f"/consensus/{rid}/statements/{nxt['id']}/vote", other,
                 {"vote": "disagree"})
    await api.ok("PUT", f"/consensus/{rid}/statements/{nxt['id']}/vote", other,
                 {"vote": "agree"})  # a changed vote is still a vote
    assert (await api.ok("GET", f"/consensus/{rid}/next", other))["statement"] is None


async def test_votes_through_another_round_or_on_a_closed_one(
        api: Api, world: dict[str, Any]) -> None:
    first = await open_round(api, world["mod"], world["topic"]["id"])
    old_sid = first["statements"][0]["id"]
    await api.ok("PUT", f"/consensus/{first['id']}/statements/{old_sid}/vote",
                 world["citizen"], {"vote": "agree"})
    await api.ok("POST", f"/consensus/{first['id']}/close", world["mod"])
    second = await open_round(api, world["mod"], world["topic"]["id"], ("Trams", "Ferries"))
    # the closed round's statement through the open round: not there
    r = await api.call("PUT", f"/consensus/{second['id']}/statements/{old_sid}/vote",
                       world["citizen"], {"vote": "disagree"})
    assert r.status_code == 404, r.text
    # on the closed round itself: closed
    for vote in ("disagree", "agree"):
        r = await api.call("PUT", f"/consensus/{first['id']}/statements/{old_sid}/vote",
                           world["other"], {"vote": vote})
        assert r.status_code == 409 and r.json()["error"]["code"] == "round_closed", r.text
    r = await api.call("POST", f"/consensus/{first['id']}/statements", world["other"],
                       {"text": LONG})
    assert r.status_code == 409, r.text
    r = await api.call("POST", f"/consensus/{first['id']}/close", world["mod"])
    assert r.status_code == 409, r.text
    assert (await api.ok("GET", f"/consensus/{first['id']}/next",
                         world["other"]))["statement"] is None
    kept = await _get(api, first["id"], world["citizen"])
    assert kept["statements"][0]["agree"] == 1 and kept["statements"][0]["my_vote"] == "agree"


async def test_a_removed_member_loses_the_private_round(
        api: Api, platform_admin: User) -> None:
    w = await consensus_world(api, platform_admin, visibility="private")
    rid = (await open_round(api, w["mod"], w["topic"]["id"]))["id"]
    sid = (await _get(api, rid, w["citizen"]))["statements"][0]["id"]
    await api.ok("PUT", f"/consensus/{rid}/statements/{sid}/vote", w["citizen"],
                 {"vote": "agree"})
    await api.ok("DELETE", f"/spaces/{w['space']['id']}/members/{w['citizen'].id}", w["admin"])
    outsider = await api.user("Outsider")
    for user in (w["citizen"], outsider, None):
        for method, path, body in (
                ("GET", f"/consensus/{rid}", None),
                ("GET", f"/topics/{w['topic']['id']}/consensus", None),
                ("GET", f"/consensus/{rid}/next", None),
                ("PUT", f"/consensus/{rid}/statements/{sid}/vote", {"vote": "pass"}),
                ("POST", f"/consensus/{rid}/statements", {"text": proposal(3)})):
            r = await api.call(method, path, user, body)
            expected = 401 if user is None and method != "GET" else 404
            if user is None and path.endswith("/next"):
                expected = 401
            assert r.status_code == expected, (method, path, r.text)


async def test_me_and_my_vote_are_the_readers_own(
        api: Api, world: dict[str, Any], ctx: Context) -> None:
    seeds = tuple(f"Statement number {n}" for n in range(7))
    opened = await open_round(api, world["mod"], world["topic"]["id"], seeds)
    rid = opened["id"]
    voters = [await api.user(f"Voter {i}") for i in range(6)]
    for i, voter in enumerate(voters):
        for j, s in enumerate(opened["statements"]):
            vote = ("agree", "disagree", "pass")[(i + j * (i % 2 + 1)) % 3]
            await api.ok("PUT", f"/consensus/{rid}/statements/{s['id']}/vote", voter,
                         {"vote": vote})
    await recompute.settle(ctx)
    mine = await _get(api, rid, voters[0])
    assert mine["me"] is not None and mine["me"] in mine["points"]
    assert len(mine["points"]) == 6
    # someone who did not vote has no point and no votes, whoever they are
    for reader in (None, world["citizen"], world["mod"], world["admin"]):
        seen = await _get(api, rid, reader)
        assert seen["me"] is None and seen["points"] == mine["points"]
        assert all(s["my_vote"] is None for s in seen["statements"])
        assert set(seen["points"][0]) == {"x", "y", "group"}
    # each voter's my_vote is their own
    for i, voter in enumerate(voters[:3]):
        seen = await _get(api, rid, voter)
        assert [s["my_vote"] for s in seen["statements"]] == [
            ("agree", "disagree", "pass")[(i + j * (i % 2 + 1)) % 3] for j in range(7)]


@pytest.mark.parametrize("text", [
    "\u200b" * 140,  # zero-width spaces: a statement nobody can see
    "\u00ad" * 200,  # soft hyphens
    "\u2060" * 140 + "ok",  # word joiners around two letters
    "\x01" * 140,  # control characters
    "Short text " + "\u200b" * 140,  # 11 visible characters passed for 151
])
async def test_a_statement_of_invisible_characters_is_refused(
        api: Api, world: dict[str, Any], text: str) -> None:
    """Found by review: 140 characters that show nothing (zero-width spaces, soft
    hyphens, controls) made an accepted, blank statement on everyone's panel."""
    rid = (await open_round(api, world["mod"], world["topic"]["id"],
                            open_submissions=True))["id"]
    r = await api.call("POST", f"/consensus/{rid}/statements", world["citizen"],
                       {"text": text})
    assert r.status_code == 422, r.text
    assert set(r.json()["error"]["fields"]) == {"text"}
    assert len((await _get(api, rid, world["citizen"]))["statements"]) == 3
    # a statement in another script, with a joiner inside an emoji, is still taken
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    ok = "서울 시내버스 노선을 밤에도 운행해야 합니다 " * 6 + family
    made = (await api.ok("POST", f"/consensus/{rid}/statements", world["citizen"],
                         {"text": ok}))["statement"]
    assert made["text"] == " ".join(ok.split())
