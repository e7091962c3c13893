"""Changes to one person's notifications take turns on that person (PostgreSQL: an
advisory lock held to commit; SQLite's single writer serializes them): one person
told takes the turn in their row's own statement, several people in one statement
before their rows (cps/storage/notifications.py, `collapse_into`)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import text

from cps.services.context import Context
from cps.storage.notifications import collapse_into, take_turns
from cps.storage.types import utcnow
from tests.support.api import Api

pytestmark = pytest.mark.anyio

_KEY = 0x7E57_0000_0000_0000  # a test's own lock keys: this + the user id


def _note(user_id: int, topic_id: int, post_id: int, space_id: int) -> dict[str, Any]:
    now = utcnow()
    return {"user_id": user_id, "kind": "appeal_answer", "actor_id": None, "topic_id": topic_id,
            "post_id": post_id, "space_id": space_id, "data": {}, "web": True,
            "created": now, "updated": now}


async def _free(ctx: Context, key: int) -> bool:
    """Whether another connection may take `key` now (and lets it go at once)."""
    async with ctx.db.engine.connect() as other:
        return bool(await other.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key}))


@pytest.mark.parametrize("people", [1, 2])
async def test_the_turns_are_held_from_the_row_to_commit_and_the_rows_collapse(
    api: Api, ctx: Context, people: int
) -> None:
    w = await api.world()
    told = [w["citizen"], w["admin"]][:people]
    post = await api.post(w["citizen"], w["topic"]["id"], "Something to be told of")
    notes = [_note(u.id, w["topic"]["id"], post["id"], w["space"]["id"]) for u in told]
    keys = [_KEY + u.id for u in told]
    for count in (1, 2):  # the second collapses into the first, still unread
        async with ctx.db.write() as tx:
            rows = await collapse_into(tx.session, notes, turns=keys)
            assert [row[1] for row in rows] == [count] * people
            if not ctx.db.is_sqlite:
                assert [await _free(ctx, key) for key in keys] == [False] * people
        if not ctx.db.is_sqlite:
            assert [await _free(ctx, key) for key in keys] == [True] * people


async def test_the_turn_is_taken_before_the_row(api: Api, ctx: Context) -> None:
    """A holds the person's turn; B's notification waits for it; A then writes the
    same person's notification of that kind and topic. Were B's row written before
    its turn, A would wait on B's row while B waits on A's turn: a deadlock."""
    if ctx.db.is_sqlite:
        pytest.skip("SQLite serializes writers; it takes no lock")
    w = await api.world()
    post = await api.post(w["citizen"], w["topic"]["id"], "Something to be told of")
    note = _note(w["citizen"].id, w["topic"]["id"], post["id"], w["space"]["id"])
    key = _KEY + w["citizen"].id

    async def b() -> list[tuple[int, int, Any, Any]]:
        async with ctx.db.write() as tx:
            return await collapse_into(tx.session, [note], turns=[key])

    async with ctx.db.write() as tx:
        await take_turns(tx.session, [key])
        waiter = asyncio.create_task(b())
        await asyncio.sleep(0.3)  # B is waiting for the turn
        [(_, count, _, _)] = await collapse_into(tx.session, [note], turns=[key])
        assert count == 1
    [(_, count, _, _)] = await asyncio.wait_for(waiter, 20)
    assert count == 2  # B collapsed into A's row, after it


async def test_a_note_without_its_turn_is_refused(api: Api, ctx: Context) -> None:
    w = await api.world()
    post = await api.post(w["citizen"], w["topic"]["id"], "Something to be told of")
    note = _note(w["citizen"].id, w["topic"]["id"], post["id"], w["space"]["id"])
    async with ctx.db.write() as tx:
        with pytest.raises(ValueError, match="one turn per notification"):
            await collapse_into(tx.session, [note], turns=[])
