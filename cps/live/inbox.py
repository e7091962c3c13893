"""Inbox: the receive queue of one WebSocket, light enough to keep per socket.

uvicorn's protocol keeps an `asyncio.Queue` per socket for the messages the
application will `receive`; a Queue holds four deques (its items, getters,
putters and an Event's waiters), about three kilobytes, from the start. A
socket's inbox has one reader (the application) and rarely more than one or
two messages waiting: a list and one waiter do.
"""

from __future__ import annotations

import asyncio
from typing import Any


class Inbox:
    """What uvicorn's protocol uses of its queue: `put_nowait`, `get`, `empty`.
    One reader at a time."""

    __slots__ = ("_items", "_waiter")

    def __init__(self) -> None:
        self._items: list[Any] = []
        self._waiter: asyncio.Future[None] | None = None

    def put_nowait(self, item: Any) -> None:
        self._items.append(item)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def empty(self) -> bool:
        return not self._items

    async def get(self) -> Any:
        while not self._items:
            waiter = self._waiter = asyncio.get_running_loop().create_future()
            try:
                await waiter
            finally:
                self._waiter = None
        return self._items.pop(0)
