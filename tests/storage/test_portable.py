"""The statements PostgreSQL and SQLite write differently (cps/storage/portable.py)
do the same thing on both."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from sqlalchemy import CursorResult, Integer, String, Table, bindparam, func, select, text, update
from sqlalchemy.exc import IntegrityError, InvalidRequestError, PendingRollbackError
from sqlalchemy.ext.asyncio import AsyncSession

from cps.services.context import Context
from cps.storage import portable
from cps.storage.compiled import pooled
from cps.storage.models import Channel, Event
from tests.support.trips import statements

pytestmark = pytest.mark.anyio


async def test_an_insert_that_exists_already_does_nothing(ctx: Context) -> None:
    for _ in range(2):
        async with ctx.db.write() as tx:
            result = await tx.session.execute(
                portable.insert(tx.session, Channel).values(name="portable:1", last_seq=7)
                .on_conflict_do_nothing()
            )
    assert isinstance(result, CursorResult)  # an INSERT's result counts the rows it wrote
    assert result.rowcount == 0
    async with ctx.db.read() as session:
        assert (await session.scalar(
            select(Channel.last_seq).where(Channel.name == "portable:1"))) == 7


async def test_an_upsert_updates_the_row_it_meets(ctx: Context) -> None:
    for seq in (1, 5):
        async with ctx.db.write() as tx:
            stmt = portable.insert(tx.session, Channel).values(name="portable:2", last_seq=seq)
            await tx.session.execute(stmt.on_conflict_do_update(
                index_elements=[Channel.name], set_={"last_seq": stmt.excluded.last_seq}))
    async with ctx.db.read() as session:
        assert (await session.scalar(
            select(Channel.last_seq).where(Channel.name == "portable:2"))) == 5


async def test_a_row_read_for_update_keeps_a_second_writer_waiting(ctx: Context) -> None:
    """Two writers that read the same row for update and then bump it never lose a
    bump: PostgreSQL by the row lock, SQLite by its single writer."""
    async with ctx.db.write() as tx:
        tx.session.add(Channel(name="portable:3", last_seq=0))

    async def bump() -> None:
        async with ctx.db.write() as tx:
            row = await tx.session.scalar(portable.for_update(
                tx.session, select(Channel).where(Channel.name == "portable:3")))
            assert row is not None
            seen = row.last_seq
            await asyncio.sleep(0.05)  # the other writer tries to read meanwhile
            row.last_seq = seen + 1

    await asyncio.gather(*(bump() for _ in range(4)))
    async with ctx.db.read() as session:
        assert (await session.scalar(
            select(Channel.last_seq).where(Channel.name == "portable:3"))) == 4


async def test_an_advisory_lock_is_held_to_commit_without_error(ctx: Context) -> None:
    async with ctx.db.write() as tx:
        await portable.advisory_lock(tx.session, 424242)
        await portable.advisory_lock(tx.session, 424242)  # re-entrant in one transaction


async def test_the_utc_day_of_a_time_just_before_midnight_utc(ctx: Context) -> None:
    late = datetime(2026, 3, 1, 23, 59, 30, tzinfo=UTC)
    async with ctx.db.write() as tx:
        tx.session.add(Event(channel="portable:4", seq=1, name="x", data="{}", created_at=late))
    async with ctx.db.read() as session:
        if portable.locks_rows(session):  # PostgreSQL: a session far from UTC
            await session.execute(text("SET TIME ZONE 'Asia/Seoul'"))
        day = await session.scalar(
            select(func.min(portable.utc_day(session, Event.created_at)))
            .where(Event.channel == "portable:4"))
    assert str(day) == "2026-03-01"


async def test_a_statement_after_the_first_finds_its_connection_without_asking(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The driver's statements find the transaction's connection where SQLAlchemy
    keeps it (compiled.pooled): the first asks SQLAlchemy (which sends BEGIN), the
    rest read it, and it is the same connection."""
    asked: list[str] = []
    real = AsyncSession.connection

    async def counted(self: AsyncSession, *args: Any, **kwargs: Any) -> Any:
        asked.append("connection")
        return await real(self, *args, **kwargs)

    monkeypatch.setattr(AsyncSession, "connection", counted)
    async with ctx.db.write() as tx:
        first = await pooled(tx.session)
        second = await pooled(tx.session)
        assert asked == ["connection"]
        assert second is first
        assert first is await (await real(tx.session)).get_raw_connection()
    async with ctx.db.read_one() as conn:
        assert await pooled(conn) is await conn.get_raw_connection()


async def test_a_transaction_that_failed_is_refused_as_sqlalchemy_refuses_it(
    ctx: Context
) -> None:
    """After a failed flush the transaction must be rolled back: a driver's statement
    is refused as SQLAlchemy refuses one, and writes nothing."""
    seq = portable.Hot(lambda _kind: select(Channel.last_seq).where(Channel.name == "portable:9"))
    async with ctx.db.write() as tx:
        tx.session.add(Channel(name="portable:9", last_seq=1))
    with pytest.raises(InvalidRequestError, match="rolled back"):
        async with ctx.db.write() as tx:
            await seq.scalar(tx.session, {})  # the transaction holds its connection
            tx.session.add(Channel(name="portable:9", last_seq=2))
            with pytest.raises(IntegrityError):
                await tx.session.flush()
            await seq.scalar(tx.session, {})
    async with ctx.db.read() as session:
        assert (await session.scalar(
            select(Channel.last_seq).where(Channel.name == "portable:9"))) == 1


async def test_an_invalidated_connection_is_not_used(ctx: Context) -> None:
    """A connection SQLAlchemy gave up on (lost, or invalidated): in a transaction
    the statement is refused as SQLAlchemy refuses it; outside one (the token's
    read) a new connection is taken, as SQLAlchemy takes one."""
    count = portable.Hot(lambda _kind: select(func.count()).select_from(Channel))
    async with ctx.db.read() as session:
        conn = await session.connection()
        await conn.invalidate()
        with pytest.raises(PendingRollbackError):
            await pooled(session)
    async with ctx.db.read_one() as lone:
        await lone.invalidate()
        assert await count.scalar(lone, {}) == 0


async def test_a_statement_in_a_savepoint_is_undone_with_it(ctx: Context) -> None:
    """A savepoint's first statement sends its SAVEPOINT, whoever runs it: rolling the
    savepoint back undoes what the driver's own statements wrote in it."""
    table = cast(Table, Channel.__table__)
    bump = portable.Hot(lambda _kind: update(table).where(table.c.name == "portable:10")
                        .values(last_seq=table.c.last_seq + 1))
    async with ctx.db.write() as tx:
        tx.session.add(Channel(name="portable:10", last_seq=1))
    async with ctx.db.write() as tx:
        await bump.run(tx.session, {})
        savepoint = await tx.session.begin_nested()
        await bump.run(tx.session, {})
        await savepoint.rollback()
    async with ctx.db.read() as session:
        assert (await session.scalar(
            select(Channel.last_seq).where(Channel.name == "portable:10"))) == 2


async def test_a_statement_with_writes_answers_its_rows_and_makes_every_write(
    ctx: Context
) -> None:
    """`HotWithWrites`: the statement's rows, and each write made in the same
    transaction; on PostgreSQL one statement where there were three."""
    table = cast(Table, Channel.__table__)

    def bump(name: str) -> Any:
        return lambda _kind: (update(table).where(table.c.name == name)
                              .values(last_seq=table.c.last_seq + bindparam("by", type_=Integer)))

    insert_one = portable.HotWithWrites(
        lambda kind: portable.insert_into(kind, table).values(
            name=bindparam("name", type_=String), last_seq=0).returning(table.c.name),
        bump("portable:11"), bump("portable:12"))
    async with ctx.db.write() as tx:
        tx.session.add_all([Channel(name="portable:11", last_seq=1),
                            Channel(name="portable:12", last_seq=10)])
    with statements(ctx) as seen:
        async with ctx.db.write() as tx:
            assert await insert_one.scalar(tx.session, {"name": "portable:13", "by": 5}) \
                == "portable:13"
    dialect = ctx.db.engine.dialect.name
    assert len([s for s in seen if "channels" in s]) == (1 if dialect == "postgresql" else 3)
    async with ctx.db.read() as session:
        seqs = dict((await session.execute(
            select(Channel.name, Channel.last_seq).where(Channel.name.like("portable:1_"))
        )).all())
    assert seqs == {"portable:11": 6, "portable:12": 15, "portable:13": 0}


async def test_a_read_beside_the_writes_answers_its_rows_after_the_statements_row(
    ctx: Context
) -> None:
    """`HotWithWrites(..., beside=)`: the statement's row then each row of the read
    (the row and NULLs when the read finds none); on PostgreSQL all in one
    statement, the read seeing the database as it was before the writes."""
    table = cast(Table, Channel.__table__)
    insert_one = portable.HotWithWrites(
        lambda kind: portable.insert_into(kind, table).values(
            name=bindparam("name", type_=String), last_seq=0).returning(table.c.name),
        lambda _kind: update(table).where(table.c.name == "portable:21")
        .values(last_seq=table.c.last_seq + 1),
        beside=lambda _kind: select(table.c.name, table.c.last_seq)
        .where(table.c.name.like(bindparam("like", type_=String))).order_by(table.c.name))
    async with ctx.db.write() as tx:
        tx.session.add_all([Channel(name="portable:21", last_seq=1),
                            Channel(name="portable:22", last_seq=7)])
    with statements(ctx) as seen:
        async with ctx.db.write() as tx:
            rows = await insert_one.rows(tx.session, {"name": "portable:23",
                                                      "like": "portable:2_"})
            nobody = await insert_one.rows(tx.session, {"name": "portable:24",
                                                        "like": "nothing%"})
    dialect = ctx.db.engine.dialect.name
    if dialect == "postgresql":
        assert len(seen) == 2
        assert [tuple(r) for r in rows] == [("portable:23", "portable:21", 1),
                                            ("portable:23", "portable:22", 7)]
    else:  # the read after the writes: the new row and the bumped seq are seen
        assert len(seen) == 6
        assert [tuple(r) for r in rows] == [("portable:23", "portable:21", 2),
                                            ("portable:23", "portable:22", 7),
                                            ("portable:23", "portable:23", 0)]
    assert [tuple(r) for r in nobody] == [("portable:24", None, None)]
    async with ctx.db.read() as session:
        assert (await session.scalar(
            select(Channel.last_seq).where(Channel.name == "portable:21"))) == 3


async def test_a_statement_with_writes_that_fails_leaves_no_write(ctx: Context) -> None:
    """The statement refused (a duplicate name): none of its writes is kept."""
    table = cast(Table, Channel.__table__)
    insert_one = portable.HotWithWrites(
        lambda kind: portable.insert_into(kind, table).values(
            name=bindparam("name", type_=String), last_seq=0),
        lambda _kind: update(table).where(table.c.name == "portable:14")
        .values(last_seq=table.c.last_seq + 1))
    async with ctx.db.write() as tx:
        tx.session.add_all([Channel(name="portable:14", last_seq=1),
                            Channel(name="portable:15", last_seq=1)])
    with pytest.raises(IntegrityError):
        async with ctx.db.write() as tx:
            await insert_one.run(tx.session, {"name": "portable:15"})
    async with ctx.db.read() as session:
        assert (await session.scalar(
            select(Channel.last_seq).where(Channel.name == "portable:14"))) == 1
