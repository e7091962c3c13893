"""The ratio baseline: the least a Python WebSocket server can do per delivery.

A `websockets` server where clients send the same `subscribe` frame as to
CPS and get `subscribed`; a plain TCP control port (no HTTP) takes lines

    fire <channel> <sent_at>    -> one event frame to every socket of <channel>
    seqs                        -> {"<channel>": <last seq>, ...} as one JSON line

and `fire` builds one 200-byte event frame (same shape as CPS's: type,
channel, seq, name, data.body = "t=<sent_at> ..."), encodes it once, and
writes those bytes straight to every subscribed socket's transport: no
per-socket encoding, no per-socket task, no queue.

    python bench/baseline_broadcast.py --port 9001 --control-port 9002
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

import websockets
from websockets.asyncio.server import ServerConnection, serve

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import server_frame

FRAME_BYTES = 200


def event_frame(channel: str, seq: int, sent_at: str) -> bytes:
    """The encoded WebSocket frame, padded so its payload is FRAME_BYTES long."""
    head = {"type": "event", "channel": channel, "seq": seq, "name": "post.created"}
    body = f"t={sent_at} post {seq}"
    text = json.dumps({**head, "data": {"body": body, "pad": ""}}, separators=(",", ":"))
    pad = max(0, FRAME_BYTES - len(text))
    text = json.dumps({**head, "data": {"body": body, "pad": "x" * pad}}, separators=(",", ":"))
    return server_frame(text.encode())


class Broadcast:
    def __init__(self) -> None:
        self.groups: dict[str, set[ServerConnection]] = {}
        self.seqs: dict[str, int] = {}

    async def handler(self, ws: ServerConnection) -> None:
        joined: list[str] = []
        try:
            async for message in ws:
                try:
                    frame = json.loads(message)
                except ValueError:
                    continue
                if not isinstance(frame, dict) or frame.get("type") != "subscribe":
                    if isinstance(frame, dict) and frame.get("type") == "ping":
                        await ws.send('{"type":"pong"}')
                    continue
                channel = str(frame.get("channel"))
                self.groups.setdefault(channel, set()).add(ws)
                joined.append(channel)
                seq = self.seqs.setdefault(channel, 0)
                await ws.send(json.dumps({"type": "subscribed", "channel": channel, "seq": seq}))
        except websockets.ConnectionClosed:
            pass
        finally:
            for channel in joined:
                self.groups.get(channel, set()).discard(ws)

    def fire(self, channel: str, sent_at: str) -> int:
        seq = self.seqs.get(channel, 0) + 1
        self.seqs[channel] = seq
        data = event_frame(channel, seq, sent_at)  # encoded once
        sockets = self.groups.get(channel, ())
        for ws in sockets:
            ws.transport.write(data)  # straight to the socket
        return len(sockets)

    async def control(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                parts = line.decode().split()
                if len(parts) == 3 and parts[0] == "fire":
                    self.fire(parts[1], parts[2])
                elif parts == ["seqs"]:
                    writer.write(json.dumps(self.seqs).encode() + b"\n")
                    await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


async def run(port: int, control_port: int) -> None:
    broadcast = Broadcast()
    control = await asyncio.start_server(broadcast.control, "127.0.0.1", control_port)
    async with serve(
        broadcast.handler, "127.0.0.1", port, compression=None, ping_interval=20, ping_timeout=20,
        backlog=2048,  # uvicorn's: a reconnect storm meets the same queue on both sides
    ) as server:
        print(f"baseline listening on {port}, control on {control_port}", flush=True)
        async with control:
            await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--control-port", type=int, required=True)
    args = parser.parse_args()
    try:
        import uvloop  # CPS runs on uvloop under uvicorn: compare like with like
    except ImportError:
        asyncio.run(run(args.port, args.control_port))
    else:
        uvloop.run(run(args.port, args.control_port))


if __name__ == "__main__":
    main()
