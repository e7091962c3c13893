"""One read for a burst of sockets: coalescing the lookups of concurrent handshakes.

When a node's clients reconnect at once (a deploy, a crash) thousands of
handshakes each want the same few things read: their token, whether they may
follow their channel, the channel's last seq. A `Burst` gathers the keys asked
for while its previous read is in flight (and in the same turn of the event
loop), reads them all with one call of its `fetch` (one query per kind, with
`IN`), and answers every waiter. A lone request costs one read, as before;
under a burst the reads per socket fall with the burst's size.

Before each read the burst gathers: it lets the event loop turn while more
requests keep coming, up to `GATHER_SECONDS`. A lone request sees none come in
the turn after it and is read at once; under a storm the read waits a few
milliseconds and serves hundreds. Without the window, the faster a read was the
fewer it served: at 5,000 sockets one read served 9 of them on average, and the
reads cost more than the sockets (bench/connect.py, docs/scaling.md).

A waiter only joins a read that has not started: what it gets was read after
it asked, so no answer is older than the request (an access revoked before a
subscribe is seen by it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

MAX_KEYS = 500  # keys read at once: bounds one statement's IN list
# The longest a request waits for others to join its read, while they keep coming.
GATHER_SECONDS = 0.05


class Burst(Generic[K, V]):
    """`await burst.get(key)`: the value `fetch` reads for `key`, read together with
    the keys other tasks asked for meanwhile. `fetch` answers a value or an
    exception per key (raised in that key's waiters only); a key it leaves out, or
    a failure of the whole read, raises in every waiter of the batch."""

    def __init__(self, fetch: Callable[[list[K]], Awaitable[Mapping[K, V | Exception]]]) -> None:
        self._fetch = fetch
        self._waiting: dict[K, list[asyncio.Future[V]]] = {}
        self._reader: asyncio.Task[None] | None = None
        self._asked = 0  # requests ever made: whether more came during a turn

    async def get(self, key: K) -> V:
        future: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(key, []).append(future)
        self._asked += 1
        if self._reader is None:
            self._reader = asyncio.ensure_future(self._read())
        return await future

    async def _read(self) -> None:
        batch: dict[K, list[asyncio.Future[V]]] = {}
        try:
            while self._waiting:
                await self._gather()
                keys = list(self._waiting)[:MAX_KEYS]
                batch = {key: self._waiting.pop(key) for key in keys}
                try:
                    found = await self._fetch(keys)
                except Exception as exc:
                    for waiters in batch.values():
                        _settle(waiters, exc)
                    continue
                for key, waiters in batch.items():
                    _settle(waiters, found.get(key, KeyError(key)))
        except asyncio.CancelledError:  # the process is stopping: nobody waits forever
            for waiters in (*batch.values(), *self._waiting.values()):
                for future in waiters:
                    future.cancel()
            self._waiting.clear()
            raise
        finally:
            self._reader = None

    async def _gather(self) -> None:
        """Turn the event loop while requests keep coming (a burst), until none came
        in a turn, the batch is full or `GATHER_SECONDS` passed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + GATHER_SECONDS
        seen = -1
        while self._asked != seen and len(self._waiting) < MAX_KEYS and loop.time() < deadline:
            seen = self._asked
            await asyncio.sleep(0)


def _settle(waiters: list[asyncio.Future[V]], value: V | BaseException) -> None:
    for future in waiters:
        if future.done():  # its task was cancelled meanwhile (the socket went)
            continue
        if isinstance(value, BaseException):
            future.set_exception(value)
        else:
            future.set_result(value)
