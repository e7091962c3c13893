"""Who is in a topic and who is typing, across processes, with no seq.

Each process knows its own sockets. It announces its share of a topic
(`presence_sync`, ephemeral, on the topic's channel) whenever that share
changes and every heartbeat (`CPS_PRESENCE_HEARTBEAT_SECONDS`, 10 s); every
process merges the shares it hears and forgets one that has not been refreshed
for three heartbeats (`EXPIRY_BEATS`), so a process that dies drops out by
itself. Local sockets get a `presence` frame
when the merged view changes, at most every `THROTTLE` seconds per topic, and
less often in a big room (`interval`): every join sends the room a frame, so
a room of N filling up would cost N² frames.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cps.broker.hub import Hub, encode_frame

log = logging.getLogger("cps.live.presence")

EXPIRY_BEATS = 3  # heartbeats a share outlives its last refresh
TYPING_FOR = 6.0
TYPING_EVERY = 2.0
THROTTLE = 0.25
ROOM_STEP = 100  # sockets in this process per THROTTLE of interval
MAX_INTERVAL = 5.0
LIST_MAX = 50

Person = tuple[int, str]  # user id, display name


@dataclass
class _Share:
    users: dict[int, str]
    typing: dict[int, str]
    anonymous: int
    seen: float


@dataclass
class _Topic:
    # This process's sockets: socket key -> person (None for anonymous).
    local: dict[int, Person | None] = field(default_factory=dict)
    typing: dict[int, tuple[str, float]] = field(default_factory=dict)  # user -> (name, until)
    shares: dict[str, _Share] = field(default_factory=dict)  # process id -> its share
    typing_sent: dict[int, float] = field(default_factory=dict)  # user -> when, for throttling
    last_frame: str = ""
    flush: asyncio.TimerHandle | None = None
    expiry: asyncio.TimerHandle | None = None  # when the oldest foreign share expires
    announce: asyncio.TimerHandle | None = None  # a coalesced presence_sync to send


class Presence:
    """A hub subscriber for every topic channel that has local sockets."""

    def __init__(self, hub: Hub, send_local: Callable[[str, str], None], *,
                 heartbeat: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._hub = hub
        self._heartbeat_every = heartbeat
        self._expiry = EXPIRY_BEATS * heartbeat
        self._send_local = send_local
        self._clock = clock
        self.process = uuid.uuid4().hex[:12]
        self._topics: dict[str, _Topic] = {}
        self._task: asyncio.Task[None] | None = None
        self._announcing: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._heartbeat())

    async def stop(self) -> None:
        tasks = [*self._announcing, *([self._task] if self._task is not None else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for channel, topic in list(self._topics.items()):
            topic.local.clear()
            topic.typing.clear()
            await self._announce(channel)
            for timer in (topic.flush, topic.expiry, topic.announce):
                if timer is not None:
                    timer.cancel()

    # Local sockets.

    async def join(self, channel: str, key: int, person: Person | None) -> None:
        topic = self._topics.get(channel)
        if topic is None:
            topic = self._topics[channel] = _Topic()
            await self._hub.subscribe(channel, self)
        first = not topic.local
        topic.local[key] = person
        if first:
            await self._announce(channel)
        else:
            self._announce_soon(channel, topic)
        self._schedule(channel, topic, force=True)

    async def leave(self, channel: str, key: int) -> None:
        topic = self._topics.get(channel)
        if topic is None:
            return
        topic.local.pop(key, None)
        if topic.typing:  # a walk over the room: only when somebody is typing
            person_ids = {p[0] for p in topic.local.values() if p}
            for uid in [u for u in topic.typing if u not in person_ids]:
                del topic.typing[uid]
        if topic.local:
            self._announce_soon(channel, topic)
            self._schedule(channel, topic)
            return
        await self._announce(channel)
        if self._topics.get(channel) is topic:
            # Forget the topic before awaiting, so a join meanwhile starts afresh.
            del self._topics[channel]
            for timer in (topic.flush, topic.expiry, topic.announce):
                if timer is not None:
                    timer.cancel()
            await self._hub.unsubscribe(channel, self)

    async def typing(self, channel: str, person: Person) -> bool:
        """Mark `person` typing; answers False when throttled."""
        topic = self._topics.get(channel)
        if topic is None:
            return False
        now = self._clock()
        if now - topic.typing_sent.get(person[0], -1e9) < TYPING_EVERY:
            return False
        topic.typing_sent[person[0]] = now
        topic.typing[person[0]] = (person[1], now + TYPING_FOR)
        await self._announce(channel)
        return True

    # Hub subscriber.

    def deliver(self, channel: str, seq: int, text: str) -> None:
        return None

    def deliver_ephemeral(self, channel: str, text: str) -> None:
        topic = self._topics.get(channel)
        if topic is None or not text.startswith('{"type":"presence_sync"'):
            return
        try:
            frame = json.loads(text)
            share = _Share(
                users={int(k): str(v) for k, v in frame["users"].items()},
                typing={int(k): str(v) for k, v in frame["typing"].items()},
                anonymous=int(frame["anonymous"]),
                seen=self._clock(),
            )
            process = str(frame["process"])
        except (ValueError, KeyError, TypeError, AttributeError):
            log.warning("malformed presence frame", extra={"channel": channel})
            return
        known = process in topic.shares
        if not share.users and not share.typing and not share.anonymous:
            topic.shares.pop(process, None)
        else:
            topic.shares[process] = share
            if not known and process != self.process and topic.local:
                # A process we did not know joined the topic: it has not heard our
                # share (it was not subscribed when we last announced), so say it now
                # rather than at the next heartbeat.
                task = asyncio.get_running_loop().create_task(self._announce(channel))
                self._announcing.add(task)
                task.add_done_callback(self._announcing.discard)
        self._arm_expiry(channel, topic)
        self._schedule(channel, topic)

    # Internals.

    @staticmethod
    def interval(topic: _Topic) -> float:
        """How often a topic's presence is announced and sent: every 0.25 s up to
        100 local sockets, then 0.25 s more per 100, at most every 5 s."""
        return min(MAX_INTERVAL, THROTTLE * max(1.0, len(topic.local) / ROOM_STEP))

    def _local_share(self, topic: _Topic) -> dict[str, Any]:
        now = self._clock()
        users = {p[0]: p[1] for p in topic.local.values() if p}
        typing = {u: name for u, (name, until) in topic.typing.items() if until > now}
        anonymous = sum(1 for p in topic.local.values() if p is None)
        return {"users": users, "typing": typing, "anonymous": anonymous}

    def _announce_soon(self, channel: str, topic: _Topic) -> None:
        """One presence_sync for a burst of joins and leaves: a room of N sockets
        filling up costs N/burst messages to every process, not N."""
        if topic.announce is None:
            topic.announce = asyncio.get_running_loop().call_later(
                self.interval(topic), self._announce_later, channel, topic
            )

    def _announce_later(self, channel: str, topic: _Topic) -> None:
        topic.announce = None
        if self._topics.get(channel) is topic:
            task = asyncio.get_running_loop().create_task(self._announce(channel))
            self._announcing.add(task)
            task.add_done_callback(self._announcing.discard)

    async def _announce(self, channel: str) -> None:
        topic = self._topics.get(channel)
        if topic is None:
            return
        share = self._local_share(topic)
        frame = {"type": "presence_sync", "channel": channel, "process": self.process, **share}
        try:
            await self._hub.publish_ephemeral(channel, frame)
        except Exception:
            log.exception("presence publish failed", extra={"channel": channel})
        self._schedule(channel, topic)

    def _schedule(self, channel: str, topic: _Topic, force: bool = False) -> None:
        if force:
            topic.last_frame = ""
        if topic.flush is None:
            topic.flush = asyncio.get_running_loop().call_later(
                self.interval(topic), self._flush, channel, topic
            )

    def _arm_expiry(self, channel: str, topic: _Topic) -> None:
        """Look again when the oldest share of another process expires, so a process
        that died drops out three heartbeats after it was last heard, not later."""
        if topic.expiry is not None:
            topic.expiry.cancel()
            topic.expiry = None
        seen = [s.seen for p, s in topic.shares.items() if p != self.process]
        if seen:
            delay = max(0.0, min(seen) + self._expiry - self._clock()) + 0.05
            topic.expiry = asyncio.get_running_loop().call_later(
                delay, self._schedule, channel, topic
            )

    def _merged(self, channel: str, topic: _Topic) -> tuple[str, bool]:
        """The presence frame for local sockets, and whether someone is typing."""
        now = self._clock()
        users: dict[int, str] = {}
        typing: dict[int, str] = {}
        anonymous = 0
        for process, share in list(topic.shares.items()):
            if process == self.process:
                continue
            if now - share.seen > self._expiry:
                del topic.shares[process]
                continue
            users.update(share.users)
            anonymous += share.anonymous
            if now - share.seen < TYPING_FOR:
                typing.update(share.typing)
        local = self._local_share(topic)
        users.update(local["users"])
        typing.update(local["typing"])
        anonymous += local["anonymous"]
        for uid, (_, until) in list(topic.typing.items()):
            if until <= now:
                del topic.typing[uid]
        text = encode_frame({
            "type": "presence",
            "channel": channel,
            # A big room lists its first LIST_MAX people; `count` says how many there are.
            "users": [
                {"id": u, "display_name": n} for u, n in sorted(users.items())[:LIST_MAX]
            ],
            "count": len(users),
            "typing": [
                {"id": u, "display_name": n} for u, n in sorted(typing.items())[:LIST_MAX]
            ],
            "anonymous": anonymous,
        })
        return text, bool(typing)

    def _flush(self, channel: str, topic: _Topic) -> None:
        topic.flush = None
        if self._topics.get(channel) is not topic:
            return
        expired = len(topic.shares)
        text, someone_typing = self._merged(channel, topic)
        if len(topic.shares) != expired:
            self._arm_expiry(channel, topic)
        if text != topic.last_frame:
            topic.last_frame = text
            self._send_local(channel, text)
        if someone_typing:
            # Typing expires by itself: look again when it may have.
            self._schedule(channel, topic)

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self._heartbeat_every)
            for channel in list(self._topics):
                await self._announce(channel)
