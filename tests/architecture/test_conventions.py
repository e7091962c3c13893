"""The conventions of the services layer that imports alone do not show
(docs/architecture.md): response models in a package's views.py, no branching on
the database in the rules, channel names written only by events.channels."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from pathlib import Path

import pytest

SERVICES = Path(__file__).resolve().parents[2] / "cps" / "services"


def _modules() -> list[Path]:
    return sorted(SERVICES.rglob("*.py"))


def _models_outside_views(source: str) -> list[str]:
    """Classes deriving from a model base (View, BaseModel) in a module."""
    tree = ast.parse(source)
    return [
        node.name for node in tree.body if isinstance(node, ast.ClassDef)
        and any(isinstance(b, ast.Name) and b.id in {"View", "BaseModel"} for b in node.bases)
    ]


DIALECT = re.compile(r"\bdialect\b|\bpostgresql\b|\bsqlite\b|get_bind\(")
CHANNEL = re.compile(r"""["'](?:space|topic|user):(?:\{|["'])""")


def _code(source: str) -> str:
    """The source without its docstrings and comments (they may name anything)."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            body[0] = ast.Pass()
    return ast.unparse(tree)


def test_response_models_live_in_views_modules() -> None:
    strays = {
        str(p.relative_to(SERVICES)): names for p in _modules()
        if p.name != "views.py" and (names := _models_outside_views(p.read_text()))
    }
    assert strays == {}


def test_no_service_branches_on_the_database() -> None:
    branching = [str(p.relative_to(SERVICES)) for p in _modules()
                 if DIALECT.search(_code(p.read_text()))]
    assert branching == []


def test_channel_names_are_written_only_by_events_channels() -> None:
    by_hand = [str(p.relative_to(SERVICES)) for p in _modules()
               if p != SERVICES / "events" / "channels.py" and CHANNEL.search(p.read_text())]
    assert by_hand == []


@pytest.mark.parametrize(("source", "check"), [
    ("class Thing(View):\n    x: int\n", lambda s: _models_outside_views(s) == ["Thing"]),
    ("if session.get_bind().dialect.name == 'postgresql':\n    pass\n",
     lambda s: DIALECT.search(_code(s)) is not None),
    ("def f(i: int) -> str:\n    return f\"topic:{i}\"\n",
     lambda s: CHANNEL.search(s) is not None),
    ('"""Mentions postgresql in prose only."""\n', lambda s: DIALECT.search(_code(s)) is None),
])
def test_each_check_sees_what_it_forbids(source: str, check: Callable[[str], bool]) -> None:
    assert check(source)
