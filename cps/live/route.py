"""/ws, served ahead of the HTTP middleware and the router.

Those only pass a WebSocket through, but every layer an ASGI call goes
through stays on the socket's stack for its whole life: a dozen coroutine
frames, kilobytes per socket. The live endpoint is therefore the first thing
the application tries; everything else goes on as before.
"""

from __future__ import annotations

from typing import Final

from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

from cps.live.endpoint import websocket_endpoint

PATH: Final = "/ws"


class LiveRoute:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and _route_path(scope) == PATH:
            await websocket_endpoint(WebSocket(scope, receive, send))
            return
        await self.app(scope, receive, send)


def _route_path(scope: Scope) -> str:
    """The path below the application's mount point, as Starlette's router sees it."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path
