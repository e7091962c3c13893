"""The hub over both brokers: fan-out, reference counting, ordering, ephemeral frames."""

from __future__ import annotations

import json
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Any

import pytest

from cps.broker import Hub, encode_frame
from cps.broker.event import EventRecord, EventSink

from .support import HubFactory, Recorder, Store, event, eventually, numsub, text, wait_until

pytestmark = pytest.mark.anyio


async def _is_zero(count: Awaitable[int]) -> bool:
    return await count == 0


async def flush(hub: Hub, channel: str, *recorders: Recorder) -> None:
    """Wait until everything published so far on `channel` reached the recorders.

    Both brokers keep a channel's messages in order, so once an ephemeral
    marker published now has arrived, every earlier message has too.
    """
    marker = {"type": "presence", "marker": len(recorders[0].ephemeral)}
    expected = encode_frame(marker)
    await hub.publish_ephemeral(channel, marker)
    await wait_until(lambda: all((channel, expected) in r.ephemeral for r in recorders))


async def subscribed(hub: Hub, channel: str, count: int = 1) -> list[Recorder]:
    """`count` fresh recorders, each subscribed to `channel` on `hub`."""
    recorders = [Recorder() for _ in range(count)]
    for recorder in recorders:
        await hub.subscribe(channel, recorder)
    return recorders


async def hub_with_recorder(
    hubs: HubFactory, channel: str, primed_at: int | None = 0, **options: Any
) -> tuple[Hub, Recorder]:
    """A hub built with `options` and one recorder on `channel`, primed at `primed_at`
    (left unprimed when it is None)."""
    hub = await hubs(**options)
    [recorder] = await subscribed(hub, channel)
    if primed_at is not None:
        hub.prime(channel, primed_at)
    return hub, recorder


async def test_hub_is_an_event_sink(hubs: HubFactory) -> None:
    sink: EventSink = await hubs()
    assert callable(sink.publish)


async def test_publish_reaches_every_local_subscriber_through_one_subscription(
    hubs: HubFactory, channel: str, redis_url: str | None, shared_client: Any
) -> None:
    hub = await hubs()
    recorders = await subscribed(hub, channel, 50)
    assert hub.prime(channel, 0) == 0

    await hub.publish(event(channel, 1))
    await wait_until(lambda: all(r.seqs == [1] for r in recorders))

    assert hub.broker.channels == {channel}
    assert hub.subscriber_count(channel) == 50
    if redis_url is not None:
        assert await numsub(shared_client, channel) == 1
    # Encoded once: every subscriber holds the very same string.
    assert len({id(r.events[0][2]) for r in recorders}) == 1
    assert recorders[0].events[0] == (channel, 1, text(channel, 1))
    assert hub.last_forwarded(channel) == 1


async def test_last_subscriber_leaving_unsubscribes(
    hubs: HubFactory, channel: str, redis_url: str | None, shared_client: Any
) -> None:
    hub = await hubs()
    recorders = await subscribed(hub, channel, 3)
    hub.prime(channel, 0)

    await hub.unsubscribe(channel, recorders[0])
    await hub.unsubscribe(channel, recorders[1])
    assert hub.broker.channels == {channel}
    if redis_url is not None:
        assert await numsub(shared_client, channel) == 1

    await hub.unsubscribe(channel, recorders[2])
    assert hub.broker.channels == frozenset()
    assert hub.last_forwarded(channel) is None
    if redis_url is not None:
        await eventually(lambda: _is_zero(numsub(shared_client, channel)))

    await hub.publish(event(channel, 1))
    other = Recorder()
    await hub.subscribe(channel, other)
    hub.prime(channel, 1)
    await flush(hub, channel, other)
    assert [r.events for r in recorders] == [[], [], []]
    assert other.events == []


async def test_unsubscribing_twice_or_unknown_is_harmless(hubs: HubFactory, channel: str) -> None:
    hub = await hubs()
    recorder = Recorder()
    await hub.unsubscribe(channel, recorder)
    await hub.subscribe(channel, recorder)
    await hub.unsubscribe(channel, recorder)
    await hub.unsubscribe(channel, recorder)
    assert hub.broker.channels == frozenset()


async def test_out_of_order_seq_is_held_then_forwarded_in_order(
    hubs: HubFactory, channel: str, store: Store
) -> None:
    hub, recorder = await hub_with_recorder(hubs, channel, reorder_delay=5.0)

    await hub.publish(event(channel, 2))
    await hub.publish(event(channel, 3))
    await flush(hub, channel, recorder)
    assert recorder.seqs == []
    assert hub.last_forwarded(channel) == 0

    await hub.publish(event(channel, 1))
    await wait_until(lambda: recorder.seqs == [1, 2, 3])
    assert store.calls == []


async def test_missing_seq_is_read_with_fill_gap(
    hubs: HubFactory, channel: str, store: Store
) -> None:
    hub, recorder = await hub_with_recorder(hubs, channel, reorder_delay=0.05)
    store.add(channel, 1, 2, 3, 4)

    await hub.publish(event(channel, 1))
    await hub.publish(event(channel, 4))  # 2 and 3 never come through the broker
    await wait_until(lambda: recorder.seqs == [1, 2, 3, 4])

    assert store.calls == [(channel, 1, 3)]
    assert recorder.events[1] == (channel, 2, text(channel, 2))


async def test_seq_missing_from_the_database_too_is_skipped(
    hubs: HubFactory, channel: str, store: Store
) -> None:
    hub, recorder = await hub_with_recorder(hubs, channel, reorder_delay=0.05)

    await hub.publish(event(channel, 1))
    await hub.publish(event(channel, 3))
    await wait_until(lambda: recorder.seqs == [1, 3])
    assert store.calls == [(channel, 1, 2)]

    await hub.publish(event(channel, 4))
    await wait_until(lambda: recorder.seqs == [1, 3, 4])


async def test_duplicates_are_dropped(hubs: HubFactory, channel: str) -> None:
    hub, recorder = await hub_with_recorder(hubs, channel, reorder_delay=5.0)

    for seq in (1, 1, 3, 3, 2, 1, 2, 3):
        await hub.publish(event(channel, seq))
    await flush(hub, channel, recorder)
    assert recorder.seqs == [1, 2, 3]


async def test_ephemeral_frames_reach_every_subscriber_without_seq(
    hubs: HubFactory, channel: str
) -> None:
    hub = await hubs()
    recorders = await subscribed(hub, channel, 2)
    hub.prime(channel, 7)

    frame = {"type": "presence", "channel": channel, "user_id": 3, "state": "typing"}
    await hub.publish_ephemeral(channel, frame)
    await wait_until(lambda: all(r.ephemeral for r in recorders))

    for recorder in recorders:
        assert recorder.ephemeral == [(channel, encode_frame(frame))]
        assert recorder.events == []
    assert recorders[0].ephemeral[0][1] is recorders[1].ephemeral[0][1]
    assert hub.last_forwarded(channel) == 7


async def test_messages_before_prime_wait_for_it(
    hubs: HubFactory, channel: str, store: Store
) -> None:
    hub, first = await hub_with_recorder(hubs, channel, primed_at=None, reorder_delay=5.0)
    assert hub.last_forwarded(channel) is None

    await hub.publish(event(channel, 5))
    await hub.publish(event(channel, 6))
    await flush(hub, channel, first)
    assert first.events == []

    # The database said 5 was the last event: live delivery starts at 6.
    assert hub.prime(channel, 5) == 5
    assert first.seqs == [6]

    # A later subscriber hands over at the hub's position, not its own reading.
    second = Recorder()
    await hub.subscribe(channel, second)
    assert hub.prime(channel, 9) == 6
    await hub.publish(event(channel, 7))
    await wait_until(lambda: second.seqs == [7])
    assert first.seqs == [6, 7]
    assert store.calls == []


async def test_reconnection_catches_up_from_the_database(
    hubs: HubFactory, channel: str, store: Store
) -> None:
    hub, recorder = await hub_with_recorder(hubs, channel, primed_at=2)
    store.add(channel, 1, 2, 3, 4)

    await hub.on_reconnect()

    assert recorder.seqs == [3, 4]
    assert store.calls == [(channel, 2, None)]
    assert hub.last_forwarded(channel) == 4


async def test_a_failing_subscriber_does_not_starve_the_others(
    hubs: HubFactory, channel: str
) -> None:
    class Broken(Recorder):
        def deliver(self, channel: str, seq: int, text: str) -> None:
            raise RuntimeError("socket gone")

    hub = await hubs()
    broken, healthy = Broken(), Recorder()
    await hub.subscribe(channel, broken)
    await hub.subscribe(channel, healthy)
    hub.prime(channel, 0)

    await hub.publish(event(channel, 1))
    await hub.publish(event(channel, 2))
    await wait_until(lambda: healthy.seqs == [1, 2])


async def test_malformed_messages_are_dropped(hubs: HubFactory, channel: str) -> None:
    hub, recorder = await hub_with_recorder(hubs, channel)

    for payload in (b"not json", b'{"type":"event"}', b'{"seq":"1"}', b"\xff"):
        await hub.broker.publish(channel, payload)
    await hub.publish(event(channel, 1))
    await wait_until(lambda: recorder.seqs == [1])


async def test_reconnection_before_prime_catches_up_once_primed(
    hubs: HubFactory, channel: str, store: Store
) -> None:
    hub, recorder = await hub_with_recorder(hubs, channel, primed_at=None)
    store.add(channel, 1, 2, 3)

    await hub.on_reconnect()
    assert store.calls == []

    assert hub.prime(channel, 2) == 2
    await wait_until(lambda: recorder.seqs == [3])
    assert store.calls == [(channel, 2, None)]


async def test_an_event_with_its_data_already_encoded_is_sent_as_the_same_text() -> None:
    """The hub sends an event the journal wrote around the data's JSON the writer
    stored for its row (not encoded twice): byte for byte the frame's own encoding,
    whatever the data holds (quotes, non-ASCII, a newline, nesting, a time)."""
    from cps.broker.hub import encode_event
    from cps.storage.events import Appended

    data = {"body": 'Say "hi"\n<b>', "author": {"display_name": "Ünal 李", "id": 7},
            "when": datetime(2026, 12, 7, 23, 0, tzinfo=UTC), "tags": [1, None, True]}
    for channel, name in (("topic:12", "post.created"), ('odd "channel"\\', "naïve.name")):
        written = Appended(channel, name, data, json.dumps(data, separators=(",", ":"),
                                                           default=str), datetime.now(UTC))
        plain = EventRecord(channel=channel, seq=41, name=name, data=data,
                            created_at=written.created_at)
        known = EventRecord(channel=channel, seq=41, name=name, data=data,
                            created_at=written.created_at, data_text=written.text)
        assert encode_event(known) == encode_event(plain) == encode_frame(plain.frame())
        assert json.loads(encode_event(known))["data"]["author"]["display_name"] == "Ünal 李"
