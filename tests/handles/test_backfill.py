"""The migration "handles and following" gives every existing user a unique handle
made from their display name, with people, organizations and posts already there
(whose foreign keys point at `users`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import column, select, table, text
from sqlalchemy.types import Boolean, Integer, String

from cps.storage.database import make_engine
from cps.storage.migrations import alembic_config, upgrade
from cps.storage.models import User
from cps.storage.types import UTCDateTime
from tests.support.databases import create_pg_database, release_pg_database

pytestmark = pytest.mark.anyio

REVISION = "d3a8f1c26b57"  # handles and following


@pytest.fixture(params=["sqlite", "postgresql"])
async def old_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        return
    url = await create_pg_database("cps_handles")
    try:
        yield url
    finally:
        await release_pg_database(url)


USERS = table("users", column("id", Integer), column("email", String),
              column("password_hash", String), column("display_name", String),
              column("stakeholder_type", String), column("is_platform_admin", Boolean),
              column("created_at", UTCDateTime()))
ORGS = table("organizations", column("id", Integer), column("name", String),
             column("kind", String), column("country", String), column("tier", String),
             column("created_by", Integer), column("created_at", UTCDateTime()))


async def test_existing_users_get_unique_handles_from_their_names(old_url: str) -> None:
    before = ScriptDirectory.from_config(alembic_config()).get_revision(REVISION).down_revision
    assert isinstance(before, str)
    await upgrade(old_url, before)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    names = ["Min-ji Park", "Min-ji Park", "김민지", "José Núñez", "Al", "مريم",
             "Alexandra Konstantinopoulou-Papadimitriou", "min-ji park2"]
    engine = make_engine(old_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(USERS.insert(), [
                {"id": i, "email": f"u{i}@example.org", "password_hash": "x",
                 "display_name": name, "stakeholder_type": "citizen",
                 "is_platform_admin": False, "created_at": now}
                for i, name in enumerate(names, start=1)])
            await conn.execute(ORGS.insert(), [{
                "id": 1, "name": "City", "kind": "local_government", "country": "Korea",
                "tier": "free", "created_by": 1, "created_at": now}])
    finally:
        await engine.dispose()

    await upgrade(old_url, REVISION)
    engine = make_engine(old_url)
    try:
        async with engine.connect() as conn:
            handles = (await conn.execute(select(User.handle).order_by(User.id))).scalars().all()
            creator = (await conn.execute(text("SELECT created_by FROM organizations"))
                       ).scalar_one()
    finally:
        await engine.dispose()
    assert handles == ["min-ji-park", "min-ji-park2", "user3", "jose-nunez", "user5",
                       "user6", "alexandra-konstantinopou", "min-ji-park22"]
    assert creator == 1
