"""Issue 18's "Done when", end to end over the API on both databases: a premium city's
moderator opens a round; 200 scripted participants in three planted opinion groups
(with some noise) vote; once the recompute settles the map shows three groups and the
statement every group agrees with at the top of `consensus`. A free city's moderator
is refused with 402, naming premium."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest

from cps.services.consensus import recompute
from cps.services.context import Context
from tests.consensus.conftest import consensus_world, open_round
from tests.support.api import Api, User

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("settled"), pytest.mark.early]

PARTICIPANTS = 200
BATCH = 25
# Voters at once.
VOTERS_AT_ONCE = 8
NOISE = 0.08

STATEMENTS = (
    "Keep every bus stop lit and safe at night",  # the planted consensus: all agree
    "Close the old town to cars",
    "Build a car park under the market",
    "Make the buses free for everyone",
    "Spend the road budget on bike lanes",
    "Let taxis use the bus lanes",
)
# Each group's planted opinion on every statement (1 agree, -1 disagree).
OPINIONS = (
    (1, 1, -1, -1, 1, -1),
    (1, -1, 1, -1, -1, 1),
    (1, -1, -1, 1, -1, -1),
)
WORD = {1: "agree", -1: "disagree", 0: "pass"}


def _ballot(rng: random.Random, opinion: tuple[int, ...]) -> list[str]:
    """A participant's votes: the group's opinion, a few of them random instead."""
    return [WORD[rng.choice((1, -1, 0))] if rng.random() < NOISE else WORD[v]
            for v in opinion]


async def _vote_all(api: Api, user: User, rid: int, sids: list[int], ballot: list[str]) -> None:
    for sid, vote in zip(sids, ballot, strict=True):
        await api.ok("PUT", f"/consensus/{rid}/statements/{sid}/vote", user, {"vote": vote})


async def test_three_planted_opinions_make_three_groups_and_the_shared_statement_tops(
    api: Api, ctx: Context, platform_admin: User
) -> None:
    world = await consensus_world(api, platform_admin)
    opened = await open_round(api, world["mod"], world["topic"]["id"], STATEMENTS)
    rid = opened["id"]
    sids = [s["id"] for s in sorted(opened["statements"], key=lambda s: s["id"])]
    texts = {s["id"]: s["text"] for s in opened["statements"]}
    planted = next(sid for sid, text in texts.items() if text == STATEMENTS[0])
    rng = random.Random(18)
    # Interleaved A, B, C, A, ... so every recompute on the way sees all three groups.
    people: list[tuple[User, int]] = []
    for start in range(0, PARTICIPANTS, BATCH):
        users = await asyncio.gather(*(api.user(f"Participant {n}")
                                       for n in range(start, min(start + BATCH, PARTICIPANTS))))
        people.extend((u, (start + k) % 3) for k, u in enumerate(users))
    ordered = [texts[sid] for sid in sids]
    assert ordered == list(STATEMENTS)
    for start in range(0, PARTICIPANTS, VOTERS_AT_ONCE):
        await asyncio.gather(*(_vote_all(api, user, rid, sids, _ballot(rng, OPINIONS[g]))
                               for user, g in people[start:start + VOTERS_AT_ONCE]))
    await recompute.settle(ctx)
    await api.ok("GET", f"/consensus/{rid}")  # a read finds it up to date: no new recompute
    await recompute.settle(ctx)

    seen: dict[str, Any] = (await api.ok("GET", f"/consensus/{rid}", people[0][0]))["round"]
    assert seen["participants"] == PARTICIPANTS
    assert len(seen["groups"]) == 3, seen["groups"]
    sizes = sorted(g["size"] for g in seen["groups"])
    assert sizes[0] >= PARTICIPANTS // 3 - 15, sizes  # the planted groups, give or take noise
    top = seen["consensus"][0]
    assert top["statement_id"] == planted and top["direction"] == "agree", seen["consensus"]
    assert seen["me"] is not None and seen["me"]["group"] in {g["id"] for g in seen["groups"]}


async def test_a_free_citys_moderator_is_refused_naming_premium(
    api: Api, platform_admin: User
) -> None:
    world = await consensus_world(api, platform_admin, tier="free")
    r = await api.call("POST", f"/topics/{world['topic']['id']}/consensus", world["mod"],
                       {"prompt": "How should the city move at night?",
                        "statements": list(STATEMENTS)})
    assert r.status_code == 402, r.text
    error = r.json()["error"]
    assert error["code"] == "tier_required" and "premium" in error["message"], error
