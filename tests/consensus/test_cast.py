"""`votes.cast`: one person's votes on several statements of a round in one transaction
(`cps demo`'s hundreds of citizens vote this way). Each is checked as a vote through
the API is; a refusal of any one writes none of them; the reads and the count of the
change do not grow with the number of statements."""

from __future__ import annotations

from typing import Any

import pytest

from cps.services.consensus import recompute, votes
from cps.services.consensus.views import VoteChoice
from cps.services.context import Actor, Context
from cps.services.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    TierRequired,
)
from tests.consensus.conftest import LONG, consensus_world, open_round, set_tier
from tests.support.api import Api, User
from tests.support.trips import statements

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("settled")]

THREE = ("Buses at night", "More bike lanes", "Fewer parking spaces")


def actor(user: User) -> Actor:
    return Actor(user.id, user.display_name, "citizen", False)


async def tallies(api: Api, rid: int, user: User) -> dict[int, tuple[int, int, int, Any]]:
    """Per statement: agree, disagree, pass and `user`'s own vote, as the API reads them."""
    read = (await api.ok("GET", f"/consensus/{rid}", user))["round"]
    return {s["id"]: (s["agree"], s["disagree"], s["pass"], s["my_vote"])
            for s in read["statements"]}


async def three_statements(api: Api, world: dict[str, Any]) -> tuple[int, list[int]]:
    """A round opened on the world's topic with THREE: its id and its statements'."""
    opened = await open_round(api, world["mod"], world["topic"]["id"], THREE)
    return opened["id"], [s["id"] for s in opened["statements"]]


def pokes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The rounds whose recompute is asked for from now on (none is started)."""
    poked: list[int] = []
    monkeypatch.setattr(recompute, "poke", lambda _ctx, round_id: poked.append(round_id))
    return poked


async def test_a_persons_votes_land_together_and_ask_for_one_recompute(
    api: Api, ctx: Context, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    rid, (a, b, c) = await three_statements(api, world)
    poked = pokes(monkeypatch)
    with statements(ctx) as one:
        await votes.cast(ctx, actor(world["other"]), rid, {a: "agree"})
    choices: dict[int, VoteChoice] = {a: "agree", b: "disagree", c: "pass"}
    with statements(ctx) as three:
        views = await votes.cast(ctx, actor(world["citizen"]), rid, choices)
    assert [(v.statement_id, v.vote) for v in views] == list(choices.items())
    # The round's checks read once, the votes written in one statement, the change
    # counted once: three statements cost what one does.
    assert len(three) == len(one), "\n".join(three)
    assert poked == [rid, rid]  # one recompute asked for per cast, not per vote
    seen = await tallies(api, rid, world["citizen"])
    assert seen == {a: (2, 0, 0, "agree"), b: (0, 1, 0, "disagree"), c: (0, 0, 1, "pass")}


async def test_casting_again_changes_only_what_changed(
    api: Api, ctx: Context, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    rid, (a, b, _) = await three_statements(api, world)
    who = actor(world["citizen"])
    await votes.cast(ctx, who, rid, {a: "agree", b: "agree"})
    poked = pokes(monkeypatch)
    await votes.cast(ctx, who, rid, {a: "agree", b: "agree"})
    assert poked == []  # nothing changed: no write, no recompute
    await votes.cast(ctx, who, rid, {a: "agree", b: "disagree"})
    assert poked == [rid]
    seen = await tallies(api, rid, world["citizen"])
    assert seen[a] == (1, 0, 0, "agree") and seen[b] == (0, 1, 0, "disagree")


async def test_one_refused_statement_refuses_them_all(
    api: Api, ctx: Context, world: dict[str, Any], platform_admin: User
) -> None:
    rid, (a, b, _) = await three_statements(api, world)
    who = actor(world["citizen"])
    # The citizen's own proposal, waiting for a moderator: theirs to see, not to vote.
    pending = (await api.ok("POST", f"/consensus/{rid}/statements", world["citizen"],
                            {"text": LONG}))["statement"]["id"]
    elsewhere = await consensus_world(api, platform_admin)
    foreign = (await open_round(api, elsewhere["mod"], elsewhere["topic"]["id"]))
    refusals: list[tuple[dict[int, VoteChoice], type[DomainError], str]] = [
        ({a: "agree", pending: "agree"}, Conflict, "statement_not_accepted"),
        ({a: "agree", foreign["statements"][0]["id"]: "agree"}, NotFound, "not_found"),
        ({a: "agree", 999_999_999: "agree"}, NotFound, "not_found"),
    ]
    for choices, error, code in refusals:
        with pytest.raises(error) as refused:
            await votes.cast(ctx, who, rid, choices)
        assert refused.value.code == code, choices
    assert await votes.cast(ctx, who, rid, {}) == []  # nothing to vote: nothing done
    with pytest.raises(NotFound):
        await votes.cast(ctx, who, 999_999_999, {a: "agree"})
    with pytest.raises(NotFound):  # another round's id with this round's statements
        await votes.cast(ctx, who, foreign["id"], {a: "agree", b: "agree"})
    seen = await tallies(api, rid, world["citizen"])
    assert all(t == (0, 0, 0, None) for sid, t in seen.items() if sid != pending), seen


async def test_the_round_and_the_voters_standing_are_checked(
    api: Api, ctx: Context, world: dict[str, Any], platform_admin: User
) -> None:
    rid, (a, b, _) = await three_statements(api, world)
    # An outsider to a private space's round finds nothing there.
    private = await consensus_world(api, platform_admin, visibility="private")
    hidden = await open_round(api, private["mod"], private["topic"]["id"])
    outsider = await api.user("Outsider")
    with pytest.raises(NotFound):
        await votes.cast(ctx, actor(outsider), hidden["id"],
                         {hidden["statements"][0]["id"]: "agree"})
    # Banned in the space.
    await api.ok("POST", f"/spaces/{world['space']['id']}/bans", world["mod"],
                 {"user_id": world["other"].id, "reason": "Spam"})
    with pytest.raises(Forbidden) as banned:
        await votes.cast(ctx, actor(world["other"]), rid, {a: "agree", b: "agree"})
    assert banned.value.code == "banned"
    # Below premium, then closed.
    await set_tier(api, world["platform_admin"], world["org"]["id"], "plus")
    with pytest.raises(TierRequired):
        await votes.cast(ctx, actor(world["citizen"]), rid, {a: "agree", b: "agree"})
    await set_tier(api, world["platform_admin"], world["org"]["id"], "premium")
    await api.ok("POST", f"/consensus/{rid}/close", world["mod"])
    with pytest.raises(Conflict) as closed:
        await votes.cast(ctx, actor(world["citizen"]), rid, {a: "agree", b: "agree"})
    assert closed.value.code == "round_closed"
    seen = await tallies(api, rid, world["citizen"])
    assert all(t == (0, 0, 0, None) for t in seen.values()), seen
