"""What the overviews answer."""

from __future__ import annotations

from cps.services.consensus.views import RoundView, StatementView
from cps.services.discussion.views import TopicView
from cps.services.feed.views import FeedTopic
from cps.services.following.views import FollowView
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


class ConsensusOverview(View):
    # The topic's newest round as `GET /consensus/{id}` answers it, or null.
    round: RoundView | None
    # What `GET /consensus/{id}/next` answers: for a signed-in reader of a round
    # taking votes, the statement to vote on next (null when none is left).
    next: StatementView | None


class TopicOverview(View):
    topic: TopicView
    # As `GET /spaces/{id}` answers it: with the reader's own ban or mute in force.
    space: SpaceView
    org: OrgView
    # The reader is one of the organization's officials (moves its questions).
    official: bool
    # The reader's level for the topic; null when not signed in.
    follow: FollowView | None
    consensus: ConsensusOverview


class SpaceOverview(View):
    # As `GET /spaces/{id}` answers it: with the reader's own ban or mute in force.
    space: SpaceView
    org: OrgView
    # The reader's level for the space; null when not signed in.
    follow: FollowView | None
