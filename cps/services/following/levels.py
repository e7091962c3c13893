"""Levels: how closely a person follows a topic, and who watches one.

A topic's level for a person is the level they set on the topic (or the default
the server set for them there), else their level for the topic's space, else
`normal`. Defaults, written in the transaction of the act that causes them and
never over a row already there:

- opening a topic (a discussion or a question) makes its author watch it;
- posting in a topic makes the author track it, unless they already have a level
  for it (their own choice, or watching from opening it), or watch its space
  (tracking the topic would then hide the space's watching).

For notifications (cps/services/notifications): `level`, `levels_of` and
`watchers`. None of them checks who may read the space: `watchers` does, since
it lists people to tell; a caller of `level` for a mention asks
`discussion.mentions.mentioned`, which does."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import Integer, String, Table, and_, bindparam, exists, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from cps.services.following.readers import can_read
from cps.services.following.views import Level
from cps.storage import portable
from cps.storage.database import Transaction
from cps.storage.following import SpaceFollow, TopicFollow
from cps.storage.models import Space, Topic
from cps.storage.types import UTCDateTime, utcnow

DEFAULT: Level = "normal"


async def _space_of(session: AsyncSession, topic_id: int) -> int | None:
    space_id: int | None = await session.scalar(
        select(Topic.space_id).where(Topic.id == topic_id))
    return space_id


async def levels_of(session: AsyncSession, user_ids: Iterable[int], topic_id: int
                    ) -> dict[int, Level]:
    """Each person's level for the topic (by the rule above), in two statements."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    space_id = await _space_of(session, topic_id)
    found: dict[int, Level] = {uid: DEFAULT for uid in ids}
    if space_id is not None:
        for uid, chosen in (await session.execute(
                select(SpaceFollow.user_id, SpaceFollow.level)
                .where(SpaceFollow.space_id == space_id, SpaceFollow.user_id.in_(ids)))).all():
            found[uid] = cast(Level, chosen)
    for uid, chosen in (await session.execute(
            select(TopicFollow.user_id, TopicFollow.level)
            .where(TopicFollow.topic_id == topic_id, TopicFollow.user_id.in_(ids)))).all():
        found[uid] = cast(Level, chosen)
    return found


async def level(session: AsyncSession, user_id: int, topic_id: int) -> Level:
    """`user_id`'s level for the topic: the topic's own, else the space's, else normal."""
    return (await levels_of(session, [user_id], topic_id))[user_id]


async def own_topic_level(session: AsyncSession, user_id: int, topic_id: int) -> Level | None:
    """The level set on the topic itself (by the person or a default), or None."""
    found: Level | None = await session.scalar(select(TopicFollow.level).where(
        TopicFollow.user_id == user_id, TopicFollow.topic_id == topic_id))
    return found


async def space_level(session: AsyncSession, user_id: int, space_id: int) -> Level:
    found: Level | None = await session.scalar(select(SpaceFollow.level).where(
        SpaceFollow.user_id == user_id, SpaceFollow.space_id == space_id))
    return found or DEFAULT


async def watchers(session: AsyncSession, topic_id: int) -> list[int]:
    """Who watches the topic now, by the rule above, and may read its space now:
    those watching the topic itself, and those watching its space who set no other
    level on the topic (muting a topic, or choosing any level for it, overrides the
    space). Ascending ids; two statements."""
    space = await session.scalar(
        select(Space).join(Topic, Topic.space_id == Space.id).where(Topic.id == topic_id))
    if space is None:
        return []
    own = select(TopicFollow.user_id).where(
        TopicFollow.topic_id == topic_id, TopicFollow.level == "watching",
        can_read(space, TopicFollow.user_id))
    by_space = (
        select(SpaceFollow.user_id)
        .outerjoin(TopicFollow, and_(TopicFollow.topic_id == topic_id,
                                     TopicFollow.user_id == SpaceFollow.user_id))
        .where(SpaceFollow.space_id == space.id, SpaceFollow.level == "watching",
               TopicFollow.user_id.is_(None), can_read(space, SpaceFollow.user_id))
    )
    ids = set((await session.scalars(own)).all()) | set((await session.scalars(by_space)).all())
    return sorted(ids)


async def _default(tx: Transaction, user_id: int, topic_id: int, level: Level) -> None:
    await tx.session.execute(
        portable.insert(tx.session, TopicFollow)
        .values(user_id=user_id, topic_id=topic_id, level=level, updated_at=utcnow())
        .on_conflict_do_nothing(index_elements=["user_id", "topic_id"])
    )


async def opened(tx: Transaction, user_id: int, topic_id: int) -> None:
    """`user_id` opened (or asked) the topic: they watch it."""
    await _default(tx, user_id, topic_id, "watching")


def track_unless_watching(kind: portable.Kind) -> Any:
    """Whoever posts in a topic tracks it: INSERT the `tracking` row, unless there is
    one already or the space is watched. Every reply runs it, as a write of the
    post's own insert (`portable.HotWithWrites`): bound user_id, topic_id, space_id
    and now."""
    watching_space = exists().where(
        SpaceFollow.user_id == bindparam("user_id"),
        SpaceFollow.space_id == bindparam("space_id"),
        SpaceFollow.level == "watching",
    )
    chosen = select(bindparam("user_id", type_=Integer), bindparam("topic_id", type_=Integer),
                    literal("tracking", String), bindparam("now", type_=UTCDateTime)
                    ).where(~watching_space)
    return (
        portable.insert_into(kind, cast(Table, TopicFollow.__table__))
        .from_select(["user_id", "topic_id", "level", "updated_at"], chosen)
        .on_conflict_do_nothing(index_elements=["user_id", "topic_id"])
    )



async def set_topic(tx: Transaction, user_id: int, topic_id: int, level: Level) -> None:
    await _choose(tx, TopicFollow, user_id, level, topic_id=topic_id)


async def set_space(tx: Transaction, user_id: int, space_id: int, level: Level) -> None:
    await _choose(tx, SpaceFollow, user_id, level, space_id=space_id)


async def _choose(tx: Transaction, model: type[TopicFollow] | type[SpaceFollow], user_id: int,
                  level: Level, **target: int) -> None:
    [(key, _)] = target.items()
    now = utcnow()
    await tx.session.execute(
        portable.insert(tx.session, model)
        .values(user_id=user_id, level=level, updated_at=now, **target)
        .on_conflict_do_update(index_elements=["user_id", key],
                               set_={"level": level, "updated_at": now})
    )
