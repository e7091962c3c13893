"""Where the files that travel with the code are: Alembic's `migrations/` and the `web/` app.

The source tree keeps them at the top of the repository, beside `cps/`, and an editable
install runs from there. A wheel carries them inside the package, as `cps/migrations/` and
`cps/web/` (`setup.py` lists them as packages, `[tool.setuptools.package-dir]` in
`pyproject.toml` maps them), so an installed CPS reads nothing outside site-packages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

PACKAGE = Path(__file__).resolve().parent


def folder(name: Literal["migrations", "web"]) -> Path:
    """`name` inside the installed package, else beside it in the source tree."""
    for candidate in (PACKAGE / name, PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"{name}/ is neither inside {PACKAGE} nor beside it")
