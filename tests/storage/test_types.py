"""UTC datetimes (cps/storage/types.py): stored on SQLite as the text SQLAlchemy's
DATETIME stores, read back aware and in UTC, and a naive one refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import StatementError

from cps.storage.database import Database
from cps.storage.types import UTCDateTime

pytestmark = pytest.mark.anyio

_META = MetaData()
_STAMPS = Table("stamps", _META, Column("id", Integer, primary_key=True),
                Column("at", UTCDateTime()))
MOMENTS = [datetime(2026, 12, 7, 23, 1, 2, 3, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC),
           datetime(999, 3, 4, 5, 6, 7, tzinfo=UTC),
           datetime(2026, 6, 1, 12, 0, 0, 500000, tzinfo=timezone(timedelta(hours=9)))]


def test_the_text_is_what_sqlalchemys_datetime_stores() -> None:
    dialect = sqlite.dialect()
    ours = UTCDateTime()._cached_bind_processor(dialect)
    theirs = sqlite.DATETIME().bind_processor(dialect)  # type: ignore[no-untyped-call]
    assert ours is not None and theirs is not None
    for moment in MOMENTS:
        naive_utc = moment.astimezone(UTC).replace(tzinfo=None)
        assert ours(moment) == theirs(naive_utc)
    assert ours(None) is None


async def test_a_moment_comes_back_as_it_went_in_and_a_naive_one_is_refused(
    tmp_path: Path
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'types.db'}")
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(_META.create_all)
            await conn.execute(insert(_STAMPS), [{"at": m} for m in MOMENTS])
            back = (await conn.execute(select(_STAMPS.c.at).order_by(_STAMPS.c.id))).scalars()
            assert list(back) == MOMENTS
            assert all(m.tzinfo is UTC for m in (await conn.execute(
                select(_STAMPS.c.at))).scalars())
            stored = (await conn.execute(text("SELECT at FROM stamps WHERE id = 4"))).scalar()
            assert stored == "2026-06-01 03:00:00.500000"
            with pytest.raises(StatementError, match="naive datetime"):
                await conn.execute(insert(_STAMPS), [{"at": datetime(2026, 1, 1)}])
    finally:
        await db.dispose()
