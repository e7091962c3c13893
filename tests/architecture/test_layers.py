"""The layers hold: the contracts in pyproject.toml are kept by the code as it is,
and each one breaks when someone adds the arrow it forbids."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import grimp
import pytest
from importlinter import configuration
from importlinter.contracts.acyclic_siblings import AcyclicSiblingsContract
from importlinter.contracts.layers import LayersContract
from importlinter.domain.contract import Contract

ROOT = Path(__file__).resolve().parents[2]
configuration.configure()  # import-linter's own settings (its timer), as its CLI does
KINDS: dict[str, type[Contract]] = {"layers": LayersContract,
                                    "acyclic_siblings": AcyclicSiblingsContract}


def _settings() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as f:
        settings: dict[str, Any] = tomllib.load(f)["tool"]["importlinter"]
    return settings


def _contracts() -> list[Contract]:
    settings = _settings()
    session = {"root_packages": [settings["root_package"]]}
    return [
        KINDS[options["type"]](name=options["name"], session_options=session,
                               contract_options={k: str(v) if isinstance(v, bool) else v
                                                 for k, v in options.items()
                                                 if k not in ("name", "type")})
        for options in settings["contracts"]
    ]


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("cps", cache_dir=None)


def _broken(graph: grimp.ImportGraph) -> list[str]:
    return [c.name for c in _contracts() if not c.check(graph, verbose=False).kept]


def test_the_code_keeps_every_contract(graph: grimp.ImportGraph) -> None:
    assert [c.name for c in _contracts()] and _broken(graph) == []


def test_a_new_services_package_must_take_its_place_in_the_layers(
    graph: grimp.ImportGraph,
) -> None:
    graph.add_module("cps.services.unplaced")
    try:
        assert any(name.startswith("Services") for name in _broken(graph))
    finally:
        graph.remove_module("cps.services.unplaced")


@pytest.mark.parametrize(("importer", "imported", "contract"), [
    # Storage reaching up into the rules, the rules into the edge.
    ("cps.storage.models", "cps.services.context", "Arrows point down"),
    ("cps.services.discussion.posts", "cps.http.api", "Arrows point down"),
    ("cps.broker.hub", "cps.services.events.journal", "Arrows point down"),
    # One edge through another: /ws taking helpers from the HTTP routes.
    ("cps.live.endpoint", "cps.http.auth", "Arrows point down"),
    # A lower domain reaching into a higher one (posts into moderation).
    ("cps.services.discussion.posts", "cps.services.moderation.flags", "Services"),
    ("cps.services.events.journal", "cps.services.accounts.identity", "Services"),
    # Two modules of one package importing each other.
    ("cps.services.moderation.decisions", "cps.services.moderation.flags", "No cycle"),
])
def test_an_arrow_back_up_breaks_a_contract(
    graph: grimp.ImportGraph, importer: str, imported: str, contract: str
) -> None:
    assert _broken(graph) == []
    graph.add_import(importer=importer, imported=imported)
    try:
        assert any(name.startswith(contract) for name in _broken(graph)), (importer, imported)
    finally:
        graph.remove_import(importer=importer, imported=imported)
