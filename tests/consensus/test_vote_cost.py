"""What one vote costs the database: its statements, counted (a round of a few hundred
people votes thousands of times; bench/consensus.py measures the time)."""

from __future__ import annotations

from typing import Any

import pytest

from cps.services.consensus import recompute
from cps.services.context import Context
from tests.consensus.conftest import open_round
from tests.support.api import Api
from tests.support.trips import statements, trips

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("settled")]

# The token's user; then in the write transaction the round (not its map), the
# statement and the voter's vote so far (one statement), the topic with the voter's
# roles and whether a sanction is in force on them (one), the vote (one upsert) and
# the round's count of changes (one). SQLite's BEGIN IMMEDIATE runs on sqlite3
# itself, outside SQLAlchemy's statements (storage/sqlite_driver.py).
EXPECTED = {"sqlite": 5, "postgresql": 5}
# SQLite: one trip per statement SQLAlchemy runs in the write transaction; the
# token's read, the BEGIN IMMEDIATE and the COMMIT run on the event loop's thread.
TRIPS = 4


async def test_a_vote_runs_a_known_number_of_statements(
    api: Api, ctx: Context, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    rnd = await open_round(api, world["mod"], world["topic"]["id"])
    first, second = (s["id"] for s in rnd["statements"][:2])
    path = f"/consensus/{rnd['id']}/statements/{{}}/vote"
    await api.ok("PUT", path.format(first), world["citizen"], {"vote": "agree"})
    await recompute.settle(ctx)
    # The map's recompute the vote starts runs in the background, in statements of
    # its own (tests/consensus/test_recompute.py): not counted here.
    poked: list[int] = []
    monkeypatch.setattr(recompute, "poke", lambda _ctx, round_id: poked.append(round_id))
    with statements(ctx) as seen, trips(monkeypatch) as made:
        await api.ok("PUT", path.format(second), world["citizen"], {"vote": "disagree"})
    assert poked == [rnd["id"]]
    dialect = ctx.db.engine.dialect.name
    listing = "\n".join(seen)
    assert len(seen) == EXPECTED[dialect], f"{len(seen)} statements:\n{listing}"
    if dialect == "sqlite":
        assert len(made) == TRIPS, f"{len(made)} trips: {made}"
    # What it wrote is what the voter and everyone else read.
    read = await api.ok("GET", f"/consensus/{rnd['id']}", world["citizen"])
    mine = {s["id"]: s["my_vote"] for s in read["round"]["statements"]}
    assert (mine[first], mine[second]) == ("agree", "disagree")
    tally = {s["id"]: s["disagree"] for s in read["round"]["statements"]}
    assert tally[second] == 1
