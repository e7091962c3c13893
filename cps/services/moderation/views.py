"""What the moderation services answer (also the API's response schemas)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from cps.services.accounts.views import Author
from cps.services.discussion.views import FlagReason, PostView
from cps.services.orgs.views import TopicPolicy
from cps.services.views import View

WordFilterMode = Literal["off", "block", "review"]
SanctionKind = Literal["mute", "ban"]
AppealKind = Literal["post", "ban"]
AppealStatus = Literal["open", "upheld", "overturned"]
FlagOutcome = Literal["hidden", "dismissed"]


class WordFilterSettings(View):
    mode: WordFilterMode
    words: list[str]


class ModerationSettings(View):
    space_id: int
    topic_policy: TopicPolicy
    flag_threshold: int
    word_filter: WordFilterSettings
    premoderation_posts: int
    slow_mode_seconds: int
    # Days to answer a question asked in the space (every tier; docs/accountability.md).
    response_target_days: int
    # Whether the organization's tier has the word filter, pre-moderation and slow mode.
    tools_available: bool


class SanctionView(View):
    id: int
    space_id: int
    user: Author
    kind: SanctionKind
    reason: str
    created_at: datetime
    expires_at: datetime | None
    active: bool


class QueueFlag(View):
    id: int
    reason: FlagReason
    note: str
    created_at: datetime
    by: Author
    # Whether the flagger's account is older than the post: only such flags count
    # toward hiding it automatically (flags of newer accounts only reach the queue).
    established: bool


class FlaggedPost(View):
    post: PostView
    flag_count: int
    first_flagged_at: datetime
    reasons: dict[str, int]
    flags: list[QueueFlag]
    auto_hidden: bool
    # The post is by staff of the space (its moderators, the organization's admins,
    # platform admins): never hidden automatically by flags, listed first instead.
    escalated: bool


class AppealView(View):
    id: int
    space_id: int
    kind: AppealKind
    subject_id: int
    user: Author
    text: str
    status: AppealStatus
    created_at: datetime
    answered_at: datetime | None
    answer: str | None


class QueueAppeal(AppealView):
    """An open appeal as one moderator sees it in the queue: whether they may answer it
    (never their own appeal; not an appeal of their own decision while someone else
    can answer it), and when not, why."""

    can_answer: bool
    answer_refused: str | None
    # For an appeal against a hidden post: the post, as the space's moderators see it
    # (its text and where it is), so whoever answers reads what is at stake.
    post: PostView | None = None


class QueueView(View):
    flagged: list[FlaggedPost]
    pending: list[PostView]
    appeals: list[QueueAppeal]


class FlagResolution(View):
    post_id: int
    outcome: FlagOutcome
    flags_resolved: int
