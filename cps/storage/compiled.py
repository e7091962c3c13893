"""A Core statement compiled once for one database, to be run on its driver itself.

SQLAlchemy compiles a statement, converts each bound value with its type's bind
processor, hands the SQL and the values to the driver, and converts each value of
each row with its type's result processor. `Compiled` keeps that compilation and
those conversions, so that a driver module (`asyncpg_driver.py`,
`sqlite_driver.py`) can run the statement without SQLAlchemy's per-statement
work (the session, the cache key, the execution context, the result object) and
still send the same SQL with the same values and answer the same values.

What SQLAlchemy works out at each execution is refused when the statement is
compiled: a parameter that expands into a list (`IN` of a bound list;
`portable.any_of` binds a list as one array instead), a value rendered into the
SQL, a column's Python default.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler


class Unsupported(TypeError):
    """A statement that cannot run past SQLAlchemy: something in it is worked out per
    execution (see the module's docstring)."""


def dialect_of(target: AsyncSession | AsyncConnection) -> Dialect:
    """The dialect a session or a connection speaks."""
    if isinstance(target, AsyncConnection):
        return target.dialect
    return target.get_bind().dialect


async def pooled(target: AsyncSession | AsyncConnection) -> PoolProxiedConnection:
    """The pooled DBAPI connection a session's statement runs on (BEGIN sent first if
    its transaction has not run a statement yet), or a connection's.

    Asking SQLAlchemy for it (`AsyncSession.connection`, then `get_raw_connection`)
    is two hops into its greenlet, ~50 µs of CPU on this project's benchmark
    machine: more than the statement a driver then runs. Once the transaction holds
    its connection (any statement after the first), it is read where SQLAlchemy
    keeps it (`SessionTransaction.connections`, public since 2.1.7), with no hop. A
    transaction that is no longer active (a failed flush) or a connection closed or
    invalidated takes the long way, which raises or reconnects as SQLAlchemy does."""
    if isinstance(target, AsyncSession):
        # The innermost: a savepoint holds no connection until it has used one, so
        # its first statement asks, and SQLAlchemy sends the SAVEPOINT.
        session = target.sync_session
        transaction = session.get_nested_transaction() or session.get_transaction()
        if transaction is not None and transaction.is_active:
            held = transaction.connections
            if len(held) == 1:
                (connection,) = held
                if not (connection.closed or connection.invalidated):
                    return connection.connection
        target = await target.connection()
    else:
        sync = target.sync_connection
        if sync is not None and not (sync.closed or sync.invalidated):
            return sync.connection
    return await target.get_raw_connection()


class Compiled:
    """The SQL of a statement for one dialect, its parameters in order with their
    conversions and the values it binds itself, and its columns' conversions."""

    __slots__ = ("convert", "fixed", "order", "results", "sql")

    def __init__(self, statement: ClauseElement, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        # What SQLAlchemy works out per execution has no fixed SQL or values here: a
        # column's Python default (computed when the row is written), a value
        # rendered into the SQL, a list expanded into `IN (...)`.
        late = [*(column.key for column in compiled.insert_prefetch),
                *(column.key for column in compiled.update_prefetch),
                *compiled.literal_execute_params, *compiled.post_compile_params]
        if late:
            raise Unsupported(f"{', '.join(sorted(map(str, late)))}: worked out per execution")
        self.sql: str = compiled.string
        self.order: tuple[str, ...] = tuple(compiled.positiontup or ())
        binds = {name: bind for bind, name in compiled.bind_names.items()}
        self.fixed: dict[str, Any] = {}  # a literal 1, 'watching': bound by the statement
        self.convert: dict[str, Any] = {}
        for name in self.order:
            bind = binds[name]
            if not bind.required:
                self.fixed[name] = bind.effective_value
            self.convert[name] = bind.type.dialect_impl(dialect).bind_processor(dialect)
        columns = compiled._result_columns or []
        self.results: list[Any] = [
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in columns]

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        """The values to send, in the statement's order, converted as SQLAlchemy would."""
        args = []
        for name in self.order:
            value = params[name] if name in params else self.fixed[name]
            convert = self.convert[name]
            args.append(value if convert is None else convert(value))
        return args

    def rows(self, raw: Sequence[Any]) -> list[tuple[Any, ...]]:
        """The driver's rows with each value converted as SQLAlchemy would."""
        results = self.results
        if not any(results):
            return [tuple(row) for row in raw]
        return [tuple(value if convert is None else convert(value)
                      for value, convert in zip(row, results, strict=True))
                for row in raw]


class Statement(ABC):
    """A Core statement, compiled for the first database it runs on (one per process),
    run by a driver module's `fetch`."""

    __slots__ = ("_compiled", "statement")

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: Compiled | None = None

    def compiled(self, dialect: Dialect) -> Compiled:
        if self._compiled is None:
            self._compiled = Compiled(self.statement, dialect)
        return self._compiled

    @abstractmethod
    async def fetch(self, session: AsyncSession | AsyncConnection,
                    params: Mapping[str, Any]) -> Sequence[Any]:
        """The statement's rows, converted as SQLAlchemy converts them."""

    async def scalar(self, session: AsyncSession | AsyncConnection,
                     params: Mapping[str, Any]) -> Any:
        """The first column of the first row (None: no row)."""
        rows = await self.fetch(session, params)
        return rows[0][0] if rows else None
