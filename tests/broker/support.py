"""Helpers for the broker tests."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cps.broker import Hub, encode_frame
from cps.services.events import EventRecord

SHARED_REDIS = "redis://127.0.0.1:6379/0"


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PrivateRedis:
    """A throw-away redis-server on its own port, to kill and restart."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--daemonize", "no",
                "--dir", str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 5
        while True:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.write(b"PING\r\n")
                answer = await reader.readline()
                writer.close()
                await writer.wait_closed()
                if answer == b"+PONG\r\n":
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("private redis-server did not start")
            await asyncio.sleep(0.02)

    def freeze(self) -> None:
        """SIGSTOP: the socket stays open but nothing answers."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None


