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

from collections.abc import Collection, Sequence

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


async def mentioned(session: AsyncSession, post: Post, *,
                    only: Collection[str] | None = None, limit: int = NOTIFY_MAX) -> list[int]:
    """The ids of the people `post` mentions who may read it now (see the module's
    docstring), at most `limit`, in the order the post first names them; with `only`,
    of those handles alone (the ones an edit added: `added_by_edit`)."""
    return await mentioned_in(session, post.body, post.topic_id, post.author_id,
                              only=only, limit=limit)


async def mentioned_in(session: AsyncSession, body: str, topic_id: int, author_id: int, *,
                       only: Collection[str] | None = None, limit: int = NOTIFY_MAX
                       ) -> list[int]:
    """`mentioned` for a post not yet written: its body, topic and author."""
    handles = markdown.handles_in(body)[:READ_MAX]
    if only is not None:
        handles = [h for h in handles if h in only]
    if not handles or limit <= 0:
        return []
    space = await session.scalar(
        select(Space).join(Topic, Topic.space_id == Space.id).where(Topic.id == topic_id))
    if space is None:
        return []
    rows = (await session.execute(
        select(User.handle, User.id).where(
            User.handle.in_(handles), User.id != author_id, can_read(space, User.id))
    )).all()
    by_handle = {handle: user_id for handle, user_id in rows}
    return [by_handle[h] for h in handles if h in by_handle][:limit]


async def added_by_edit(session: AsyncSession, post: Post, earlier: Sequence[str]) -> list[int]:
    """Who an edit of `post` newly mentions and should be told: handles its new body
    names that none of its `earlier` bodies (the one replaced and every older
    version) named, so removing and adding a mention again tells nobody twice; and
    at most what is left of the post's NOTIFY_MAX after the people its earlier
    bodies could have reached, so editing never widens a post's reach past it."""
    before: dict[str, None] = {}
    for body in earlier:
        for handle in markdown.handles_in(body):
            before.setdefault(handle)
    added = set(markdown.handles_in(post.body)) - before.keys()
    if not added:
        return []
    reached_before = 0
    if before:
        reached_before = len((await session.scalars(select(User.id).where(
            User.handle.in_(list(before)[:READ_MAX]), User.id != post.author_id))).all())
    return await mentioned(session, post, only=added,
                           limit=NOTIFY_MAX - min(NOTIFY_MAX, reached_before))
