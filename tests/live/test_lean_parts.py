"""The per-socket Inbox and Gate that stand in for uvicorn's Queue and Event."""

from __future__ import annotations

import asyncio

import pytest

from cps.live.inbox import Inbox
from cps.live.latch import Gate

pytestmark = pytest.mark.anyio


async def test_the_inbox_hands_messages_over_in_order_and_waits_when_empty() -> None:
    inbox = Inbox()
    inbox.put_nowait({"n": 1})
    inbox.put_nowait({"n": 2})
    assert not inbox.empty()
    assert [await inbox.get(), await inbox.get()] == [{"n": 1}, {"n": 2}]
    assert inbox.empty()

    reader = asyncio.create_task(inbox.get())
    await asyncio.sleep(0.01)
    assert not reader.done()
    inbox.put_nowait({"n": 3})
    assert await asyncio.wait_for(reader, 1) == {"n": 3}


async def test_a_cancelled_read_loses_nothing() -> None:
    inbox = Inbox()
    reader = asyncio.create_task(inbox.get())
    await asyncio.sleep(0.01)
    reader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reader
    inbox.put_nowait("kept")
    assert await asyncio.wait_for(inbox.get(), 1) == "kept"


async def test_the_gate_opens_closes_and_opens_again() -> None:
    gate = Gate()
    assert not gate.is_set()
    waiter = asyncio.create_task(gate.wait())
    await asyncio.sleep(0.01)
    assert not waiter.done()
    gate.set()
    await asyncio.wait_for(waiter, 1)

    gate.clear()
    again = asyncio.create_task(gate.wait())
    await asyncio.sleep(0.01)
    assert not again.done()
    gate.set()
    await asyncio.wait_for(again, 1)
    await asyncio.wait_for(gate.wait(), 1)  # open: returns at once
