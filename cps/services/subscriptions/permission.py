"""Who may follow a live channel, checked at subscribe and again when access changes."""

from __future__ import annotations

from cps.services.context import Actor, Context
from cps.services.errors import Forbidden
from cps.services.events.channels import ChannelName
from cps.services.orgs import standing
from cps.services.orgs.access import space_access, topic_access


async def authorize(ctx: Context, actor: Actor | None, channel: ChannelName) -> int | None:
    """Check that `actor` may follow `channel`. Answers the id of the space the
    channel belongs to (None for user channels), so access can be re-checked."""
    if channel.kind == "user":
        if actor is None or actor.id != channel.id:
            raise Forbidden("Only that user may follow their own channel.")
        return None
    async with ctx.db.read() as session:
        if channel.kind == "space":
            access = await space_access(session, actor, channel.id)
        elif channel.kind == "moderation":
            # A space's review queue: its moderators alone (404 as for the space
            # itself when it is invisible to the caller).
            access = await space_access(session, actor, channel.id)
            access.require_moderator()
        else:
            _, access = await topic_access(session, actor, channel.id)
        if actor is not None and not access.can_moderate:
            # A banned participant may still read over HTTP, but not follow live.
            await standing.refuse_banned(session, actor.id, access.space.id)
        return access.space.id
