"""The plan prices migration is reversible on both databases, and keeps nothing behind."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from cps.storage.database import make_engine
from cps.storage.migrations import current_revision, downgrade, head_revision, upgrade

pytestmark = pytest.mark.anyio

PREVIOUS = "653908144927"  # former handles, the revision the prices migration follows


async def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def test_the_plan_prices_migration_goes_down_and_up_again(database_url: str) -> None:
    assert "plan_prices" in await _tables(database_url)
    await downgrade(database_url, PREVIOUS)
    assert await current_revision(database_url) == PREVIOUS
    assert "plan_prices" not in await _tables(database_url)
    await upgrade(database_url)
    assert await current_revision(database_url) == head_revision()
    assert "plan_prices" in await _tables(database_url)
