"""In-process broker: for a single process, without Redis."""

from __future__ import annotations

import asyncio
import logging

from cps.broker.base import OnMessage, OnReconnect

log = logging.getLogger("cps.broker")


class MemoryBroker:
    """Delivers a published payload to `on_message` if its channel is subscribed.

    Delivery is scheduled with `loop.call_soon`, so `publish` never calls back
    into its caller, and messages are delivered in the order they were published.
    """

    def __init__(self, on_message: OnMessage, on_reconnect: OnReconnect | None = None) -> None:
        # There is no connection to lose, so `on_reconnect` is never called.
        self._on_message = on_message
        self._channels: set[str] = set()

    @property
    def healthy(self) -> bool:
        return True

    @property
    def channels(self) -> frozenset[str]:
        return frozenset(self._channels)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        self._channels.clear()

    async def publish(self, channel: str, payload: bytes) -> None:
        if channel in self._channels:
            asyncio.get_running_loop().call_soon(self._deliver, channel, payload)

    async def subscribe(self, channel: str) -> None:
        self._channels.add(channel)

    async def unsubscribe(self, channel: str) -> None:
        self._channels.discard(channel)

    async def ping(self) -> bool:
        return True

    def _deliver(self, channel: str, payload: bytes) -> None:
        if channel not in self._channels:
            return
        try:
            self._on_message(channel, payload)
        except Exception:
            log.exception("broker message handler failed", extra={"channel": channel})
