"""Security tests: one application per module, served by uvicorn in the test's
event loop (real WebSockets), with a world of organizations, spaces and people
built once and shared by the module's many parametrized cases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from cps.app import create_app
from cps.services.context import Context
from tests.support import databases, direct
from tests.support.api import PASSWORD, Api, User
from tests.support.asgi import WithState
from tests.support.servers import InProcessServer, in_process
from tests.support.settings import BEHIND_PROXY, make_settings

__all__ = ["PASSWORD", "Site"]


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    """Module-wide: the module's server and world live in one event loop."""
    return "asyncio"


@pytest.fixture(scope="module")
def module_database(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    return databases.sqlite_copy(sqlite_template, tmp_path_factory.mktemp("security"))


@dataclass
class Site:
    """A running application: its server, an HTTP client on it, the API helper."""

    server: InProcessServer
    transport: httpx.ASGITransport  # the app itself, in this process
    http: httpx.AsyncClient
    api: Api
    users: dict[str, User] = field(default_factory=dict)

    @property
    def ctx(self) -> Context:
        ctx = self.server.state["ctx"]
        assert isinstance(ctx, Context)
        return ctx

    @property
    def ws_url(self) -> str:
        return self.server.ws_url

    async def platform_admin(self) -> User:
        return await direct.platform_admin(self.ctx, self.api)


@pytest.fixture(scope="module")
async def site(module_database: str) -> AsyncIterator[Site]:
    settings = make_settings(module_database, **BEHIND_PROXY)  # as a server's
    app = create_app(settings)
    async with in_process(app, ws_max_size=settings.ws_max_frame_bytes) as server:
        transport = httpx.ASGITransport(app=WithState(app, server.state))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver",
                                     timeout=30) as http:
            yield Site(server, transport, http, Api(http))
