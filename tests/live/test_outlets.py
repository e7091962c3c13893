"""How frames leave for a socket: under CPS's protocol straight to the transport,
framed once per message; under plain uvicorn through the queued fallback. Both
deliver the same frames in the same order."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from websockets.frames import Frame, Opcode

from cps.live.latch import Latch
from cps.live.outlets import Framer, QueuedOutlet, TransportOutlet
from cps.live.transport import PROTOCOL_PATH
from tests.live.conftest import InProcessFactory
from tests.support.api import Api
from tests.support.servers import live_client

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(("ws", "outlet"), [(PROTOCOL_PATH, TransportOutlet),
                                            ("websockets-sansio", QueuedOutlet)],
                         ids=["transport", "queued"])
async def test_each_protocol_gets_its_outlet_and_the_same_frames(
    in_process_server: InProcessFactory, ws: str, outlet: type
) -> None:
    async with in_process_server(ws=ws) as srv, httpx.AsyncClient(base_url=srv.base_url) as http:
        api = Api(http)
        w = await api.world()
        t = w["topic"]["id"]
        async with live_client(srv.ws_url) as first, live_client(srv.ws_url) as second:
            # `subscribed` (and `pong`) are short frames: 1-byte lengths.
            await first.subscribe(f"topic:{t}")
            await second.subscribe(f"topic:{t}")
            [conn_type] = {type(c.outlet) for c in srv.state["live"].connections}
            assert conn_type is outlet
            bodies = ["short", "é" * 200, "é" * 19_000]  # 2- and 8-byte lengths
            for body in bodies:
                await api.post(w["citizen"], t, body)
            got = [await c.events(f"topic:{t}", 3) for c in (first, second)]
        for events in got:
            assert [e["seq"] for e in events] == [2, 3, 4]
            assert [e["data"]["body"] for e in events] == bodies


def test_a_message_is_framed_once_however_many_sockets_get_it() -> None:
    framer = Framer()
    text = '{"type":"event","seq":1}'
    wire = framer.frame(text)
    assert wire == Frame(Opcode.TEXT, text.encode()).serialize(mask=False)
    assert framer.frame(text) is wire  # the same message: the same bytes object
    other = framer.frame("".join(['{"type":"event","seq":2}']))
    assert other is not wire and other.endswith(b'"seq":2}')
    # An equal text that is another object is framed again, and equally.
    assert framer.frame("".join(['{"type":"event","seq":1}'])) == wire


async def test_a_latch_wakes_every_waiter_once_and_forgets_cancelled_ones() -> None:
    latch = Latch()
    assert not latch.is_set()
    waiters = [asyncio.ensure_future(latch.wait()) for _ in range(3)]
    cancelled = asyncio.ensure_future(latch.wait())
    await asyncio.sleep(0)
    cancelled.cancel()
    await asyncio.sleep(0)
    assert not any(w.done() for w in waiters)
    latch.set()
    latch.set()
    await asyncio.wait_for(asyncio.gather(*waiters), 1)
    assert latch.is_set()
    await asyncio.wait_for(latch.wait(), 1)  # set already: returns at once
