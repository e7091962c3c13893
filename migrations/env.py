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

config = context.config
target_metadata = schema.metadata()


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
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
