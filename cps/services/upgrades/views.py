"""What the upgrade services answer: requests and the history of tier changes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from cps.services.accounts.views import Author
from cps.services.tiers.views import Tier
from cps.services.views import View

RequestStatus = Literal["pending", "approved", "rejected"]


class UpgradeRequestView(View):
    id: int
    org_id: int
    org_name: str
    tier: Tier
    note: str
    status: RequestStatus
    requested_by: Author
    created_at: datetime
    decided_by: Author | None
    decided_at: datetime | None
    reason: str | None


class TierChangeView(View):
    id: int
    org_id: int
    from_tier: Tier
    to_tier: Tier
    changed_by: Author
    reason: str
    request_id: int | None
    created_at: datetime
