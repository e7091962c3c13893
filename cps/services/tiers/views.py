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


