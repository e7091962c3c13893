"""Fixtures for the API tests: direct access to the app's context, clients with
another base URL or client address, and a way to put an organization on a tier."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from tests.support.asgi import WithState

AppState = tuple[Any, dict[str, Any]]
ClientFactory = Callable[..., Any]



@pytest.fixture
def client_for(running_app: AppState) -> ClientFactory:
    """`async with client_for(base_url=..., client=(host, port)) as c:` another client
    on the same running app."""
    app, state = running_app

    @asynccontextmanager
    async def make(
        base_url: str = "http://testserver", client: tuple[str, int] = ("127.0.0.1", 123)
    ) -> AsyncIterator[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=WithState(app, state), client=client)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as c:
            yield c

    return make
