"""Statements run on asyncpg itself (cps/storage/asyncpg_driver.py, portable.Hot):
in the session's transaction, with SQLAlchemy's errors and SQLAlchemy's handling
of a lost connection, and only with types asyncpg encodes as SQLAlchemy would."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    insert,
    literal,
    select,
    text,
)
from sqlalchemy.exc import DBAPIError, IntegrityError

from cps.storage import asyncpg_driver, portable
from cps.storage.asyncpg_driver import Direct
from cps.storage.compiled import Unsupported
from cps.storage.database import Database
from cps.storage.types import UTCDateTime
from tests.support.backends import pooled_backends

pytestmark = pytest.mark.anyio

_META = MetaData()
_ITEMS = Table(f"direct_items_{secrets.token_hex(4)}", _META,
               Column("id", Integer, primary_key=True),
               Column("name", String(40), unique=True, nullable=False),
               Column("at", UTCDateTime, nullable=True))
_ADD = Direct(insert(_ITEMS).values(name=bindparam("name", type_=String),
                                    at=bindparam("at", type_=UTCDateTime))
              .returning(_ITEMS.c.id))
_NAMES = select(_ITEMS.c.name).order_by(_ITEMS.c.id)


@pytest.fixture
async def db(pg_session_url: str) -> AsyncIterator[Database]:
    database = Database(pg_session_url)
    async with database.engine.begin() as conn:
        await conn.run_sync(_META.create_all)
    yield database
    async with database.engine.begin() as conn:
        await conn.run_sync(_META.drop_all)
    await database.dispose()


async def _names(db: Database) -> list[str]:
    async with db.read() as session:
        return list((await session.scalars(_NAMES)).all())


async def test_the_first_statement_of_a_transaction_is_inside_it(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.write() as tx:
            await _ADD.fetch(tx.session, {"name": "rolled back", "at": None})
            raise RuntimeError("the act failed")
    async with db.write() as tx:
        await _ADD.fetch(tx.session, {"name": "kept", "at": None})
    assert await _names(db) == ["kept"]


async def test_it_answers_what_sqlalchemy_answers(db: Database) -> None:
    at = datetime(2026, 12, 7, 10, 30, tzinfo=UTC)
    async with db.write() as tx:
        new_id = await _ADD.scalar(tx.session, {"name": "a", "at": at})
        read = (await tx.session.execute(select(_ITEMS.c.id, _ITEMS.c.at))).one()
    assert (new_id, read.at) == (read.id, at)
    # Values the statement binds itself (the literals) are bound too.
    both = portable.Hot(lambda _kind: select(literal(7, Integer), literal("seven", String),
                                             bindparam("n", type_=Integer) + 1))
    async with db.read() as session:
        assert [tuple(row) for row in await both.rows(session, {"n": 41})] == [(7, "seven", 42)]


async def test_a_naive_datetime_is_refused_as_its_column_type_refuses_it(db: Database) -> None:
    with pytest.raises(ValueError, match="naive"):
        async with db.write() as tx:
            await _ADD.fetch(tx.session, {"name": "naive", "at": datetime(2026, 1, 1)})
    assert await _names(db) == []


async def test_errors_are_sqlalchemy_errors_and_roll_the_act_back(db: Database) -> None:
    with pytest.raises(IntegrityError):
        async with db.write() as tx:
            await _ADD.fetch(tx.session, {"name": "twice", "at": None})
            await _ADD.fetch(tx.session, {"name": "twice", "at": None})
    assert await _names(db) == []


async def test_a_lost_connection_is_invalidated_and_the_pool_recycled(
    db: Database, kill: Callable[[int], Awaitable[None]]
) -> None:
    for pid in await pooled_backends(db, 2):
        await kill(pid)
    with pytest.raises(DBAPIError) as lost:
        async with db.write() as tx:
            await _ADD.fetch(tx.session, {"name": "lost", "at": None})
    assert lost.value.connection_invalidated
    async with db.write() as tx:  # a new connection, not the other dead one
        await _ADD.fetch(tx.session, {"name": "after", "at": None})
    assert await _names(db) == ["after"]


async def test_a_statement_past_the_timeout_fails_as_sqlalchemys_would(db: Database) -> None:
    sleep = Direct(text("SELECT pg_sleep(:s)"))
    with pytest.raises(TimeoutError):  # asyncpg's command timeout: a 503 (cps/http/errors.py)
        async with db.write() as tx:
            await sleep.fetch(tx.session, {"s": 5})
    async with db.write() as tx:  # the pool still serves
        await _ADD.fetch(tx.session, {"name": "after", "at": None})
    assert await _names(db) == ["after"]


async def _free(db: Database, key: int) -> bool:
    """Whether another connection could take the advisory lock `key` now."""
    async with db.read_one() as other:  # autocommit: a transaction lock ends at once
        return bool((await other.execute(text("SELECT pg_try_advisory_xact_lock(:k)"),
                                         {"k": key})).scalar())


async def test_a_first_lock_goes_with_its_begin_in_one_round_trip(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A transaction whose first statement is an advisory lock (a post's topic turn)
    sends its BEGIN with it, in one round trip; the lock is held until the end of
    the transaction, whose writes are kept or undone with it. A lock taken later
    goes as any statement."""
    sent: list[str] = []
    real = asyncpg_driver._simple

    async def spy(connection: Any, sql: str) -> None:
        sent.append(sql)
        await real(connection, sql)

    monkeypatch.setattr(asyncpg_driver, "_simple", spy)
    key = 770_001
    async with db.write() as tx:
        await portable.advisory_lock(tx.session, key)
        await _ADD.fetch(tx.session, {"name": "kept", "at": None})
        assert not await _free(db, key)
    assert len(sent) == 1 and sent[0].endswith("; SELECT pg_advisory_xact_lock(770001);")
    assert sent[0].startswith("BEGIN")
    assert await _free(db, key)
    with pytest.raises(RuntimeError):
        async with db.write() as tx:
            await portable.advisory_lock(tx.session, key)
            await _ADD.fetch(tx.session, {"name": "undone", "at": None})
            raise RuntimeError("the act failed")
    assert await _free(db, key)
    async with db.write() as tx:
        await _ADD.fetch(tx.session, {"name": "then locked", "at": None})
        await portable.advisory_lock(tx.session, key)
        assert not await _free(db, key)
    assert len(sent) == 2
    assert await _names(db) == ["kept", "then locked"]


async def test_a_first_lock_that_fails_is_sqlalchemys_error_and_ends_its_transaction(
    db: Database,
) -> None:
    """The BEGIN went, the lock failed: the error is SQLAlchemy's, the transaction is
    rolled back, and the connection serves the next one."""
    with pytest.raises(DBAPIError, match="pg_advisory_xact_lock"):
        async with db.write() as tx:
            await portable.advisory_lock(tx.session, 2**70)  # past bigint: no such function
    async with db.write() as tx:
        await portable.advisory_lock(tx.session, 5)
        await _ADD.fetch(tx.session, {"name": "after", "at": None})
    assert await _names(db) == ["after"]


async def test_json_is_serialised_as_sqlalchemy_serialises_it(db: Database) -> None:
    echo = Direct(select(bindparam("doc", type_=JSON)["a"].as_integer()))
    async with db.read() as session:
        assert await echo.scalar(session, {"doc": {"a": 5}}) == 5


_DEFAULTED = Table(f"direct_defaulted_{secrets.token_hex(4)}", MetaData(),
                   Column("id", Integer, primary_key=True),
                   Column("n", Integer, nullable=False, default=7))


@pytest.mark.parametrize("statement", [
    select(_ITEMS.c.id).where(_ITEMS.c.id.in_(bindparam("ids", expanding=True))),
    select(_ITEMS.c.id).limit(bindparam("n", literal_execute=True)),
    insert(_DEFAULTED).values(id=bindparam("id", type_=Integer)),  # n: a Python default
], ids=["expanding", "literal_execute", "python_default"])
async def test_what_sqlalchemy_works_out_per_execution_is_refused(
    db: Database, statement: Any
) -> None:
    with pytest.raises(Unsupported):
        async with db.read() as session:
            await Direct(statement).fetch(session, {"ids": [1], "n": 1, "id": 1})
