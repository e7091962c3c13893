"""Mentions: `@handle` in a post's body, who it reaches, and how it is shown.

A mention is read as the reader sees the post (`markdown.handles_in`): never in
code, a link's text or an email address. `render` links the mentions of handles
that exist in the post's HTML to the person's page (`<a class="mention"
href="/u/handle">@handle</a>`), when a post is written or edited.

`mentioned(session, post)` is who a post mentions and should be told, for
notifications (cps/services/notifications), as of now: the users whose handles the
post names, in the order first named, never its author, only those who may read the
post's space now (a public space, or its members, moderators, organization admins
and platform admins: `following.readers`), at most `NOTIFY_MAX` of them. It does
not look at following levels (a muted topic): `following.levels` does."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cps.services.discussion import markdown
from cps.services.following.readers import can_read
from cps.storage.models import Post, Space, Topic, User

NOTIFY_MAX = 10
# Handles looked up per post at most: a body naming thousands costs one bounded query.
READ_MAX = 50


async def existing(session: AsyncSession, handles: list[str]) -> set[str]:
    """Which of `handles` (lowercase) belong to someone."""
    if not handles:
        return set()
    return set((await session.scalars(
        select(User.handle).where(User.handle.in_(handles[:READ_MAX])))).all())


async def render(session: AsyncSession, body: str) -> str:
    """The post's HTML, with its mentions of existing handles marked."""
    return markdown.render(body, await existing(session, markdown.handles_in(body)))


async def mentioned(session: AsyncSession, post: Post) -> list[int]:
    """The ids of the people `post` mentions who may read it now (see the module's
    docstring), at most NOTIFY_MAX, in the order the post first names them."""
    handles = markdown.handles_in(post.body)[:READ_MAX]
    if not handles:
        return []
    space = await session.scalar(
        select(Space).join(Topic, Topic.space_id == Space.id).where(Topic.id == post.topic_id))
    if space is None:
        return []
    rows = (await session.execute(
        select(User.handle, User.id).where(
            User.handle.in_(handles), User.id != post.author_id, can_read(space, User.id))
    )).all()
    by_handle = {handle: user_id for handle, user_id in rows}
    return [by_handle[h] for h in handles if h in by_handle][:NOTIFY_MAX]
