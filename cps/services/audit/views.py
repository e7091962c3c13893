"""What the audit trail answers: entries for moderators, the public log for readers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from cps.services.accounts.views import Author
from cps.services.views import View

ActorRole = Literal["moderator", "org_admin", "platform_admin", "system"]


class AuditTarget(View):
    """What an entry acted on, named for a person: a user's name and handle, a
    topic's title, the title of a post's topic, the space's name. A topic or post
    no longer in this space has no name here (`name` None): its title is not the
    log's reader's to see."""

    name: str | None = None
    handle: str | None = None
    topic_id: int | None = None
    post_id: int | None = None


class AuditEntry(View):
    id: int
    space_id: int
    actor: Author | None
    role: ActorRole
    action: str
    target_type: str
    target_id: int
    rule: str | None
    reason: str
    detail: str
    created_at: datetime
    # What `target_type` `target_id` names, for people (the ids are for programs).
    target: AuditTarget = AuditTarget()
    # A ban's or mute's end, from `detail` ("until ..."); None: none or forever.
    until: datetime | None = None
    # How many flags an act counted or resolved, from `detail` ("3 flags").
    flags: int | None = None


class AuditPage(View):
    entries: list[AuditEntry]
    next_before: int | None


class PublicLogEntry(View):
    """What anyone who can see the space may know of a moderation act: its kind,
    the rule it applied, the role of who did it, when. Never whom or what."""

    id: int
    action: str
    rule: str | None
    role: ActorRole
    created_at: datetime


class PublicLogPage(View):
    entries: list[PublicLogEntry]
    next_before: int | None
