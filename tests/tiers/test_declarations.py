"""Every endpoint that creates or changes something declares its entitlement."""

from __future__ import annotations

import ast
import inspect

import cps.live.endpoint
from cps.http.api import Call, Endpoint
from cps.http.routes import all_endpoints
from cps.services.tiers import plans


def undeclared(endpoints: list[Endpoint]) -> list[str]:
    """State-changing endpoints whose entitlement is neither a capability of the
    table nor a reviewed "none" (plans.EXPLICIT_NONE)."""
    problems = []
    for ep in endpoints:
        if not ep.changes_state:
            continue
        key = (ep.method, ep.path)
        if ep.entitlement == "none":
            if key not in plans.EXPLICIT_NONE:
                problems.append(f"{ep.method} {ep.path}: 'none' not reviewed in EXPLICIT_NONE")
        elif ep.entitlement not in plans.CAPABILITIES:
            problems.append(f"{ep.method} {ep.path}: unknown capability {ep.entitlement!r}")
        elif key in plans.EXPLICIT_NONE:
            problems.append(f"{ep.method} {ep.path}: in EXPLICIT_NONE but needs "
                            f"{ep.entitlement!r}")
    return problems


def test_every_state_changing_endpoint_declares_its_entitlement() -> None:
    assert undeclared(all_endpoints()) == []


def test_every_capability_named_by_an_endpoint_is_in_the_table() -> None:
    named = {ep.entitlement for ep in all_endpoints()} - {"none"}
    assert named <= set(plans.CAPABILITIES)


def test_every_reviewed_none_is_a_declared_endpoint() -> None:
    declared = {(ep.method, ep.path) for ep in all_endpoints()}
    assert set(plans.EXPLICIT_NONE) - declared == set()


async def _handler(call: Call) -> None:
    return None


def test_the_check_catches_an_endpoint_left_at_the_default() -> None:
    forgotten = Endpoint("POST", "/orgs/{org_id:int}/polls", _handler, "Open a poll")
    misspelled = Endpoint("DELETE", "/x", _handler, "x", entitlement="pols")
    reading = Endpoint("GET", "/orgs/{org_id:int}/polls", _handler, "Polls")
    assert undeclared([forgotten, misspelled, reading]) == [
        "POST /orgs/{org_id:int}/polls: 'none' not reviewed in EXPLICIT_NONE",
        "DELETE /x: unknown capability 'pols'",
    ]


def test_the_table_is_complete_and_ordered() -> None:
    for capability, by_tier in plans.CAPABILITIES.items():
        assert set(by_tier) == set(plans.TIERS), capability
        # A higher tier never loses a capability.
        allowed = [by_tier[t] for t in plans.TIERS]
        assert allowed == sorted(allowed), capability
    for quota, limit_by_tier in plans.QUOTAS.items():
        assert set(limit_by_tier) == set(plans.TIERS), quota
        limits = [float("inf") if n is None else n
                  for n in (limit_by_tier[t] for t in plans.TIERS)]
        assert limits == sorted(limits), quota


def test_the_price_list_numbers() -> None:
    assert plans.QUOTAS["public_spaces"] == {"free": 3, "plus": 20, "premium": None}
    assert plans.QUOTAS["moderators_per_space"] == {"free": 2, "plus": 10, "premium": None}
    assert plans.lowest_tier_with("private_spaces") == "plus"
    assert plans.lowest_tier_with("analytics") == "premium"


def websocket_frame_types() -> set[str]:
    """The frame types /ws dispatches on: every string its handler compares `kind` with."""
    tree = ast.parse(inspect.getsource(cps.live.endpoint))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and isinstance(node.left, ast.Name) \
                and node.left.id == "kind":
            for side in node.comparators:
                found |= {c.value for c in ast.walk(side)
                          if isinstance(c, ast.Constant) and isinstance(c.value, str)}
    return found


def test_every_websocket_frame_type_declares_its_entitlement() -> None:
    found = websocket_frame_types()
    assert "subscribe" in found  # the scan still sees the dispatcher
    assert found == set(plans.WEBSOCKET_FRAMES)
    for frame, needs in plans.WEBSOCKET_FRAMES.items():
        assert needs == "none" or needs in plans.CAPABILITIES, frame
