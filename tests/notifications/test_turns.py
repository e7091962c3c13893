"""Changes to one person's notifications take turns on that person (PostgreSQL: an
advisory lock held to commit; SQLite's single writer serializes them): one person
told takes the turn in their row's own statement, several people in one statement
before their rows (cps/storage/notifications.py, `collapse_into`)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from cps.services.context import Context
from cps.storage.notifications import collapse_into
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
