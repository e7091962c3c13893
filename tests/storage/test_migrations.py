"""Migrations: upgrade, downgrade to nothing, upgrade again, on both databases; and
the models match the migrated schema."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from cps.storage import schema
from cps.storage.database import make_engine
from cps.storage.migrations import current_revision, downgrade, head_revision, upgrade
from cps.storage.search import is_index_table
from tests.support.databases import create_pg_database, release_pg_database

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["sqlite", "postgresql"])
async def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        return
    url = await create_pg_database("cps_migrations")
    try:
        yield url
    finally:
        await release_pg_database(url)


def _tables(conn: Connection) -> set[str]:
    # The search indexes are no models (cps/storage/search.py): tests/search checks them.
    return {t for t in inspect(conn).get_table_names()
            if t != "alembic_version" and not is_index_table(t)}


def _diff(conn: Connection) -> list[Any]:
    context = MigrationContext.configure(conn, opts={
        "compare_type": True, "compare_server_default": False,
        "include_name": lambda name, type_, _: not (type_ == "table" and is_index_table(name))})
    return list(compare_metadata(context, schema.metadata()))


async def _run(url: str, fn: Any) -> Any:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(fn)
    finally:
        await engine.dispose()


async def test_upgrade_downgrade_upgrade_and_the_models_match(fresh_url: str) -> None:
    model_tables = set(schema.metadata().tables)
    assert await current_revision(fresh_url) is None

    await upgrade(fresh_url)
    assert await current_revision(fresh_url) == head_revision()
    assert await _run(fresh_url, _tables) == model_tables

    await downgrade(fresh_url, "base")
    assert await current_revision(fresh_url) is None
    assert await _run(fresh_url, _tables) == set()

    await upgrade(fresh_url)
    assert await current_revision(fresh_url) == head_revision()
    assert await _run(fresh_url, _tables) == model_tables
    assert await _run(fresh_url, _diff) == []


async def test_upgrading_an_up_to_date_database_changes_nothing(fresh_url: str) -> None:
    await upgrade(fresh_url)
    await upgrade(fresh_url)
    assert await current_revision(fresh_url) == head_revision()
    assert await _run(fresh_url, _diff) == []


async def test_every_revision_steps_down_and_up_one_at_a_time(fresh_url: str) -> None:
    """Each migration is reversible on its own, not only all of them at once."""
    await upgrade(fresh_url)
    steps = 0
    while await current_revision(fresh_url) is not None:
        await downgrade(fresh_url, "-1")
        steps += 1
        assert steps < 100
    for _ in range(steps):
        await upgrade(fresh_url, "+1")
    assert await current_revision(fresh_url) == head_revision()
    assert await _run(fresh_url, _diff) == []
