"""Which pooled PostgreSQL connections are pinged before use: those that sat idle.

SQLAlchemy's `pool_pre_ping` pings every connection on every checkout, and on
asyncpg a ping is three round trips (BEGIN, an empty query, ROLLBACK: the
transaction is there for PgBouncer's transaction mode). Every request checks out
a connection for its token and most a second for their work, so a post paid six
round trips of pinging: ~5 % of its CPU in the app, and as many statements in
PostgreSQL, to learn that a connection used milliseconds earlier still works.

Here a connection is pinged on checkout only when it was last checked in more
than `IDLE_PING` seconds ago: a quiet server pings as before (a restart, a
failover or a firewall's idle timeout is met before a request uses the
connection), a busy one pings almost never. What the ping no longer covers, a
connection that died within the last second, SQLAlchemy's disconnect handling
covers: the statement that meets the dead connection fails (a 503, as any
database failure), and the whole pool is recycled behind it, so the next request
gets a new connection. A failed ping invalidates the pool and takes a new
connection, as `pool_pre_ping` does.

`tests/storage/test_liveness.py` kills backends under the pool;
`tests/faults/test_postgres_outage.py` stops and freezes the server.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import AsyncEngine

IDLE_PING = 1.0  # seconds in the pool after which a connection is pinged before use
_CHECKED_IN = "cps_checked_in"


def ping_when_idle(engine: AsyncEngine) -> None:
    """Ping a connection of `engine` on checkout when it has been idle over `IDLE_PING`
    seconds (read when the engine is made)."""
    dialect, idle = engine.dialect, IDLE_PING

    @event.listens_for(engine.sync_engine, "connect")
    def _connected(_dbapi_connection: Any, record: Any) -> None:
        record.info[_CHECKED_IN] = time.monotonic()  # fresh: nothing to ping

    @event.listens_for(engine.sync_engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info[_CHECKED_IN] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get(_CHECKED_IN, 0.0) <= idle:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                # As pool_pre_ping: every pooled connection is suspect; take a new one.
                raise exc.InvalidatePoolError() from error
            raise
