"""The tiers migration is reversible on both databases."""

from __future__ import annotations

import importlib.util

import pytest
from sqlalchemy import inspect

from cps.storage.database import make_engine
from cps.storage.migrations import MIGRATIONS, current_revision, downgrade, head_revision, upgrade

pytestmark = pytest.mark.anyio

TABLES = {"upgrade_requests", "tier_changes"}


def _down_revision() -> str:
    """The revision before the tiers migration, read from the migration itself."""
    folder = MIGRATIONS / "versions"
    path = next(folder.glob("*_tier_upgrade_requests_and_history.py"))
    spec = importlib.util.spec_from_file_location("tiers_migration", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    previous = module.down_revision
    assert isinstance(previous, str)
    return previous


async def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def test_the_tiers_migration_goes_down_and_up_again(database_url: str) -> None:
    previous = _down_revision()
    assert TABLES <= await _tables(database_url)
    await downgrade(database_url, previous)
    assert await current_revision(database_url) == previous
    assert not TABLES & await _tables(database_url)
    await upgrade(database_url)
    assert await current_revision(database_url) == head_revision()
    assert TABLES <= await _tables(database_url)
