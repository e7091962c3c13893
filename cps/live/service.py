"""Placeholder wiring replaced by the live layer (issue 3)."""

from __future__ import annotations

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from cps.config import Settings
from cps.services.context import Context
from cps.services.events import EventRecord
from cps.storage.database import Database


class _Sink:
    async def publish(self, event: EventRecord) -> None:
        return None


class LiveService:
    def __init__(self, settings: Settings, db: Database) -> None:
        self.sink = _Sink()

    async def start(self, ctx: Context) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def broker_ready(self) -> bool:
        return True

    @staticmethod
    def route() -> WebSocketRoute:
        async def ws(websocket: WebSocket) -> None:
            await websocket.close()

        return WebSocketRoute("/ws", ws)
