"""The whole schema as the models declare it: what Alembic compares migrations with.

Models live beside the statements that read them: most in `models.py`, and a new
capability may keep its own in a storage module of its own (`cps/storage/<name>.py`,
on the same `Base`). `metadata()` imports every module of `cps.storage` first, so a
model is part of the schema wherever it is declared, without a list to keep.
"""

from __future__ import annotations

import importlib
import pkgutil

from sqlalchemy import MetaData

import cps.storage
from cps.storage.models import Base


def metadata() -> MetaData:
    for module in pkgutil.iter_modules(cps.storage.__path__):
        importlib.import_module(f"cps.storage.{module.name}")
    return Base.metadata
