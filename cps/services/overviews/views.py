"""What the overviews answer."""

from __future__ import annotations

from cps.services.feed.views import FeedTopic
from cps.services.officials.views import OfficialView
from cps.services.orgs.views import OrgView, SpaceView
from cps.services.upgrades.views import TierChangeView, UpgradeRequestView
from cps.services.views import View


class OrgOverview(View):
    org: OrgView
    # The spaces the reader may see now (private ones: members, moderators, admins).
    spaces: list[SpaceView]
    # The newest activity, and the questions still waiting, in those spaces only.
    latest: list[FeedTopic]
    open_questions: list[FeedTopic]
    officials: list[OfficialView]
    # The organization's admins and platform admins only; null for everyone else.
    upgrade_requests: list[UpgradeRequestView] | None
    tier_changes: list[TierChangeView] | None
