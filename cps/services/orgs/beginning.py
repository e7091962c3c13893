"""Whether this instance has just begun: no organization yet, and perhaps nobody to
run it. `cps serve` then says how to begin in its log (as the home page does to
whoever opens it): create the platform admin, open the first organization from
the web, or fill sample data with `cps demo`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select

from cps.storage.database import Database
from cps.storage.models import Organization, User


@dataclass(frozen=True)
class Beginning:
    has_platform_admin: bool
    has_organizations: bool


async def beginning(db: Database) -> Beginning:
    async with db.read() as session:
        admin = await session.scalar(select(exists().where(User.is_platform_admin)))
        orgs = await session.scalar(select(exists().where(Organization.id.is_not(None))))
    return Beginning(has_platform_admin=bool(admin), has_organizations=bool(orgs))


def how_to_begin(state: Beginning, url: str) -> str | None:
    """What to do first, in one line; None once an organization exists."""
    if state.has_organizations:
        return None
    demo = "or fill sample data with `cps demo`"
    if not state.has_platform_admin:
        return ("This instance is empty. To begin, create the platform admin with "
                "`cps create-admin --email E --password P`, then sign in at "
                f"{url} and open the first organization from the home page; {demo}.")
    return (f"This instance has no organization yet. Sign in at {url} as the platform "
            f"admin and open the first organization from the home page, {demo}.")
