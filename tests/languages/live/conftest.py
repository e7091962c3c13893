"""The live tests' servers (tests/live/conftest.py): SQLite with the in-process
broker, and PostgreSQL with a private Redis."""

from tests.live.conftest import (  # noqa: F401 (fixtures)
    api,
    backend,
    http,
    pg_database,
    redis_server,
    server,
)
