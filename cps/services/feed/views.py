"""What the feed answers: organizations with the spaces the reader may see, and topics."""

from __future__ import annotations

from datetime import datetime

from cps.services.orgs.views import OrgView
from cps.services.views import View


class FeedSpace(View):
    id: int
    name: str
    visibility: str


class FeedOrganization(View):
    org: OrgView
    spaces: list[FeedSpace]


class FeedTopic(View):
    id: int
    title: str
    kind: str
    post_count: int
    last_activity_at: datetime
    space_id: int
    space_name: str
    org_id: int
    org_name: str
    org_verified: bool
    # A question's status (open, acknowledged, ...); null for a discussion.
    question_status: str | None


class Feed(View):
    organizations: list[FeedOrganization]
    latest: list[FeedTopic]
    open_questions: list[FeedTopic]
