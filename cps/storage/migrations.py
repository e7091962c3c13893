"""Run Alembic migrations from code (the CLI, `cps serve`, the tests)."""

from __future__ import annotations

import logging

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from cps.bundled import folder
from cps.storage.database import make_engine

log = logging.getLogger("cps.storage.migrations")

MIGRATIONS = folder("migrations")


def alembic_config() -> Config:
    """The settings the runner needs, made here: an installed CPS has no `alembic.ini`.

    `alembic.ini` at the top of the repository is for developers' `alembic` command line.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_current)
    finally:
        await engine.dispose()


async def _run(url: str, action: str, revision: str) -> None:
    config = alembic_config()
    engine = make_engine(url)

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        before = _current(connection)
        getattr(command, action)(config, revision)
        log.info(
            "migrations applied",
            extra={"action": action, "from": before, "to": _current(connection)},
        )

    try:
        async with engine.connect() as conn:
            await conn.run_sync(run)
            await conn.commit()
    finally:
        await engine.dispose()


async def upgrade(url: str, revision: str = "head") -> None:
    await _run(url, "upgrade", revision)


async def downgrade(url: str, revision: str) -> None:
    await _run(url, "downgrade", revision)
