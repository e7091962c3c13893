"""Finding a person by name, for the pickers of the administration pages.

Organization admins name moderators, members and officials, and moderators let
people into private spaces: they choose a person by name or handle, never by a
number. Only whoever administers or moderates something may search (an admin of
an organization, even one with no space yet; a moderator of a space; a platform
admin); the answer is at
most 10 people, by the start of their handle or of a word of their name, with
what a post already shows of them (name, handle, stakeholder type), never an
email.
"""

from __future__ import annotations

from sqlalchemy import exists, func, or_, select

from cps.services.accounts.views import Author
from cps.services.context import Actor, Context
from cps.services.errors import Forbidden
from cps.storage.models import OrgAdmin, SpaceModerator, User

LIMIT = 10
QUERY_MAX = 80


def _like(prefix: str) -> str:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


async def find(ctx: Context, actor: Actor, query: str) -> list[Author]:
    """People whose handle, or a word of whose name, starts with `query` (a leading
    "@" is ignored); an exact handle first, then by handle."""
    wanted = query.strip().removeprefix("@").lower()[:QUERY_MAX]
    async with ctx.db.read() as session:
        staff = actor.is_platform_admin or bool(await session.scalar(select(
            exists().where(OrgAdmin.user_id == actor.id)
            | exists().where(SpaceModerator.user_id == actor.id))))
        if not staff:
            raise Forbidden("Only moderators and admins look people up by name.")
        if not wanted:
            return []
        name = func.lower(User.display_name)
        rows = (
            await session.scalars(
                select(User)
                .where(or_(User.handle.like(_like(wanted), escape="\\"),
                           name.like(_like(wanted), escape="\\"),
                           name.like("% " + _like(wanted), escape="\\")))
                .order_by((User.handle == wanted).desc(), User.handle)
                .limit(LIMIT)
            )
        ).all()
    return [Author.model_validate(u) for u in rows]
