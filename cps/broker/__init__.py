"""Publish/subscribe between processes, and local fan-out to sockets.

- `base.Broker`: the interface; `memory.MemoryBroker` (one process) and
  `redis.RedisBroker` (Redis pub/sub) implement it.
- `hub.Hub`: the EventSink and the local fan-out, with per-channel ordering.

Wiring, in the application's lifespan::

    hub = make_hub(settings.redis_url, fill_gap)
    await hub.start()
    ...
    await hub.stop()
"""

from __future__ import annotations

from cps.broker.base import Broker, OnMessage, OnReconnect
from cps.broker.hub import EPHEMERAL_PREFIX, FillGap, Hub, Subscriber, encode_frame
from cps.broker.memory import MemoryBroker
from cps.broker.redis import RedisBroker

__all__ = [
    "EPHEMERAL_PREFIX",
    "Broker",
    "FillGap",
    "Hub",
    "MemoryBroker",
    "OnMessage",
    "OnReconnect",
    "RedisBroker",
    "Subscriber",
    "encode_frame",
    "make_broker",
    "make_hub",
]


def make_broker(
    redis_url: str | None, on_message: OnMessage, on_reconnect: OnReconnect | None = None
) -> Broker:
    """Redis when a URL is configured, else the in-process broker."""
    if redis_url:
        return RedisBroker(redis_url, on_message, on_reconnect)
    return MemoryBroker(on_message, on_reconnect)


def make_hub(redis_url: str | None, fill_gap: FillGap, *, reorder_delay: float = 0.2) -> Hub:
    """A hub over the configured broker (not started)."""
    hub = Hub(fill_gap, reorder_delay=reorder_delay)
    hub.attach(make_broker(redis_url, hub.on_message, hub.on_reconnect))
    return hub
