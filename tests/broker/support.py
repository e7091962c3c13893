"""Helpers for the broker tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cps.broker import Hub, encode_frame
from cps.broker.event import EventRecord


def event(channel: str, seq: int, name: str = "post.created") -> EventRecord:
    return EventRecord(
        channel=channel, seq=seq, name=name, data={"n": seq}, created_at=datetime.now(UTC)
    )


def text(channel: str, seq: int) -> str:
    return encode_frame(event(channel, seq).frame())


@dataclass(eq=False)
class Recorder:
    """A local subscriber that keeps what it is given."""

    events: list[tuple[str, int, str]] = field(default_factory=list)
    ephemeral: list[tuple[str, str]] = field(default_factory=list)

    def deliver(self, channel: str, seq: int, text: str) -> None:
        self.events.append((channel, seq, text))

    def deliver_ephemeral(self, channel: str, text: str) -> None:
        self.ephemeral.append((channel, text))

    @property
    def seqs(self) -> list[int]:
        return [seq for _, seq, _ in self.events]


@dataclass
class Store:
    """Stands in for the events table behind `fill_gap`."""

    rows: dict[str, dict[int, str]] = field(default_factory=dict)
    calls: list[tuple[str, int, int | None]] = field(default_factory=list)

    def add(self, channel: str, *seqs: int) -> None:
        for seq in seqs:
            self.rows.setdefault(channel, {})[seq] = text(channel, seq)

    async def fill_gap(
        self, channel: str, after_seq: int, up_to_seq: int | None
    ) -> list[tuple[int, str]]:
        self.calls.append((channel, after_seq, up_to_seq))
        stored = self.rows.get(channel, {})
        return sorted(
            (seq, value)
            for seq, value in stored.items()
            if seq > after_seq and (up_to_seq is None or seq <= up_to_seq)
        )


async def wait_until(condition: Callable[[], Any], timeout: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(0.005)


async def eventually(condition: Callable[[], Awaitable[bool]], timeout: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(0.005)


async def numsub(client: Any, channel: str) -> int:
    """How many connections are subscribed to `channel` (PUBSUB NUMSUB)."""
    [(_, count)] = await client.pubsub_numsub(channel)
    return int(count)


HubFactory = Callable[..., Awaitable[Hub]]
