"""What the discussion services answer: topics, posts, revisions, flags, pages."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field

from cps.services.accounts.views import Author, PostAuthor
from cps.services.discussion.markdown import without_images
from cps.services.views import View

ReactionKind = Literal["like", "agree", "disagree", "insightful", "thanks"]
FlagReason = Literal["spam", "abuse", "off_topic", "other"]
# A post's stored HTML as it is shown: HTML stored while images were still
# embedded shows them as links, as posts are rendered now (markdown.py).
PostHtml = Annotated[str, AfterValidator(without_images)]


TopicKind = Literal["discussion", "question"]
QuestionStatus = Literal["open", "acknowledged", "answered", "in_progress", "done", "declined"]


class QuestionView(View):
    """Where a question to the organization is in its life (discussion/questions.py).
    `overdue`: still open or acknowledged past `due_at`, as of when it was read."""

    status: QuestionStatus
    asked_by: Author
    asked_at: datetime
    due_at: datetime
    overdue: bool
    acknowledged_at: datetime | None
    answered_at: datetime | None
    answer_post_id: int | None
    closed_at: datetime | None
    reason: str | None


class QuestionChangeView(View):
    """One step of a question's life; `by` is null if that account is gone."""

    # `from` is a Python keyword: the field is `from_`, written and read as "from".
    model_config = ConfigDict(serialize_by_alias=True, validate_by_name=True)

    from_: QuestionStatus | None = Field(alias="from")
    to: QuestionStatus
    by: Author | None
    note: str
    answer_post_id: int | None
    at: datetime


class Participation(View):
    """Who took part in a topic: how many distinct people posted in it (a published
    post), by the stakeholder type each had when they first did."""

    citizen: int = 0
    business: int = 0
    civil_society: int = 0
    academia: int = 0
    government: int = 0


class TopicView(View):
    id: int
    space_id: int
    author: Author
    title: str
    pinned: bool
    locked: bool
    archived: bool
    post_count: int
    created_at: datetime
    last_activity_at: datetime
    kind: TopicKind = "discussion"
    # A question topic's state; null for a discussion.
    question: QuestionView | None = None
    participation: Participation = Field(default_factory=Participation)


class PostView(View):
    id: int
    topic_id: int
    parent_id: int | None
    depth: int
    author: PostAuthor
    body: str
    html: PostHtml
    created_at: datetime
    edited_at: datetime | None
    hidden: bool
    hidden_reason: str | None = None
    # Held for a moderator's approval (shown only to its author and moderators).
    pending: bool = False
    deleted: bool = False
    reactions: dict[str, int] = {}
    my_reactions: list[str] = []
    # The reader has flagged this post (a flag is once per person per post).
    flagged_by_me: bool = False
    # The language it is written in (BCP 47; its author's word, else detected), or None:
    # unknown, or the reader may not see its text.
    lang: str | None = None


class RevisionView(View):
    body: str
    html: PostHtml
    created_at: datetime


class FlagView(View):
    id: int
    post_id: int
    reason: FlagReason
    note: str
    created_at: datetime


class TopicPage(View):
    items: list[TopicView]
    next_cursor: str | None


class PostPage(View):
    items: list[PostView]
    next_cursor: str | None


class ReactionState(View):
    post_id: int
    kind: ReactionKind
    count: int
    mine: bool


class ParticipantView(View):
    """Someone the composer may offer after "@" (discussion/participants.py)."""

    id: int
    handle: str
    display_name: str
