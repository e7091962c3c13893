"""Who may read a space now, as a SQL condition over a person's id.

The same rule as `orgs.access.SpaceAccess.can_view`, for many people at once: a
public space is everyone's; a private one is its members', its moderators', its
organization's admins' and the platform admins'. Whatever tells people about a
topic (a mention, a watched topic's new post) asks it at that moment, so someone
who left a private space hears nothing more of it."""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, or_, true
from sqlalchemy.orm import QueryableAttribute, aliased

from cps.storage.models import OrgAdmin, Space, SpaceMember, SpaceModerator, User

UserId = ColumnElement[int] | QueryableAttribute[int]


def can_read(space: Space, user_id: UserId) -> ColumnElement[bool]:
    """Whether the person `user_id` (a column of the outer query) may read `space`."""
    if space.visibility == "public":
        return true()
    admin = aliased(User)  # never correlated with a users table of the outer query
    return or_(
        exists().where(SpaceMember.space_id == space.id, SpaceMember.user_id == user_id),
        exists().where(SpaceModerator.space_id == space.id, SpaceModerator.user_id == user_id),
        exists().where(OrgAdmin.org_id == space.org_id, OrgAdmin.user_id == user_id),
        exists().where(admin.id == user_id, admin.is_platform_admin.is_(True)),
    )
