"""What the report services answer: analytics and exports."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from cps.services.accounts.views import Author, OfficialBadge, StakeholderType
from cps.services.orgs.views import Visibility
from cps.services.responsiveness.views import AnswererResponsiveness, QuestionResponsiveness
from cps.services.views import View


class DayActivity(View):
    day: date
    posts: int
    topics: int
    participants: int


class StakeholderShare(View):
    stakeholder_type: StakeholderType
    participants: int
    posts: int


class Durations(View):
    """Seconds; None when nothing was measured."""

    median_seconds: float | None
    p90_seconds: float | None


class ResponseTimes(Durations):
    answered: int
    unanswered: int


class FlagHandling(Durations):
    resolved: int
    open: int


class Totals(View):
    topics: int
    posts: int
    participants: int
    flags: int
    hidden_posts: int


class AnalyticsView(View):
    scope: str  # "org" or "space"
    org_id: int
    space_id: int | None
    days: int
    since: datetime
    until: datetime
    totals: Totals
    participation: list[DayActivity]
    stakeholders: list[StakeholderShare]
    response_times: ResponseTimes
    flag_handling: FlagHandling
    # The public responsiveness figures (docs/accountability.md), of the questions
    # asked in the window, split by question and by who answered.
    responsiveness_by_topic: list[QuestionResponsiveness]
    responsiveness_by_official: list[AnswererResponsiveness]


ExportFormat = Literal["json", "csv"]


PostStatus = Literal["visible", "hidden", "pending", "rejected", "deleted"]


class ExportSpace(View):
    id: int
    org_id: int
    org_name: str
    name: str
    description: str
    visibility: Visibility
    created_at: datetime


class ExportAuthor(Author):
    # The author is an official of the space's organization, as of the export.
    official: OfficialBadge | None = None


class ExportPost(View):
    id: int
    parent_id: int | None
    depth: int
    author: ExportAuthor
    created_at: datetime
    edited_at: datetime | None
    status: PostStatus
    hidden_reason: str | None
    # None for a deleted post: its text is gone.
    body: str | None
    reactions: dict[str, int]


class ExportTopic(View):
    id: int
    title: str
    author: Author
    created_at: datetime
    last_activity_at: datetime
    pinned: bool
    locked: bool
    archived: bool
    posts: list[ExportPost]


class ExportDocument(View):
    space: ExportSpace
    exported_at: datetime
    topics: list[ExportTopic]
