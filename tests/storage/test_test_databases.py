"""The suite's own databases on the shared PostgreSQL (tests/support/databases.py).
A DROP DATABASE forces PostgreSQL to write and fsync every dirty file of every
database at once; mid-run that stalled the server for up to 9 s and the other
workers' statements answered 503. So a database a test is done with comes back empty
to the next test that asks, and only the run's end drops them: its own, no other
run's."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from tests.support.databases import (
    PG_ADMIN_URL,
    create_pg_database,
    drop_run_databases,
    dsn,
    new_run_id,
    release_pg_database,
    run_id,
)

pytestmark = [pytest.mark.anyio, pytest.mark.postgresql]


async def _databases(admin: asyncpg.Connection, pattern: str) -> set[str]:
    rows = await admin.fetch("SELECT datname FROM pg_database WHERE datname LIKE $1", pattern)
    return {r["datname"] for r in rows}


async def test_a_released_database_comes_back_empty_to_the_next_test() -> None:
    url = await create_pg_database("cps_pool")
    assert f"_{run_id()}_" in url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(dsn(url))
    await conn.execute("CREATE TABLE leftovers (x int); INSERT INTO leftovers VALUES (1);"
                       "CREATE SEQUENCE leftover_ids")
    # Someone still connected (a server a test left running) is disconnected.
    await release_pg_database(url)
    # (closed, or closing as the query goes out)
    with pytest.raises((asyncpg.InterfaceError, asyncpg.exceptions.AdminShutdownError)):
        await conn.fetchval("SELECT 1")

    again = await create_pg_database("cps_pool")
    assert again == url
    conn = await asyncpg.connect(dsn(again))
    try:
        left = await conn.fetch("SELECT relname FROM pg_class c JOIN pg_namespace n "
                                "ON n.oid = c.relnamespace WHERE n.nspname = 'public'")
        assert left == []
        # As usable as a new one: a table can be made in it again.
        await conn.execute("CREATE TABLE leftovers (x int)")
    finally:
        await conn.close()
    await release_pg_database(again)


@pytest.mark.slow  # its DROP DATABASEs would stall the tests running beside it
async def test_the_end_of_a_run_drops_its_databases_and_no_other_runs() -> None:
    run, other = new_run_id(), new_run_id()
    ours = {f"cps_pool_{run}_{uuid.uuid4().hex[:10]}" for _ in range(2)}
    theirs = {f"cps_pool_{other}_{uuid.uuid4().hex[:10]}", f"cps_pool_{run}x_0123456789"}
    admin = await asyncpg.connect(dsn(PG_ADMIN_URL))
    try:
        for name in ours | theirs:
            await admin.execute(f'CREATE DATABASE "{name}"')
        assert set(await drop_run_databases(run)) == ours
        assert await _databases(admin, f"cps_pool_{run}%") == {f"cps_pool_{run}x_0123456789"}
        assert await _databases(admin, f"cps_pool_{other}%") == theirs - {
            f"cps_pool_{run}x_0123456789"}
    finally:
        for name in ours | theirs:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
