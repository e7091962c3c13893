"""Fixtures for the fault tests: private Redis, fresh databases, servers that are
stopped (and their logs shown) whatever happens to the test."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import databases
from tests.support.postgres import PrivatePostgres
from tests.support.servers import AppServer, RedisServer, private_redis


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A private redis-server, to stop and restart."""
    with private_redis(tmp_path) as server:
        yield server


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, migrated database on the shared PostgreSQL."""
    with databases.migrated_pg_database("cps_faults") as url:
        yield url


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """A PostgreSQL cluster of this test's own, started."""
    if shutil.which("su") is None or os.geteuid() != 0:
        pytest.skip("a private cluster needs root, to run initdb and pg_ctl as postgres")
    cluster = PrivatePostgres()
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


ServeFactory = Callable[..., AppServer]


@pytest.fixture
def serve(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[ServeFactory]:
    """`serve(database_url=..., redis_url=..., ...)` makes an `AppServer` (not
    started); every one is stopped at the end, and its log printed if the test failed."""
    made: list[AppServer] = []

    def make(**kwargs: Any) -> AppServer:
        server = AppServer(tmp_path / f"serve{len(made)}", **kwargs)
        made.append(server)
        return server

    yield make
    for server in made:
        server.stop()
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        for server in made:
            print(f"--- log of cps serve on port {server.port} ---\n{server.log()}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report
