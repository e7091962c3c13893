"""Local fan-out: one broker subscription per channel, many local subscribers.

The hub is the process's EventSink: `publish(event)` encodes the event's
frame once and hands the bytes to the broker. Messages coming back from the
broker are decoded once, their `seq` read once, and the same text handed to
every local subscriber of the channel, in `seq` order, once:

- a duplicate (`seq` at or below the last forwarded) is dropped;
- a message ahead of the next expected `seq` is held for `reorder_delay`
  seconds, waiting for the missing ones; if they do not come, the hub reads
  them with `fill_gap` (from the events table) and forwards in order;
- after a Redis reconnection, every channel in use is caught up with
  `fill_gap(channel, last_forwarded, None)`.

Ephemeral frames (presence, typing) travel on the same broker channel,
marked by a leading `~` byte, and skip all of the above.

Handing a subscriber over from the database to live events, for a client
subscribing with `since`:

1. `await hub.subscribe(channel, subscriber)`; from now on the subscriber
   may receive `deliver` calls: it buffers them;
2. read the channel's last seq L from the database, then
   `s = hub.prime(channel, L)`: `s` is where live delivery starts (the
   hub's own position if the channel was already live here);
3. send `subscribed` with `seq = s`, the stored events `since < seq <= s`,
   then the buffered live events with `seq > s`, then live events.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from cps.broker.base import Broker
from cps.broker.event import EventRecord

log = logging.getLogger("cps.broker")

EPHEMERAL_PREFIX = b"~"

FillGap = Callable[[str, int, int | None], Awaitable[list[tuple[int, str]]]]
"""`fill_gap(channel, after_seq, up_to_seq)`: the stored events with
`after_seq < seq <= up_to_seq` (every later one when `up_to_seq` is None),
as `(seq, encode_frame(event.frame()))` pairs."""


class Subscriber(Protocol):
    """A local listener (a WebSocket). Both methods must return at once."""

    def deliver(self, channel: str, seq: int, text: str) -> None: ...

    def deliver_ephemeral(self, channel: str, text: str) -> None: ...


def encode_frame(frame: Mapping[str, Any]) -> str:
    """The text sent to clients for a frame; use it for frames read from the database."""
    return json.dumps(frame, separators=(",", ":"), default=str)


def encode_event(event: EventRecord) -> str:
    """`encode_frame(event.frame())`, the same text, around the data's JSON when the
    writer has it (a post's data is most of its frame, already encoded for its row)."""
    if event.data_text is None:
        return encode_frame(event.frame())
    return (f'{{"type":"event","channel":{json.dumps(event.channel)},"seq":{int(event.seq)},'
            f'"name":{json.dumps(event.name)},"data":{event.data_text}}}')


@dataclass(eq=False)
class _Channel:
    subscribers: dict[int, Subscriber] = field(default_factory=dict)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    last: int | None = None  # last seq forwarded; None until primed
    pending: dict[int, str] = field(default_factory=dict)  # held, seq -> text
    timer: asyncio.TimerHandle | None = None
    filling: asyncio.Task[None] | None = None
    catch_up: bool = False

    def has_gap(self) -> bool:
        return (
            self.last is not None and bool(self.pending) and self.last + 1 not in self.pending
        )


class Hub:
    def __init__(
        self, fill_gap: FillGap, *, reorder_delay: float = 0.2, fill_attempts: int = 3
    ) -> None:
        self._fill_gap = fill_gap
        self._reorder_delay = reorder_delay
        self._fill_attempts = fill_attempts
        self._broker: Broker | None = None
        self._channels: dict[str, _Channel] = {}

    def attach(self, broker: Broker) -> None:
        """Use `broker`, built with `self.on_message` and `self.on_reconnect`."""
        self._broker = broker

    @property
    def broker(self) -> Broker:
        if self._broker is None:
            raise RuntimeError("Hub has no broker: call attach() first")
        return self._broker

    async def start(self) -> None:
        await self.broker.start()

    async def stop(self) -> None:
        channels = list(self._channels.values())
        self._channels.clear()
        tasks = [task for state in channels if (task := self._discard(state)) is not None]
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.broker.stop()

    # Publishing.

    async def publish(self, event: EventRecord) -> None:
        """EventSink: called after the event's transaction committed."""
        await self.broker.publish(event.channel, encode_event(event).encode())

    async def publish_ephemeral(self, channel: str, frame: Mapping[str, Any]) -> None:
        """Presence and typing: no seq, no ordering, no catch-up."""
        await self.broker.publish(channel, EPHEMERAL_PREFIX + encode_frame(frame).encode())

    # Local subscribers.

    async def subscribe(self, channel: str, subscriber: Subscriber) -> None:
        """Add a local subscriber; returns once the broker subscription is in place."""
        state = self._channels.get(channel)
        if state is not None:
            state.subscribers[id(subscriber)] = subscriber
            await state.ready.wait()
            return
        state = _Channel()
        state.subscribers[id(subscriber)] = subscriber
        self._channels[channel] = state
        try:
            await self.broker.subscribe(channel)
        except BaseException:
            await self.unsubscribe(channel, subscriber)
            raise
        finally:
            state.ready.set()

    async def unsubscribe(self, channel: str, subscriber: Subscriber) -> None:
        """Remove a local subscriber; the last one out unsubscribes the broker."""
        state = self._channels.get(channel)
        if state is None or state.subscribers.pop(id(subscriber), None) is None:
            return
        if not state.subscribers:
            del self._channels[channel]
            self._discard(state)
            await self.broker.unsubscribe(channel)

    def prime(self, channel: str, seq: int) -> int:
        """Start live delivery after `seq`, unless the channel is already live.

        Returns the seq after which live delivery starts. Messages held
        since the first subscriber joined are forwarded now if they follow.
        """
        state = self._channels.get(channel)
        if state is None:
            return seq
        if state.last is not None:
            return state.last
        state.last = seq
        for held in [s for s in state.pending if s <= seq]:
            del state.pending[held]
        self._advance(channel, state)
        if state.catch_up:
            # Redis came back while the caller was reading the database: what
            # it read may predate the resubscription, so read again.
            self._start_fill(channel, state)
        return seq

    def last_forwarded(self, channel: str) -> int | None:
        state = self._channels.get(channel)
        return None if state is None else state.last

    def subscriber_count(self, channel: str) -> int:
        state = self._channels.get(channel)
        return 0 if state is None else len(state.subscribers)

    # Broker callbacks.

    def on_message(self, channel: str, payload: bytes) -> None:
        state = self._channels.get(channel)
        if state is None:
            return
        try:
            if payload.startswith(EPHEMERAL_PREFIX):
                text = payload[1:].decode()
                self._forward_ephemeral(channel, state, text)
                return
            text = payload.decode()
            seq = json.loads(text)["seq"]
            if not isinstance(seq, int) or isinstance(seq, bool):
                raise TypeError(f"seq is {type(seq).__name__}")
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("malformed broker message", extra={"channel": channel, "error": repr(exc)})
            return
        if (state.last is not None and seq <= state.last) or seq in state.pending:
            return  # duplicate
        state.pending[seq] = text
        if state.last is not None:
            self._advance(channel, state)

    async def on_reconnect(self) -> None:
        """After a Redis reconnection: read what may have been missed, per channel."""
        tasks = []
        for channel, state in self._channels.items():
            state.catch_up = True
            if state.last is not None:  # else `prime` starts the catch-up
                tasks.append(self._start_fill(channel, state))
        if tasks:
            await asyncio.wait(tasks)

    # Ordering.

    def _advance(self, channel: str, state: _Channel) -> None:
        """Forward what follows `state.last`, then wait or fill if a gap remains."""
        assert state.last is not None
        pending = state.pending
        while state.last + 1 in pending:
            seq = state.last + 1
            state.last = seq
            self._forward(channel, state, seq, pending.pop(seq))
        if not pending:
            if state.timer is not None:
                state.timer.cancel()
                state.timer = None
        elif state.timer is None and state.filling is None:
            state.timer = asyncio.get_running_loop().call_later(
                self._reorder_delay, self._gap_expired, channel, state
            )

    def _gap_expired(self, channel: str, state: _Channel) -> None:
        state.timer = None
        if self._channels.get(channel) is state and state.has_gap():
            self._start_fill(channel, state)

    def _start_fill(self, channel: str, state: _Channel) -> asyncio.Task[None]:
        if state.timer is not None:
            state.timer.cancel()
            state.timer = None
        if state.filling is None:
            state.filling = asyncio.create_task(self._fill(channel, state))
        return state.filling

    async def _fill(self, channel: str, state: _Channel) -> None:
        gap_filled = False
        failures = 0
        try:
            while self._channels.get(channel) is state and state.last is not None:
                up_to: int | None
                if state.catch_up:
                    up_to = None
                elif not gap_filled and state.has_gap():
                    up_to = min(state.pending) - 1
                else:
                    break
                after = state.last
                try:
                    rows = await self._fill_gap(channel, after, up_to)
                except Exception:
                    failures += 1
                    log.exception(
                        "fill_gap failed",
                        extra={"channel": channel, "after_seq": after, "up_to_seq": up_to},
                    )
                    if failures < self._fill_attempts:
                        await asyncio.sleep(self._reorder_delay)
                        continue
                    rows = []
                if self._channels.get(channel) is not state:
                    return
                failures = 0
                if up_to is None:
                    state.catch_up = False
                else:
                    gap_filled = True
                for seq, text in rows:
                    if seq > state.last and (up_to is None or seq <= up_to):
                        state.pending.setdefault(seq, text)
                self._advance(channel, state)
                if up_to is not None and state.last < up_to:
                    # Not in the database either (expired, or fill_gap failed):
                    # move on rather than stall; clients see the gap and resync.
                    log.warning(
                        "events missing, skipped",
                        extra={"channel": channel, "after_seq": state.last, "up_to_seq": up_to},
                    )
                    state.last = up_to
                    self._advance(channel, state)
        finally:
            if state.filling is asyncio.current_task():
                state.filling = None
            if self._channels.get(channel) is state and state.last is not None:
                self._advance(channel, state)

    # Fan-out.

    @staticmethod
    def _forward(channel: str, state: _Channel, seq: int, text: str) -> None:
        for subscriber in state.subscribers.values():
            try:
                subscriber.deliver(channel, seq, text)
            except Exception:
                log.exception("subscriber failed", extra={"channel": channel, "seq": seq})

    @staticmethod
    def _forward_ephemeral(channel: str, state: _Channel, text: str) -> None:
        for subscriber in state.subscribers.values():
            try:
                subscriber.deliver_ephemeral(channel, text)
            except Exception:
                log.exception("subscriber failed", extra={"channel": channel})

    def _discard(self, state: _Channel) -> asyncio.Task[None] | None:
        """Stop a channel's timer and fill; returns the cancelled fill task."""
        if state.timer is not None:
            state.timer.cancel()
            state.timer = None
        task = state.filling
        if task is not None:
            task.cancel()
        state.pending.clear()
        return task
