"""PostgreSQL backends under a pool: which ones it hands out, and killing them from
outside it (tests of what a pool does when its connections die)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager

from sqlalchemy import text

from cps.storage.database import Database


async def pooled_backends(db: Database, n: int = 1) -> list[int]:
    """The backend pids of `n` connections of `db`'s pool, held at once (so `n`
    different ones, then returned to the pool)."""
    async with AsyncExitStack() as stack:
        sessions = [await stack.enter_async_context(db.read()) for _ in range(n)]
        return [int((await s.execute(text("SELECT pg_backend_pid()"))).scalar_one())
                for s in sessions]


@asynccontextmanager
async def killer(url: str) -> AsyncIterator[Callable[[int], Awaitable[None]]]:
    """A function that terminates a backend, from a connection of another pool."""
    admin = Database(url)

    async def terminate(pid: int) -> None:
        async with admin.engine.connect() as conn:
            killed = (await conn.execute(text("SELECT pg_terminate_backend(:pid)"),
                                         {"pid": pid})).scalar_one()
        assert killed
        await asyncio.sleep(0.1)  # the backend exits

    try:
        yield terminate
    finally:
        await admin.dispose()
