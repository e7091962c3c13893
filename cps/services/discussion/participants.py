"""Participants of a space, for the composer's `@` autocomplete.

Who: the people who have posted in the space (a published post in any of its
topics) and, in a private space, its members and moderators; only those who may
read the space now (`following.readers`), never the caller. Matched by the start
of the handle or of any word of the display name, ignoring case (a leading "@" in
the prefix is ignored); an exact handle first, then by handle; at most 10. Only
someone who may read the space may ask (404 otherwise, as for the space)."""

from __future__ import annotations

from sqlalchemy import func, or_, select, union

from cps.services.context import Actor, Context
from cps.services.discussion.views import ParticipantView
from cps.services.following.readers import can_read
from cps.services.orgs.access import space_access
from cps.storage.accountability import TopicParticipant
from cps.storage.models import SpaceMember, SpaceModerator, Topic, User

LIMIT = 10
PREFIX_MAX = 80


def _like(prefix: str) -> str:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


async def participants(ctx: Context, actor: Actor | None, space_id: int, prefix: str
                       ) -> list[ParticipantView]:
    wanted = prefix.strip().removeprefix("@").lower()[:PREFIX_MAX]
    async with ctx.db.read() as session:
        access = await space_access(session, actor, space_id)
        space = access.space
        people = [select(TopicParticipant.user_id.label("uid"))
                  .join(Topic, Topic.id == TopicParticipant.topic_id)
                  .where(Topic.space_id == space_id)]
        if space.visibility == "private":
            people += [select(SpaceMember.user_id.label("uid"))
                       .where(SpaceMember.space_id == space_id),
                       select(SpaceModerator.user_id.label("uid"))
                       .where(SpaceModerator.space_id == space_id)]
        # IN, not a join: a person who took part in many topics is offered once.
        stmt = (
            select(User.id, User.handle, User.display_name)
            .where(User.id.in_(union(*people) if len(people) > 1 else people[0]),
                   can_read(space, User.id))
        )
        if actor is not None:
            stmt = stmt.where(User.id != actor.id)
        if wanted:
            name = func.lower(User.display_name)
            stmt = stmt.where(or_(User.handle.like(_like(wanted), escape="\\"),
                                  name.like(_like(wanted), escape="\\"),
                                  name.like("% " + _like(wanted), escape="\\")))
        rows = (await session.execute(
            stmt.order_by((User.handle == wanted).desc(), User.handle).limit(LIMIT))).all()
    return [ParticipantView(id=i, handle=h, display_name=n) for i, h, n in rows]
