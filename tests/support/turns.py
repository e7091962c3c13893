"""How often the event loop served others meanwhile: a task that counts its turns,
for tests that show a long act leaves the loop free."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class Turns:
    """The turns the counting task has had so far (`count`)."""

    def __init__(self) -> None:
        self.count = 0

    async def _take(self) -> None:
        while True:
            self.count += 1
            await asyncio.sleep(0)


@asynccontextmanager
async def turns() -> AsyncIterator[Turns]:
    """A task that takes every turn the event loop gives it, counted, while inside."""
    counted = Turns()
    task = asyncio.create_task(counted._take())
    try:
        yield counted
    finally:
        task.cancel()
