"""What the accounts services answer: people as others see them, and as they see themselves."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from cps.services.views import View

StakeholderType = Literal["citizen", "business", "civil_society", "academia", "government"]


class Author(View):
    id: int
    display_name: str
    # Unique, unlike the display name: what `@handle` mentions (accounts/handles.py).
    handle: str
    stakeholder_type: StakeholderType


class OfficialBadge(View):
    """The organization a post's author answers for: they are one of its officials
    and the post is in one of its spaces."""

    org_id: int
    org_name: str


class PostAuthor(Author):
    # The author is staff of the post's space (a moderator of it, an admin of its
    # organization, a platform admin): names are not unique, so a namesake cannot
    # pass for them.
    staff: bool = False
    # The author is an official of the organization whose space the post is in
    # (cps/services/officials): as of when the post is read, never stored with it.
    official: OfficialBadge | None = None


class UserView(Author):
    email: str
    is_platform_admin: bool
    created_at: datetime
    # When they proved they read `email` (an emailed link); None until then.
    email_verified_at: datetime | None = None
    # The language they chose for the interface, email and notifications; None: their
    # browser's (docs/languages.md).
    locale: str | None = None


class MeView(UserView):
    """`GET /me`: the signed-in user, and whether they moderate any space (their
    organization's admins and platform admins do), so the pages offer the review
    queue only then; every moderation act is checked on the server anyway."""

    moderates: bool


class SessionView(View):
    id: int
    created_at: datetime
    last_used_at: datetime
    # When it ends if it stays unused: the earlier of its absolute end and the
    # idle lifetime counted from its last use.
    expires_at: datetime
    user_agent: str
    address: str
    current: bool
