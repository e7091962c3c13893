"""What the tier services answer: entitlements and quotas."""

from __future__ import annotations

from typing import Literal

from cps.services.views import View

Tier = Literal["free", "plus", "premium"]


class Quota(View):
    limit: int | None
    usage: int


class Entitlements(View):
    capabilities: dict[str, bool]
    quotas: dict[str, Quota]




class PlanCapability(View):
    name: str
    label: str
    # Whether this tier has it, and whether CPS has built it yet: a capability
    # not built is never shown as included, whatever the table says.
    included: bool
    built: bool


class PlanQuota(View):
    name: str
    label: str
    limit: int | None  # None: unlimited


class PlanView(View):
    tier: Tier
    price: str | None  # None: "on request"
    capabilities: list[PlanCapability]
    quotas: list[PlanQuota]
