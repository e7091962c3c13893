"""Live events: recorded in the writer's transaction, published after commit.

Every change that readers see live is one `record` call inside the
transaction that makes the change: the event row and its channel's sequence
number are written there, with the transaction's other events just before it
commits (cps/storage/events.py), and the event goes to the hub (the process's
EventSink) only once the transaction commits, so nobody hears of a change that
was rolled back. Address channels with
`cps.services.events.channels`; tell a user something with
`cps.services.events.notify`.
"""

from __future__ import annotations

from typing import Any

from cps.broker.event import EventRecord, EventSink
from cps.storage import events
from cps.storage.database import Transaction

__all__ = ["EventRecord", "EventSink", "record"]


async def record(
    tx: Transaction, sink: EventSink, channel: str, name: str, data: dict[str, Any]
) -> events.Appended:
    """Write an event in `tx` and publish it once `tx` commits (its seq is known
    once `tx` has written its events, before it commits)."""
    appended = events.append(tx, channel, name, data)

    async def publish() -> None:
        await sink.publish(EventRecord(channel=channel, seq=appended.seq, name=name,
                                       data=data, created_at=appended.created_at,
                                       data_text=appended.text))

    tx.after_commit(publish)
    return appended
