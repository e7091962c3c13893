"""What services answer: typed, serializable views (also the API's response schemas)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict

from cps.services.markdown import without_images

StakeholderType = Literal["citizen", "business", "civil_society", "academia", "government"]
OrgKind = Literal["local_government", "corporation", "institution"]
Visibility = Literal["public", "private"]
Tier = Literal["free", "plus", "premium"]
TopicPolicy = Literal["participants", "moderators"]
ReactionKind = Literal["like", "agree", "disagree", "insightful", "thanks"]
FlagReason = Literal["spam", "abuse", "off_topic", "other"]
# A post's stored HTML as it is shown: HTML stored while images were still
# embedded shows them as links, as posts are rendered now (cps/services/markdown.py).
PostHtml = Annotated[str, AfterValidator(without_images)]


class View(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Author(View):
    id: int
    display_name: str
    stakeholder_type: StakeholderType


class PostAuthor(Author):
    # The author is staff of the post's space (a moderator of it, an admin of its
    # organization, a platform admin): names are not unique, so a namesake cannot
    # pass for them.
    staff: bool = False


class UserView(Author):
    email: str
    is_platform_admin: bool
    created_at: datetime


class Quota(View):
    limit: int | None
    usage: int


class Entitlements(View):
    capabilities: dict[str, bool]
    quotas: dict[str, Quota]


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


class SpaceView(View):
    id: int
    org_id: int
    name: str
    description: str
    visibility: Visibility
    topic_policy: TopicPolicy
    created_at: datetime
    can_moderate: bool = False
    # The organization's admins and platform admins: they may also decide on their
    # own posts, which a moderator may not (docs/moderation.md).
    can_administer: bool = False


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


class MemberView(View):
    user: Author
    added_at: datetime
