"""What the organization and space services answer."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from cps.services.accounts.views import Author
from cps.services.tiers.views import Entitlements, Tier
from cps.services.views import View

OrgKind = Literal["local_government", "corporation", "institution"]
Visibility = Literal["public", "private"]
TopicPolicy = Literal["participants", "moderators"]


class OrgView(View):
    id: int
    name: str
    kind: OrgKind
    country: str
    region: str = ""
    tier: Tier
    # The platform confirmed who the organization is (set by platform admins).
    verified: bool = False
    created_at: datetime
    is_admin: bool = False
    entitlements: Entitlements | None = None


class Standing(View):
    """A mute or ban in force on the reader in a space: the pages say so before
    they write (the server refuses their posts anyway)."""

    kind: Literal["mute", "ban"]
    # None: until a moderator lifts it.
    expires_at: datetime | None
    reason: str


class SpaceView(View):
    id: int
    org_id: int
    name: str
    description: str
    visibility: Visibility
    topic_policy: TopicPolicy
    created_at: datetime
    # Days the organization gives itself to answer a question asked here.
    response_target_days: int = 14
    can_moderate: bool = False
    # The organization's admins and platform admins: they may also decide on their
    # own posts, which a moderator may not (docs/moderation.md).
    can_administer: bool = False
    # `GET /spaces/{id}` only: the reader's ban (else mute) in force here, if any.
    standing: Standing | None = None


class MemberView(View):
    user: Author
    added_at: datetime
