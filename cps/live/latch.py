"""Latch and Gate: events light enough to keep per socket."""

from __future__ import annotations

import asyncio


class Gate:
    """An event that can be cleared again (`asyncio.Event`'s set, clear, wait,
    is_set) and allocates nothing until someone waits: uvicorn's protocol keeps
    one per socket to say whether its transport takes more writes."""

    __slots__ = ("_is_set", "_waiters")

    def __init__(self) -> None:
        self._is_set = False
        self._waiters: list[asyncio.Future[None]] | None = None

    def is_set(self) -> bool:
        return self._is_set

    def set(self) -> None:
        self._is_set = True
        waiters, self._waiters = self._waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    def clear(self) -> None:
        self._is_set = False

    async def wait(self) -> None:
        if self._is_set:
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self._waiters is None:
            self._waiters = []
        self._waiters.append(waiter)
        try:
            await waiter
        finally:
            if self._waiters is not None and waiter in self._waiters:
                self._waiters.remove(waiter)


class Latch(Gate):
    """A one-shot event: a `Gate` that is set once and never cleared. Sockets keep
    a few of these for their whole life (closed, stop), rarely waited on."""

    __slots__ = ()
