"""Fixtures of the storage tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from tests.support.backends import killer


@pytest.fixture
async def kill(pg_session_url: str) -> AsyncIterator[Callable[[int], Awaitable[None]]]:
    """Terminate a PostgreSQL backend, from a connection of another pool."""
    async with killer(pg_session_url) as terminate:
        yield terminate
