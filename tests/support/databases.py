"""Test databases: a migrated SQLite template copied per test, and one migrated
PostgreSQL database per test session, truncated between tests."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import asyncpg

from cps.storage.migrations import upgrade

T = TypeVar("T")

PG_ADMIN_URL = os.environ.get("CPS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


def pg_url_for(name: str) -> str:
    base = _dsn(PG_ADMIN_URL).rsplit("/", 1)[0]
    return f"{base}/{name}"


async def create_pg_database(prefix: str = "cps_test") -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(_dsn(PG_ADMIN_URL))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
        # A test's commit need not wait for the disk (nothing here outlives a crash of
        # the machine); a kill of PostgreSQL itself is tested on private instances.
        await conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    finally:
        await conn.close()
    return pg_url_for(name)


async def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(_dsn(PG_ADMIN_URL))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@contextmanager
def migrated_pg_database(prefix: str) -> Iterator[str]:
    """A fresh, migrated database on the shared PostgreSQL, dropped afterwards
    (for synchronous fixture code)."""
    url = run_sync(create_pg_database(prefix))
    run_sync(upgrade(url))
    try:
        yield url
    finally:
        run_sync(drop_pg_database(url))


async def truncate_pg(url: str) -> None:
    """Empty every table and restart every id sequence, between two tests.

    DELETE with triggers off (`session_replication_role = replica`: no foreign
    key checks, no append-only guards) takes ~13 ms where TRUNCATE of the 22
    tables took ~130 ms; over a thousand PostgreSQL tests that is two minutes
    of the suite. A role that may not turn triggers off gets the TRUNCATE."""
    conn = await asyncpg.connect(_dsn(url))
    try:
        tables = [
            r["tablename"]
            for r in await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname='public' "
                "AND tablename <> 'alembic_version'"
            )
        ]
        if not tables:
            return
        sequences = [
            r["sequence_name"]
            for r in await conn.fetch(
                "SELECT sequence_name FROM information_schema.sequences "
                "WHERE sequence_schema='public'"
            )
        ]
        try:
            async with conn.transaction():
                await conn.execute("SET LOCAL session_replication_role = replica")
                await conn.execute(
                    "; ".join(
                        [f'DELETE FROM "{t}"' for t in tables]
                        + [f'ALTER SEQUENCE "{q}" RESTART' for q in sequences]
                    )
                )
        except asyncpg.InsufficientPrivilegeError:
            await conn.execute(
                "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
            )
    finally:
        await conn.close()


def sqlite_template(folder: Path) -> Path:
    path = folder / "template.db"
    if not path.exists():
        run_sync(upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


def sqlite_copy(template: Path, folder: Path) -> str:
    target = folder / f"cps-{uuid.uuid4().hex[:8]}.db"
    shutil.copyfile(template, target)
    return f"sqlite+aiosqlite:///{target}"


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from synchronous fixture code, in a thread of
    its own, so it works whether or not an event loop is running here."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
