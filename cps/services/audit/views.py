"""What the audit trail answers: entries for moderators, the public log for readers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from cps.services.accounts.views import Author
from cps.services.views import View

ActorRole = Literal["moderator", "org_admin", "platform_admin", "system"]


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
