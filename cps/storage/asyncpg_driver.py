"""PostgreSQL: the statements every post runs, on asyncpg itself.

Through SQLAlchemy a statement costs the app ~170-190 µs of CPU on asyncpg (the
session, the cache key, the execution context, the result); the same statement
on asyncpg's own connection ~60-90 µs (bench: a channel's event, an advisory
lock). A post runs a dozen, so SQLAlchemy was most of what a post cost the app
beyond the baseline's four statements (docs/scaling.md, "What one post costs").

`Direct` keeps the statement a SQLAlchemy Core construct (one source for both
databases; SQLite still runs it through SQLAlchemy) and compiles it once for
PostgreSQL: its SQL, its parameters in order and the values it binds itself.
`fetch` runs that on the asyncpg connection of the session's transaction, after
BEGIN (sent first if the transaction has not run a statement yet), under the
adapter's lock. Each value goes through its type's own conversion, the one
SQLAlchemy applies (UTCDateTime refuses a naive datetime, JSON is serialised),
into the same SQL SQLAlchemy sends (with its casts), so asyncpg encodes it as it
would for SQLAlchemy; a parameter that expands into a list (`IN`) is refused
when the statement is compiled. Rows come back as asyncpg gives them, without
SQLAlchemy's result conversions: the callers read integers.

An error is SQLAlchemy's, as if SQLAlchemy had run the statement: the adapter
translates asyncpg's exception, and the connection's own handler wraps it
(IntegrityError, OperationalError...), invalidates a lost connection and
recycles the pool behind it (cps/storage/liveness.py relies on that).

It reaches the adapter through `_execute_mutex`, `_transaction`,
`_start_transaction` and `_handle_exception`, and the connection's handler
through `Connection._handle_dbapi_exception`, as sqlite_driver.py reaches
aiosqlite's; tests/storage/test_asyncpg_driver.py pins them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler


class Unsupported(TypeError):
    """A statement this module cannot run (a parameter that expands into a list)."""


class _Compiled:
    __slots__ = ("convert", "fixed", "order", "sql")

    def __init__(self, statement: ClauseElement, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        self.sql: str = compiled.string
        self.order: tuple[str, ...] = tuple(compiled.positiontup or ())
        binds = {name: bind for bind, name in compiled.bind_names.items()}
        # Values the statement binds itself (a literal 1, 'tracking'): bound now.
        self.fixed: dict[str, Any] = {}
        self.convert: dict[str, Any] = {}
        for name in self.order:
            bind = binds[name]
            if bind.expanding:
                raise Unsupported(f"parameter {name!r} expands")
            if not bind.required:
                self.fixed[name] = bind.effective_value
            # The conversion SQLAlchemy applies before handing the value to asyncpg.
            self.convert[name] = bind.type.dialect_impl(dialect).bind_processor(dialect)

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        args = []
        for name in self.order:
            value = params[name] if name in params else self.fixed[name]
            convert = self.convert[name]
            args.append(value if convert is None or value is None else convert(value))
        return args


class Direct:
    """A Core statement run on PostgreSQL's driver (see the module's docstring)."""

    __slots__ = ("_compiled", "statement")

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: _Compiled | None = None

    def compiled(self, dialect: Dialect) -> _Compiled:
        if self._compiled is None:
            self._compiled = _Compiled(self.statement, dialect)
        return self._compiled

    async def fetch(self, session: AsyncSession | AsyncConnection, params: Mapping[str, Any]
                    ) -> Sequence[Any]:
        """The statement's rows (asyncpg records), in the session's transaction (or on
        the connection, as its isolation level has it: `Database.read_one`'s
        autocommit sends no BEGIN)."""
        conn = await session.connection() if isinstance(session, AsyncSession) else session
        compiled = self.compiled(conn.dialect)
        args = compiled.arguments(params)
        fairy = await conn.get_raw_connection()
        adapter: Any = fairy.dbapi_connection
        try:
            async with adapter._execute_mutex:
                if adapter._transaction is None:
                    await adapter._start_transaction()
                try:
                    rows: Sequence[Any] = await adapter._connection.fetch(compiled.sql, *args)
                except Exception as error:
                    adapter._handle_exception(error)  # raises the DBAPI's own error
        except Exception as error:
            await conn.run_sync(_raise_as_sqlalchemy, error, compiled.sql, args)
            raise  # not reached: the handler raised
        return rows

    async def scalar(self, session: AsyncSession | AsyncConnection,
                     params: Mapping[str, Any]) -> Any:
        """The first column of the first row (None: no row)."""
        rows = await self.fetch(session, params)
        return rows[0][0] if rows else None


def _raise_as_sqlalchemy(connection: Any, error: Exception, sql: str, args: list[Any]) -> None:
    """The error as SQLAlchemy raises it from a statement: wrapped, and a lost
    connection invalidated with the pool behind it."""
    try:
        raise error  # the handler reads the exception being handled (sys.exc_info)
    except Exception as handled:
        connection._handle_dbapi_exception(handled, sql, tuple(args), None, None)
