"""The statements PostgreSQL and SQLite write differently (cps/storage/portable.py)
do the same thing on both."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import CursorResult, func, select, text

from cps.services.context import Context
from cps.storage import portable
from cps.storage.models import Channel, Event

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
