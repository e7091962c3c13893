"""How frames leave for a socket: under CPS's protocol straight to the transport,
framed once per message; under plain uvicorn through the queued fallback. Both
deliver the same frames in the same order."""

from __future__ import annotations

import asyncio
import base64
import os
import time

import httpx
import pytest
from websockets.frames import Frame, Opcode

from cps.live.latch import Latch
from cps.live.outlets import Framer, QueuedOutlet, TransportOutlet
from cps.live.transport import PROTOCOL_PATH
from tests.live.conftest import InProcessFactory
from tests.support.api import Api
from tests.support.clients import live_client
from tests.support.waiting import eventually

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


@pytest.mark.parametrize("ws", [PROTOCOL_PATH, "websockets-sansio"], ids=["transport", "queued"])
async def test_a_peer_that_stops_answering_pings_is_dropped(
    in_process_server: InProcessFactory, ws: str
) -> None:
    """A dead peer (here: a socket that completed the handshake and then says
    nothing, not even pong) is closed after the ping interval plus the timeout,
    and its connection leaves the process."""
    async with in_process_server(ws=ws, ws_heartbeat_seconds=0.5) as srv:
        live = srv.state["live"]
        reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{srv.port}\r\nUpgrade: websocket\r\n"
                     f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                     "Sec-WebSocket-Version: 13\r\n\r\n".encode())
        assert b" 101 " in await asyncio.wait_for(reader.readline(), 5)
        await eventually(lambda: len(live.connections) == 1, 5, "the socket is registered")
        opened = time.monotonic()
        # Read what the server sends (a ping, then nothing we answer) until it hangs up.
        received = await asyncio.wait_for(reader.read(), 10)
        dropped_after = time.monotonic() - opened
        await eventually(lambda: not live.connections, 5, "the connection is gone")
        writer.close()
    assert b"\x89" in received  # it was pinged
    assert 0.9 <= dropped_after < 5, dropped_after  # interval (0.5 s) + timeout (0.5 s)
