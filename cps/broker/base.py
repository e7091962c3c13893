"""The broker interface: publish/subscribe on named channels, bytes in, bytes out.

A broker moves opaque payloads between processes (Redis) or inside one
process (memory). It knows nothing about events, sequence numbers or
sockets: ordering and local fan-out are the hub's job (`cps.broker.hub`).

Backends are built with two callbacks:

- `on_message(channel, payload)` is called, from the event loop, for every
  message received on a subscribed channel. It must not block.
- `on_reconnect()` is awaited (in a task of its own) after a lost Redis
  connection was re-established and every channel in use resubscribed, so
  the upper layer can read from the database what was published meanwhile.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

OnMessage = Callable[[str, bytes], None]
OnReconnect = Callable[[], Awaitable[None]]


class Broker(Protocol):
    """One process's connection to the publish/subscribe backend.

    `subscribe` and `unsubscribe` are idempotent: the broker holds one
    subscription per channel, whatever the number of local listeners.
    `publish` never raises for a backend failure: it logs and drops, since
    the database is the source of truth and clients catch up with `since`.
    """

    @property
    def healthy(self) -> bool:
        """False while the connection to the backend is down."""
        ...

    @property
    def channels(self) -> frozenset[str]:
        """The channels this process is subscribed to."""
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def publish(self, channel: str, payload: bytes) -> None: ...

    async def subscribe(self, channel: str) -> None: ...

    async def unsubscribe(self, channel: str) -> None: ...

    async def ping(self) -> bool:
        """True when the backend answers (for readiness checks)."""
        ...
