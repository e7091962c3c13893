"""The server stack's own share: the least an ASGI app on CPS's uvicorn does per socket.

A bare ASGI application (no Starlette, no authentication, no database) served
by uvicorn exactly as `cps serve` runs it: httptools, uvloop and CPS's WebSocket
protocol (`cps.live.transport.FanoutProtocol`, sans-I/O `websockets`), without
per-message deflate. A client's `subscribe` frame is answered `subscribed` with
seq 0, as bench/baseline_broadcast.py answers it; a plain TCP control port (no
HTTP) says the server is up. bench/connect.py times CPS against it beside the
`websockets` server: what is left between this and CPS is CPS's own work per
socket (the token, the access check, the channel's seq, the bookkeeping).

    python bench/baseline_asgi.py --port 9001 --control-port 9002
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cps.live.transport import PROTOCOL_PATH

Message = dict[str, Any]


async def app(scope: Message, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    if scope["type"] != "websocket":
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        try:
            frame = json.loads(message.get("text") or "")
        except ValueError:
            continue
        if isinstance(frame, dict) and frame.get("type") == "subscribe":
            await send({"type": "websocket.send", "text": json.dumps(
                {"type": "subscribed", "channel": frame.get("channel"), "seq": 0})})


async def run(port: int, control_port: int) -> None:
    control = await asyncio.start_server(lambda _r, w: w.close(), "127.0.0.1", control_port)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, loop="none", http="httptools", ws=PROTOCOL_PATH,
        ws_per_message_deflate=False, lifespan="on", log_level="warning", backlog=2048)
    async with control:
        await uvicorn.Server(config).serve()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--control-port", type=int, required=True)
    args = parser.parse_args()
    import uvloop  # what uvicorn runs CPS on

    uvloop.run(run(args.port, args.control_port))


if __name__ == "__main__":
    main()
