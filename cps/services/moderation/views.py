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


# --- the review queue across spaces (moderation/overview.py) ---------------------

QueueItemKind = Literal["flagged", "pending", "appeal"]


class PlaceOrg(View):
    id: int
    name: str


class PlaceSpace(View):
    id: int
    name: str
    visibility: Literal["public", "private"]


class QueueItem(View):
    """One item of the review queue, naming where it is: several spaces of different
    organizations share a name ("Streets and squares"), so a space is always shown
    with its organization. Exactly the field named by `kind` is set."""

    kind: QueueItemKind
    # When it entered the queue: the first open flag, the held post, the appeal.
    at: datetime
    org: PlaceOrg
    space: PlaceSpace
    flagged: FlaggedPost | None = None
    pending: PostView | None = None
    appeal: QueueAppeal | None = None


class QueuePage(View):
    items: list[QueueItem]
    next_cursor: str | None


class SpaceWork(View):
    """A space the reader moderates and what waits in its queue."""

    org: PlaceOrg
    space: PlaceSpace
    flagged: int
    pending: int
    appeals: int
    # An admin of its organization or of the platform: they may also decide on
    # their own posts, which a moderator may not (as `SpaceView.can_administer`).
    can_administer: bool


class WorkList(View):
    spaces: list[SpaceWork]


class RecentPost(View):
    """One of a person's latest posts in a space, as its moderators see it."""

    id: int
    topic_id: int
    topic_title: str
    created_at: datetime
    # The markdown source, cut to 280 characters: shown as text, never as markup.
    excerpt: str
    hidden: bool
    deleted: bool
    pending: bool


class PersonCard(View):
    """A person as a space's moderators see them before muting or banning them: who
    they are, what they wrote lately here, and every sanction they had here."""

    user: Author
    member_since: datetime
    # Staff of the space (its moderators, the organization's admins, platform
    # admins) cannot be muted or banned in it.
    staff: bool
    posts_in_space: int
    recent_posts: list[RecentPost]
    # Every mute and ban here, newest first, lifted and expired ones too.
    sanctions: list[SanctionView]
