"""The suite's engines compile into one statement cache (tests/support/engines.py): a
statement one test's engine compiled is not compiled again by the next test's."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cps.storage.database import Database
from cps.storage.models import User

pytestmark = pytest.mark.anyio


async def test_a_statement_compiled_by_one_engine_is_not_compiled_by_the_next(
    database_url: str,
) -> None:
    # A statement no other test makes, so the first engine compiles it here.
    statement = (select(User.id, User.handle).where(User.email == "a", User.handle == "b")
                 .order_by(User.display_name.desc()).limit(17))
    first, second = Database(database_url), None
    try:
        async with first.read() as session:
            assert (await session.execute(statement)).all() == []
        cache = first.engine.sync_engine._compiled_cache
        assert cache is not None
        compiled = len(cache)
        # Shared only once initialized: it knows the server it compiles for.
        assert first.engine.dialect.server_version_info is not None

        second = Database(database_url)
        async with second.read() as session:
            assert (await session.execute(statement)).all() == []
        assert second.engine.sync_engine._compiled_cache is cache
        assert second.engine.dialect is first.engine.dialect
        assert len(cache) == compiled
    finally:
        await first.dispose()
        if second is not None:
            await second.dispose()
