"""Who is an official of which organization: the reads every other service uses."""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from cps.storage.accountability import OrgOfficial


def official_of(org_id: ColumnElement[int] | int,
                user_id: ColumnElement[int] | int) -> ColumnElement[bool]:
    """SQL: `user_id` is an official of `org_id` (columns or values), for a query
    that marks many posts at once, as `orgs.access.staff_of` does for staff."""
    return exists().where(OrgOfficial.org_id == org_id, OrgOfficial.user_id == user_id)


async def is_official(session: AsyncSession, user_id: int, org_id: int) -> bool:
    return bool(await session.scalar(select(official_of(org_id, user_id))))
