"""Run the app's lifespan in-process and talk to it with httpx."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from starlette.types import ASGIApp, Message, Receive, Scope, Send


@asynccontextmanager
async def running(app: ASGIApp) -> AsyncIterator[dict[str, Any]]:
    """Start the lifespan, yield its state, shut it down."""
    state: dict[str, Any] = {}
    to_app: asyncio.Queue[Message] = asyncio.Queue()
    from_app: asyncio.Queue[Message] = asyncio.Queue()

    async def receive() -> Message:
        return await to_app.get()

    async def send(message: Message) -> None:
        await from_app.put(message)

    task: asyncio.Future[None] = asyncio.ensure_future(
        app({"type": "lifespan", "state": state, "asgi": {"version": "3.0"}}, receive, send))
    await to_app.put({"type": "lifespan.startup"})
    started = await from_app.get()
    if started["type"] != "lifespan.startup.complete":
        raise RuntimeError(f"startup failed: {started}")
    try:
        yield state
    finally:
        await to_app.put({"type": "lifespan.shutdown"})
        await from_app.get()
        await task


class WithState:
    """Gives every request a copy of the lifespan state, as uvicorn does."""

    def __init__(self, app: ASGIApp, state: dict[str, Any]) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app({**scope, "state": dict(self.state)}, receive, send)


def client(app: ASGIApp, state: dict[str, Any], **kwargs: Any) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=WithState(app, state))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver", **kwargs)
