"""PostgreSQL: the statements every post runs, on asyncpg itself.

Through SQLAlchemy a statement costs the app ~170-190 µs of CPU on asyncpg (the
session, the cache key, the execution context, the result); the same statement
on asyncpg's own connection ~60-90 µs (bench: a channel's event, an advisory
lock). A post runs a dozen, so SQLAlchemy was most of what a post cost the app
beyond the baseline's four statements (docs/scaling.md, "What one post costs").

`Direct` keeps the statement a SQLAlchemy Core construct (one source for both
databases), compiled once (`compiled.py`: its SQL with SQLAlchemy's casts, its
parameters in order with their types' conversions, its columns' conversions).
`fetch` runs it on the asyncpg connection of the session's transaction, after
BEGIN (sent first if the transaction has not run a statement yet), under the
adapter's lock: asyncpg gets the values SQLAlchemy would give it, and the rows
are converted as SQLAlchemy converts them (plain tuples, read by position).

An error is SQLAlchemy's, as if SQLAlchemy had run the statement: the adapter
translates asyncpg's exception, and the connection's own handler wraps it
(IntegrityError, OperationalError...), invalidates a lost connection and
recycles the pool behind it (cps/storage/liveness.py relies on that).

`advisory_lock` sends a transaction's BEGIN with its first statement when that is
an advisory lock (a post's topic turn), in one round trip, and hands the adapter
a transaction of its own to end (`_Begun`).

It reaches the adapter through `_execute_mutex`, `_transaction`,
`_start_transaction`, `isolation_level`, `readonly`, `deferrable` and
`_handle_exception`, and the connection's handler
through `Connection._handle_dbapi_exception`, as sqlite_driver.py reaches
aiosqlite's; tests/storage/test_asyncpg_driver.py pins them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from cps.storage.compiled import Statement, dialect_of, pooled


class Direct(Statement):
    """A Core statement run on PostgreSQL's driver (see the module's docstring)."""

    __slots__ = ()

    async def fetch(self, session: AsyncSession | AsyncConnection, params: Mapping[str, Any]
                    ) -> Sequence[Any]:
        """The statement's rows, in the session's transaction (or on
        the connection, as its isolation level has it: `Database.read_one`'s
        autocommit sends no BEGIN)."""
        compiled = self.compiled(dialect_of(session))
        args = compiled.arguments(params)
        adapter: Any = (await pooled(session)).dbapi_connection
        try:
            async with adapter._execute_mutex:
                if adapter._transaction is None:
                    await adapter._start_transaction()
                try:
                    raw: Sequence[Any] = await adapter._connection.fetch(compiled.sql, *args)
                except Exception as error:
                    adapter._handle_exception(error)  # raises the DBAPI's own error
        except Exception as error:
            conn = await session.connection() if isinstance(session, AsyncSession) else session
            await conn.run_sync(_raise_as_sqlalchemy, error, compiled.sql, args)
            raise  # not reached: the handler raised
        return compiled.rows(raw)


class _Begun:
    """The transaction of SQLAlchemy's adapter when `advisory_lock` began it (asyncpg's
    own `Transaction` sends the same COMMIT and ROLLBACK)."""

    __slots__ = ("_connection",)

    def __init__(self, connection: Any) -> None:
        self._connection = connection

    async def start(self) -> None:  # the adapter's protocol; begun already
        raise RuntimeError("this transaction has begun")

    async def commit(self) -> None:
        await self._connection.execute("COMMIT;")

    async def rollback(self) -> None:
        await self._connection.execute("ROLLBACK;")


_BEGIN = {None: "BEGIN", "read_committed": "BEGIN ISOLATION LEVEL READ COMMITTED"}


async def advisory_lock(session: AsyncSession, key: int) -> None:
    """`pg_advisory_xact_lock(key)` in the session's transaction. As a transaction's
    first statement (a post takes its topic's turn first), its BEGIN goes with it:
    one simple query of two statements, one round trip where asyncpg's transaction
    makes two (the key, an int, is written into the SQL). The adapter then ends the
    transaction as it would its own (`_Begun`)."""
    adapter: Any = (await pooled(session)).dbapi_connection
    begin = _BEGIN.get(adapter.isolation_level)
    if (adapter._transaction is not None or begin is None or adapter.readonly
            or adapter.deferrable):
        await _LOCK.fetch(session, {"key": key})
        return
    sql = f"{begin}; SELECT pg_advisory_xact_lock({int(key)});"
    connection = adapter._connection
    try:
        async with adapter._execute_mutex:
            adapter._transaction = _Begun(connection)
            try:
                await _simple(connection, sql)
            except Exception as error:
                if not connection.is_in_transaction():
                    adapter._transaction = None  # nothing begun: nothing to end
                adapter._handle_exception(error)
    except Exception as error:
        conn = await session.connection() if isinstance(session, AsyncSession) else session
        await conn.run_sync(_raise_as_sqlalchemy, error, sql, [])
        raise  # not reached: the handler raised


async def _simple(connection: Any, sql: str) -> None:
    """Statements without parameters in one round trip (PostgreSQL's simple query)."""
    await connection.execute(sql)


def _raise_as_sqlalchemy(connection: Any, error: Exception, sql: str, args: list[Any]) -> None:
    """The error as SQLAlchemy raises it from a statement: wrapped, and a lost
    connection invalidated with the pool behind it."""
    try:
        raise error  # the handler reads the exception being handled (sys.exc_info)
    except Exception as handled:
        connection._handle_dbapi_exception(handled, sql, tuple(args), None, None)


_LOCK = Direct(text("SELECT pg_advisory_xact_lock(:key)"))
