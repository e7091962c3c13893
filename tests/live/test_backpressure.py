"""Backpressure: what waits to be sent to one socket is bounded; a client that does
not read is closed with 4008 and never slows the others.

Each test runs under CPS's own WebSocket protocol (events written straight to
the transport) and under plain uvicorn (the queued fallback, cps/live/outlets.py)."""

from __future__ import annotations

import asyncio
import socket
import time

import httpx
import pytest

from cps.live.transport import PROTOCOL_PATH
from tests.live.conftest import InProcessFactory
from tests.support.api import Api
from tests.support.clients import Frame, live_client

pytestmark = pytest.mark.anyio

QUEUE_LIMIT = 64 * 1024


@pytest.fixture(params=[PROTOCOL_PATH, "websockets-sansio"], ids=["transport", "queued"])
def ws_protocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def small_socket(port: int) -> socket.socket:
    """A connected socket with a tiny receive buffer: with the server's small send
    buffer, a client that does not read is felt after kilobytes, not megabytes."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.setblocking(False)
    return sock


async def test_a_client_that_does_not_read_is_closed_with_4008_and_the_others_keep_up(
    in_process_server: InProcessFactory, ws_protocol: str
) -> None:
    async with (in_process_server(ws_send_queue_bytes=QUEUE_LIMIT, send_buffer=8192,
                                  ws=ws_protocol) as srv,
                httpx.AsyncClient(base_url=srv.base_url, timeout=10) as http):
        api = Api(http)
        live = srv.state["live"]
        w = await api.world()
        channel = f"topic:{w['topic']['id']}"
        async with (live_client(srv.ws_url, sock=small_socket(srv.port), max_queue=1,
                                compression=None) as slow,
                    live_client(srv.ws_url) as fast):
            await slow.subscribe(channel)
            await fast.subscribe(channel)
            slow_conn = next(c for c in live.connections
                             if c.subscriptions and c.websocket.client.port
                             == slow.ws.local_address[1])
            arrived: dict[int, float] = {}

            async def read_fast() -> None:
                while True:
                    frame: Frame = await fast.recv(10)
                    assert frame["type"] == "event", frame
                    arrived[frame["seq"]] = time.monotonic()

            reader = asyncio.create_task(read_fast())
            posted: dict[int, float] = {}
            body = "An 8 kB contribution. " * 360
            for seq in range(2, 100):
                await api.post(w["citizen"], w["topic"]["id"], body)
                posted[seq] = time.monotonic()
                if slow_conn.closing:
                    break
            assert slow_conn.closing, "the client that does not read was never closed"
            # Everything still flows to the client that reads, promptly.
            for _ in range(5):
                await api.post(w["citizen"], w["topic"]["id"], "after the slow one left")
                posted[max(posted) + 1] = time.monotonic()
            deadline = time.monotonic() + 5
            while len(arrived) < len(posted) and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            reader.cancel()
            assert sorted(arrived) == sorted(posted)
            lag = max(arrived[seq] - posted[seq] for seq in posted)
            assert lag < 1.0, lag
            # The slow client, reading at last, finds what was on the wire, then 4008.
            await asyncio.sleep(2.5)
            assert await slow.closed_with(timeout=10) == 4008


async def test_a_client_that_missed_more_than_its_buffer_resumes_with_since(
    in_process_server: InProcessFactory, ws_protocol: str
) -> None:
    """The replay is paced to the client, not dumped into its bounded buffer: a
    client may come back from any distance (here five buffers' worth)."""
    async with (in_process_server(ws_send_queue_bytes=QUEUE_LIMIT, ws=ws_protocol) as srv,
                httpx.AsyncClient(base_url=srv.base_url, timeout=10) as http):
        api = Api(http)
        w = await api.world()
        t = w["topic"]["id"]
        channel = f"topic:{t}"
        body = "A 4 kB contribution. " * 200
        for _ in range(40):  # ~8 kB per event with its html: ~320 kB
            await api.post(w["citizen"], t, body)
        async with live_client(srv.ws_url, compression=None) as client:
            assert await client.subscribe(channel, since=0) == 41
            live = asyncio.create_task(api.post(w["citizen"], t, "while replaying"))
            events = await client.events(channel, 42, timeout=10)
            await live
            await client.quiet(0.3)
        assert [e["seq"] for e in events] == list(range(1, 43))
        assert events[-1]["data"]["body"] == "while replaying"
