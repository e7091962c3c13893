"""One vote per person, whatever arrives at once, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select

from cps.services.context import Context
from cps.storage.models import PollVote
from tests.polls.conftest import events_on, open_poll
from tests.support.api import Api

pytestmark = pytest.mark.anyio


async def test_ten_simultaneous_votes_of_one_person_leave_one_vote(api: Api, world: dict[str, Any], ctx: Context) -> None:
    poll = await open_poll(api, world["mod"], world["topic"]["id"])
    options = [o["id"] for o in poll["options"]]
    results = await asyncio.gather(*[
        api.call("PUT", f"/polls/{poll['id']}/vote", world["citizen"],
                 {"option_id": options[i % len(options)]})
        for i in range(10)
    ])
    assert [r.status_code for r in results] == [200] * 10, [r.text for r in results]
    async with ctx.db.read() as session:
        rows = (await session.execute(
            select(PollVote.user_id, func.count()).where(PollVote.poll_id == poll["id"])
            .group_by(PollVote.user_id)
        )).all()
    assert rows == [(world["citizen"].id, 1)]
    shown = (await api.ok("GET", f"/polls/{poll['id']}", world["citizen"]))["poll"]
    assert shown["total_votes"] == 1 and shown["my_vote"] in options


async def test_simultaneous_voters_are_all_counted_and_events_count_up(api: Api, world: dict[str, Any], ctx: Context) -> None:
    poll = await open_poll(api, world["mod"], world["topic"]["id"], options=("Yes", "No"))
    yes = poll["options"][0]["id"]
    voters = [await api.user(f"Voter {i}") for i in range(10)]
    results = await asyncio.gather(*[
        api.call("PUT", f"/polls/{poll['id']}/vote", v, {"option_id": yes}) for v in voters
    ])
    assert [r.status_code for r in results] == [200] * 10
    shown = (await api.ok("GET", f"/polls/{poll['id']}"))["poll"]
    assert shown["options"][0]["votes"] == 10 and shown["total_votes"] == 10
    voted = [e["data"]["total_votes"] for e in await events_on(ctx, f"topic:{poll['topic_id']}")
             if e["name"] == "poll.voted"]
    # Each event carries every vote before it: the totals count 1 to 10 in seq order.
    assert voted == list(range(1, 11))
