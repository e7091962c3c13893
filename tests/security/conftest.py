"""Security tests: one application per module, served by uvicorn in the test's
event loop (real WebSockets), with a world of organizations, spaces and people
built once and shared by the module's many parametrized cases."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from cps.app import create_app
from cps.config import Settings, load_settings
from cps.services.accounts import identity
from cps.services.context import Context
from tests.support import databases
from tests.support.api import PREFIX, Api, User
from tests.support.asgi import WithState
from tests.support.servers import InProcessServer, in_process, server_env

PASSWORD = "correct horse battery"
_admins = itertools.count(1)


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    """Module-wide: the module's server and world live in one event loop."""
    return "asyncio"


@pytest.fixture(scope="module")
def module_database(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    return databases.sqlite_copy(sqlite_template, tmp_path_factory.mktemp("security"))


def security_settings(database_url: str, **env: str) -> Settings:
    return load_settings({**server_env(database_url), **env})


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
        email = f"secretariat{next(_admins)}@example.org"
        await identity.create_admin(self.ctx, email=email, password=PASSWORD)
        r = await self.http.post(f"{PREFIX}/auth/login",
                                 json={"email": email, "password": PASSWORD})
        assert r.status_code == 200, r.text
        self.http.cookies.clear()
        body = r.json()
        return User(body["user"]["id"], email, body["token"], body["user"]["display_name"])


@pytest.fixture(scope="module")
async def site(module_database: str) -> AsyncIterator[Site]:
    settings = security_settings(module_database)
    app = create_app(settings)
    async with in_process(app, ws_max_size=settings.ws_max_frame_bytes) as server:
        transport = httpx.ASGITransport(app=WithState(app, server.state))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver",
                                     timeout=30) as http:
            yield Site(server, transport, http, Api(http))
