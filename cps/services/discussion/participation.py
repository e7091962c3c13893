"""Who took part in a topic, by stakeholder type (docs/accountability.md).

Each published post (written unheld, or published when a moderator approves it)
counts its author in the topic's `topic_participants`, once per person, with the
stakeholder type they had when they first took part there, and how many of their
posts were published there. When that person brings a type the topic had not
seen, `topics.stakeholder_kinds` grows by one, in the same transaction: the
space's "most horizontal" order sorts on it. A post hidden or deleted later
still counts: its author took part.

The caller holds the topic's row locked (`topic_access(..., for_update=True)`,
or `lock_topic`), so two first posts of the same type at once cannot both count
a new kind. Reading: one grouped statement for any number of topics."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    Table,
    bindparam,
    case,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from cps.services.discussion.views import Participation
from cps.storage import portable
from cps.storage.accountability import TopicParticipant
from cps.storage.database import Transaction
from cps.storage.models import Topic


async def lock_topic(tx: Transaction, topic_id: int) -> None:
    """Hold the topic's row until commit, for a caller that publishes a post without
    having locked it (a moderator's approval)."""
    if portable.locks_rows(tx.session):
        await tx.session.execute(
            portable.for_update(tx.session, select(Topic.id).where(Topic.id == topic_id))
        )


_PARTICIPANTS = cast(Table, TopicParticipant.__table__)


def _upsert(kind: portable.Kind, at: str) -> Any:
    """Count the person's published post in the topic (their row made at the first,
    its time bound as `at`)."""
    c = _PARTICIPANTS.c
    return (
        portable.insert_into(kind, _PARTICIPANTS)
        .values(topic_id=bindparam("topic_id", type_=Integer),
                user_id=bindparam("user_id", type_=Integer),
                stakeholder_type=bindparam("stakeholder_type", type_=String),
                first_posted_at=bindparam(at, type_=c.first_posted_at.type), posts=1)
        .on_conflict_do_update(index_elements=[c.topic_id, c.user_id],
                               set_={"posts": c.posts + 1})
    )


def _count_in(kind: portable.Kind) -> Any:
    """The person's published posts in the topic + 1 (their row made at the first)."""
    return _upsert(kind, "at").returning(_PARTICIPANTS.c.posts)


def counts_in(kind: portable.Kind) -> Any:
    """`took_part` as a write of the post's own insert (`portable.HotWithWrites`, after
    `new_kind`'s write of the topic): bound topic_id, user_id, stakeholder_type and
    the post's created_at."""
    return _upsert(kind, "created_at")


def new_kind() -> ColumnElement[int]:
    """1 if the person (bound user_id, stakeholder_type) brings the topic (topic_id)
    a kind it had not seen, else 0, read before their post is counted in: they have
    not taken part, nor has anyone of their type. For the topic's own UPDATE of the
    post's insert, which `counts_in` follows."""
    c = _PARTICIPANTS.c
    seen = exists().where(c.topic_id == bindparam("topic_id", type_=Integer),
                          or_(c.user_id == bindparam("user_id", type_=Integer),
                              c.stakeholder_type == bindparam("stakeholder_type",
                                                              type_=String)))
    return case((seen, 0), else_=1)


# Built once per database: a post runs it, and building it cost more than running it.
_COUNT_IN = portable.Hot(_count_in)


async def took_part(tx: Transaction, topic_id: int, user_id: int, stakeholder_type: str,
                    at: datetime) -> None:
    """`user_id` published a post in `topic_id` (whose row the caller holds locked):
    one statement, and one more the first time they take part in the topic."""
    posts = await _COUNT_IN.scalar(tx.session, {
        "topic_id": topic_id, "user_id": user_id, "stakeholder_type": stakeholder_type,
        "at": at})
    if posts != 1:
        return
    # A newcomer: a kind more, unless someone else already brought their type.
    await tx.session.execute(
        update(Topic)
        .where(Topic.id == topic_id,
               ~exists().where(TopicParticipant.topic_id == topic_id,
                               TopicParticipant.stakeholder_type == stakeholder_type,
                               TopicParticipant.user_id != user_id))
        .values(stakeholder_kinds=Topic.stakeholder_kinds + 1)
        .execution_options(synchronize_session=False)
    )


def first(stakeholder_type: str) -> Participation:
    """A topic's participation when its one participant is of `stakeholder_type`."""
    return Participation.model_validate({stakeholder_type: 1})


async def of_topics(session: AsyncSession, topic_ids: Sequence[int]) -> dict[int, Participation]:
    """Each topic's participation, in one statement (none for no topics)."""
    if not topic_ids:
        return {}
    counts: dict[int, dict[str, int]] = {topic_id: {} for topic_id in topic_ids}
    rows = await session.execute(
        select(TopicParticipant.topic_id, TopicParticipant.stakeholder_type, func.count())
        .where(TopicParticipant.topic_id.in_(topic_ids))
        .group_by(TopicParticipant.topic_id, TopicParticipant.stakeholder_type)
    )
    for topic_id, stakeholder_type, n in rows.all():
        counts[topic_id][stakeholder_type] = int(n)
    return {topic_id: Participation.model_validate(c) for topic_id, c in counts.items()}


async def of_topic(session: AsyncSession, topic_id: int) -> Participation:
    return (await of_topics(session, [topic_id]))[topic_id]
