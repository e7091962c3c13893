"""Alembic environment: async engine, URL from CPS configuration.

`cps.storage.migrations` passes an open connection in
`config.attributes["connection"]`; the `alembic` command line opens its own.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from cps.storage import schema
from cps.storage.database import make_engine
from cps.storage.search import is_index_table

config = context.config
target_metadata = schema.metadata()


def _include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Autogenerate leaves the search indexes alone: they are no models (storage/search.py)."""
    return not (type_ == "table" and name is not None and is_index_table(name))


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=_include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_own_engine() -> None:
    from cps.config import load_settings

    url = config.get_main_option("sqlalchemy.url") or load_settings().database_url
    engine = make_engine(url)
    async with engine.connect() as conn:
        await conn.run_sync(_configure)
        await conn.commit()
    await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("CPS migrations run online only")

connection = config.attributes.get("connection")
if connection is None:
    asyncio.run(_run_with_own_engine())
else:
    _configure(connection)
