"""Plans tests: the platform admin of tests/tiers."""

from __future__ import annotations

from tests.tiers.conftest import platform_admin, set_tier

__all__ = ["platform_admin", "set_tier"]
