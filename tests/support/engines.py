"""One SQL statement cache for every engine of a test process, as a server has.

A server makes one engine (cps/storage/database.py `make_engine`) and keeps it: each
statement is compiled to SQL once, then found in the engine's cache. The suite makes
an engine for every test (an app per test, each on an event loop of its own), each
with an empty cache, and so compiled every statement again in every test: about a
third of a test process's CPU. `share` has each engine made after the first of its
kind (SQLite or PostgreSQL) use that first one's dialect (which the cache's keys
hold) and its cache. Only the compiling is shared: each engine keeps its own pool,
connections and settings.

A dialect is shared only once its first connection has read the server's version
and defaults (`Dialect.initialize`), so no engine compiles for an unknown server."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.ext.asyncio import create_async_engine as _create

from cps.storage import database

_first: dict[type[Dialect], Engine] = {}


def _shared(url: Any, **kwargs: Any) -> AsyncEngine:
    made: AsyncEngine = _create(url, **kwargs)
    engine = made.sync_engine
    kind = type(engine.dialect)
    first = _first.get(kind)
    if first is not None:
        engine.dialect = first.dialect
        engine.pool._dialect = first.dialect
        engine._compiled_cache = first._compiled_cache
        return made

    # SQLAlchemy's own first-connect listener, added before this one, initializes it.
    @event.listens_for(engine.pool, "connect")
    def initialized(*_: Any) -> None:
        _first.setdefault(kind, engine)

    return made


def share() -> None:
    """From now on, the engines `make_engine` makes share their compiling."""
    # The name `make_engine` calls (cps.storage.database imports it from SQLAlchemy).
    setattr(database, "create_async_engine", _shared)  # noqa: B010
