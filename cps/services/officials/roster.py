"""Who is an official of which organization: the reads every other service uses.

A post's `author.official` is read with the post, never stored on it: these are
the SQL pieces a list of posts adds to the statement that reads them (as
`orgs.access.staff_of` and `with_staff` do for staff), so a page of posts costs
no statement more per post, and removing an official takes the mark off their
earlier posts at once."""

from __future__ import annotations

from typing import TypeVarTuple, cast

from sqlalchemy import ColumnElement, Select, and_, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute, aliased

from cps.services.accounts.views import OfficialBadge
from cps.storage.accountability import OrgOfficial
from cps.storage.models import Organization, User

Rows = TypeVarTuple("Rows")

Int = int | ColumnElement[int] | QueryableAttribute[int]


def official_of(org_id: Int, user_id: Int) -> ColumnElement[bool]:
    """SQL: `user_id` is an official of `org_id` (columns or values), for a query
    that marks many posts at once, as `orgs.access.staff_of` does for staff."""
    return exists().where(OrgOfficial.org_id == org_id, OrgOfficial.user_id == user_id)


async def is_official(session: AsyncSession, user_id: int, org_id: int) -> bool:
    return bool(await session.scalar(select(official_of(org_id, user_id))))


def with_official(stmt: Select[*Rows], org_id: int, author: type[User]) -> Select[*Rows, bool]:
    """`stmt`, which has joined its rows' authors (`author`), with one more column:
    whether each author is an official of `org_id`, read by an outer join on the
    officials' primary key rather than a subquery per row (a thread page asks it
    of a hundred posts)."""
    official = aliased(OrgOfficial)
    joined = stmt.outerjoin(
        official, and_(official.org_id == org_id, official.user_id == author.id)
    ).add_columns(official.user_id.is_not(None).label("official"))
    return cast("Select[*Rows, bool]", joined)


def badge(org: Organization, official: object) -> OfficialBadge | None:
    """`author.official` of a post in a space of `org`, whose author is (`official`
    true) or is not one of its officials."""
    return OfficialBadge(org_id=org.id, org_name=org.name) if official else None
