"""What the notifications services answer: a person's notifications and their choices."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from cps.services.views import View

Kind = Literal["reply", "mention", "watched_post", "question_status", "flag_outcome",
               "appeal_answer", "moderation", "tier_decision"]
EmailMode = Literal["off", "immediate", "digest"]
Digest = Literal["daily", "weekly"]


class NotificationActor(View):
    """Who did what the notification tells of, as they are named now."""

    id: int
    display_name: str
    handle: str


class NotificationView(View):
    id: int
    kind: Kind
    # When it was first made, and last collapsed into (the list's order: newest first).
    created_at: datetime
    updated_at: datetime
    read_at: datetime | None
    actor: NotificationActor | None
    topic_id: int | None
    post_id: int | None
    # The space the topic is in now (or the notification's own, when it has no topic).
    space_id: int | None
    # How many acts this one notification stands for (> 1: collapsed).
    count: int
    data: dict[str, Any]
    # The topic's title and the space's name as they are now: in the list only, never in
    # a live event (an event is kept and replayed; names are read when the list is).
    topic_title: str | None = None
    space_name: str | None = None


class NotificationPage(View):
    notifications: list[NotificationView]
    unread_count: int
    next_cursor: str | None


class KindChoice(View):
    web: bool
    email: bool


class PreferencesView(View):
    email: EmailMode
    digest: Digest
    kinds: dict[Kind, KindChoice]
    locale: str | None
