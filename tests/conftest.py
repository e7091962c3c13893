"""Fixtures: every storage test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cps.app import create_app
from cps.config import Settings
from cps.services.context import Context
from tests.support import asgi, databases, engines
from tests.support.api import Api
from tests.support.servers import InProcessServer, in_process, shared_redis_answers
from tests.support.settings import make_settings

os.environ.setdefault("CPS_PASSWORD_PROFILE", "test")
engines.share()  # every test's engine compiles into one statement cache (tests/support/engines.py)

# The `postgresql` and `redis` marks, and `--lane` (README, Testing).
pytest_plugins = ("tests.lanes",)


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):
        # The run's first process names the run before xdist starts the workers, which
        # inherit it (a pytest started inside a test names a run of its own).
        os.environ[databases.RUN_VAR] = databases.new_run_id()


def pytest_sessionfinish(session: pytest.Session) -> None:
    if not hasattr(session.config, "workerinput"):
        databases.drop_run_databases_if_any()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def shared_redis_up() -> bool:
    """Whether the machine's Redis answers (tests that need it skip otherwise)."""
    return shared_redis_answers()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return databases.sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def pg_session_url() -> Iterator[str]:
    with databases.migrated_pg_database("cps_test") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path
) -> str:
    if request.param == "sqlite":
        return databases.sqlite_copy(sqlite_template, tmp_path)
    url: str = request.getfixturevalue("pg_session_url")
    databases.empty_pg(url)
    return url


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture
async def running_app(settings: Settings) -> AsyncIterator[tuple[Any, dict[str, Any]]]:
    app = create_app(settings)
    async with asgi.running(app) as state:
        yield app, state


@pytest.fixture
def ctx(running_app: tuple[Any, dict[str, Any]]) -> Context:
    """The running app's services context, to reach past the API."""
    context: Context = running_app[1]["ctx"]
    return context


@pytest.fixture
async def http(running_app: tuple[Any, dict[str, Any]]) -> AsyncIterator[httpx.AsyncClient]:
    app, state = running_app
    async with asgi.client(app, state) as client:
        yield client


@pytest.fixture
def api(http: httpx.AsyncClient) -> Api:
    return Api(http)


@pytest.fixture
async def served_app(settings: Settings) -> AsyncIterator[InProcessServer]:
    """The app served by uvicorn in the test's loop, for tests that need real sockets
    (WebSockets) next to the API."""
    async with in_process(create_app(settings), settings=settings) as srv:
        yield srv


@pytest.fixture
async def live_api(served_app: InProcessServer) -> AsyncIterator[Api]:
    """The public API of `served_app`, over real HTTP."""
    async with httpx.AsyncClient(base_url=served_app.base_url, timeout=10) as client:
        yield Api(client)
