"""Fixtures for the live tests: real servers on real sockets.

Single-process tests run over SQLite with the in-process broker AND over
PostgreSQL with Redis (a private redis-server per module). Each module gets
its own databases and its own server per backend; every test builds its own
users, spaces and topics, so tests do not see each other's events.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from cps.app import create_app
from cps.live.transport import PROTOCOL_PATH
from tests.support import databases
from tests.support.api import Api
from tests.support.servers import (
    AppServer,
    InProcessServer,
    RedisServer,
    in_process,
    private_redis,
)
from tests.support.settings import BEHIND_PROXY, make_settings


@dataclass(frozen=True)
class Backend:
    name: str
    database_url: str
    redis_url: str | None


@pytest.fixture(scope="module")
def pg_database() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for the module."""
    with databases.migrated_pg_database("cps_live") as url:
        yield url


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A private redis-server for the module (pub/sub channels are global to a
    server, so the shared one would mix in other runs' `topic:1`)."""
    with private_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture(scope="module", params=["sqlite-memory", "postgresql-redis"])
def backend(request: pytest.FixtureRequest, sqlite_template: Path,
            tmp_path_factory: pytest.TempPathFactory) -> Backend:
    if request.param == "sqlite-memory":
        url = databases.sqlite_copy(sqlite_template, tmp_path_factory.mktemp("sqlite"))
        return Backend(request.param, url, None)
    redis: RedisServer = request.getfixturevalue("redis_server")
    return Backend(request.param, request.getfixturevalue("pg_database"), redis.url)


@pytest.fixture(scope="module")
def server(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """One `cps serve` process on the module's backend."""
    app = AppServer(tmp_path_factory.mktemp("app"), database_url=backend.database_url,
                    redis_url=backend.redis_url)
    databases.run_sync(app.start())
    yield app
    app.stop()


@pytest.fixture
async def http(server: AppServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as client:
        yield client


@pytest.fixture
def api(http: httpx.AsyncClient) -> Api:
    """The public API of the module's server, over real HTTP."""
    return Api(http)


InProcessFactory = Callable[..., AbstractAsyncContextManager[InProcessServer]]


@pytest.fixture
def in_process_server(backend: Backend) -> InProcessFactory:
    """`async with in_process_server(ws_send_queue_bytes=...) as srv:` the app served
    by uvicorn in the test's own event loop, with `srv.state["ctx"]` at hand and
    any setting replaced."""

    @asynccontextmanager
    async def start(send_buffer: int | None = None, ws: str = PROTOCOL_PATH,
                    **overrides: Any) -> AsyncIterator[InProcessServer]:
        settings = dataclasses.replace(
            make_settings(backend.database_url, backend.redis_url, **BEHIND_PROXY),
            **overrides)
        async with in_process(create_app(settings), settings=settings,
                              send_buffer=send_buffer, ws=ws) as srv:
            yield srv

    return start
