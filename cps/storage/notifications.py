"""Notifications and what each person chose to hear (docs/notifications.md).

- `Notification`: one thing a person is told: its kind, who did it, where (topic,
  post, space), how many times (`count`: consecutive unread notifications of one
  kind on one topic collapse into one row), a small JSON `data` of the kind's own
  (a question's new status, a flag's outcome, a tier decision), when it was first
  made (`created_at`), last collapsed into (`updated_at`) and read (`read_at`).
  `web` is False for a kind the person turned off in the page but not by email:
  the email side (cps/services/mail) still sees it, the page and the count do not.
- `NotificationPreference`: one row per person who changed a default: email
  mode (off, immediate, digest), the digest's rhythm (daily, weekly), per kind
  `{"web": bool, "email": bool}` (a kind absent from `kinds` keeps both on), and a
  locale tag. No row: every default.

The unread count is an exact `COUNT(*)` over the partial index of unread rows
(`uq_notifications_unread`), never a counter that could drift from the rows.
That index is also the collapse: at most one unread notification per person,
kind and topic, so `INSERT ... ON CONFLICT DO UPDATE SET count = count + 1`
collapses concurrent acts atomically on both databases.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    bindparam,
    func,
    literal,
    null,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from cps.storage import portable
from cps.storage.asyncpg_driver import Direct
from cps.storage.models import Base
from cps.storage.types import utcnow

KINDS = ("reply", "mention", "watched_post", "question_status", "flag_outcome",
         "appeal_answer", "moderation", "tier_decision")
EMAIL_MODES = ("off", "immediate", "digest")
DIGESTS = ("daily", "weekly")

_UNREAD = "read_at IS NULL"


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        # A person's list, newest (last collapsed into) first.
        Index("ix_notifications_user_updated", "user_id", "updated_at", "id"),
        # A person's unread notifications: counted, and collapsed into (one per kind
        # and topic; a NULL topic never collapses, NULLs being distinct).
        Index("uq_notifications_unread", "user_id", "kind", "topic_id", unique=True,
              sqlite_where=text(_UNREAD), postgresql_where=text(_UNREAD)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    topic_id: Mapped[int | None] = mapped_column(
        ForeignKey("topics.id", ondelete="CASCADE"), default=None
    )
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), default=None
    )
    space_id: Mapped[int | None] = mapped_column(
        ForeignKey("spaces.id", ondelete="CASCADE"), default=None
    )
    count: Mapped[int] = mapped_column(Integer, default=1)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    web: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(default=None)


class NotificationPreference(Base):
    __tablename__ = "notification_preferences"
    __table_args__ = (
        CheckConstraint("email IN ('off', 'immediate', 'digest')", name="email"),
        CheckConstraint("digest IN ('daily', 'weekly')", name="digest"),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    email: Mapped[str] = mapped_column(String(10), default="digest")
    digest: Mapped[str] = mapped_column(String(10), default="weekly")
    kinds: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    locale: Mapped[str | None] = mapped_column(String(35), default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


_TAKE_TURNS = Direct(text(
    "SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS bigint[])) AS t(k)"))


async def take_turns(session: AsyncSession, keys: list[int]) -> None:
    """Hold each of `keys` (ascending: writers take them in one order) until commit, in
    one statement (PostgreSQL advisory locks; SQLite's single writer serializes them)."""
    if keys and portable.locks_rows(session):
        await _TAKE_TURNS.fetch(session, {"keys": sorted(keys)})


def _collapsing(kind: portable.Kind, *, turn: bool = False) -> Any:
    """The insert of one notification per parameter set (`user_id`, `kind`, `actor_id`,
    `topic_id`, `post_id`, `space_id`, `data`, `web`, `created`, `updated`) that
    collapses into the person's unread one of that kind and topic (`count` + 1, the
    latest actor, post, space, data and time), returning `user_id, id, count,
    created_at, updated_at` in no particular order: a row collapsed into keeps its
    older id, so SQLAlchemy's sort of a many-row insert by id (its way to answer
    rows in the order given, for a table without a sentinel column) would pair rows
    with the wrong people; the caller pairs them by person. `turn`, on
    PostgreSQL: the row comes out of a CTE that first takes the person's turn (the
    advisory lock `turn`), so the lock is held before the row is written, in the same
    round trip (the collapse, an ON CONFLICT, meets the latest row whatever the
    statement's snapshot)."""
    table = cast(Table, Notification.__table__)
    stamp = table.c.created_at.type
    values: dict[str, ColumnElement[Any]] = {
        "user_id": bindparam("user_id", type_=Integer), "kind": bindparam("kind", type_=String),
        "actor_id": bindparam("actor_id", type_=Integer),
        "topic_id": bindparam("topic_id", type_=Integer),
        "post_id": bindparam("post_id", type_=Integer),
        "space_id": bindparam("space_id", type_=Integer), "count": literal(1),
        "data": bindparam("data", type_=table.c.data.type),
        "web": bindparam("web", type_=Boolean), "created_at": bindparam("created", type_=stamp),
        "updated_at": bindparam("updated", type_=stamp), "read_at": null(),
    }
    # On the table, not the mapped class: a list of parameter sets on an ORM insert
    # takes the ORM's bulk path, which costs more than the statement.
    stmt = portable.insert_into(kind, table)
    if turn and portable.kind_locks_rows(kind):
        taken = select(func.pg_advisory_xact_lock(bindparam("turn", type_=BigInteger))
                       .label("taken")).cte("turn")
        stmt = stmt.from_select(list(values), select(*values.values()).select_from(taken))
    else:
        stmt = stmt.values(values)
    return stmt.on_conflict_do_update(
        index_elements=["user_id", "kind", "topic_id"],
        index_where=text(_UNREAD),
        set_={"count": table.c.count + 1, "actor_id": stmt.excluded.actor_id,
              "post_id": stmt.excluded.post_id, "space_id": stmt.excluded.space_id,
              "data": stmt.excluded.data, "web": stmt.excluded.web,
              "updated_at": stmt.excluded.updated_at},
    ).returning(table.c.user_id, table.c.id, table.c.count, table.c.created_at,
                table.c.updated_at)


_MANY = portable.per_database(_collapsing)
# One person told (most acts: a reply's author, a topic's): on the driver itself,
# their turn taken in the same statement.
_ONE = portable.Hot(lambda kind: _collapsing(kind, turn=True))


async def collapse_into(session: AsyncSession, notes: list[dict[str, Any]], turns: list[int]
                        ) -> list[tuple[int, int, datetime, datetime]]:
    """Hold each person's turn (`turns`: their advisory lock keys, as `take_turns`),
    then write each notification (`_collapsing`'s parameter sets) or collapse it into
    the person's unread one (one notification per person): answers `(id, count,
    created_at, updated_at)` of each, in the order given. One person: one statement;
    several: one for the turns and one for the rows on PostgreSQL, and on SQLite one
    each on sqlite3 itself (in the write transaction: on the event loop, where
    SQLAlchemy's many-row insert went to aiosqlite's thread once per row)."""
    if len(turns) != len(notes):
        raise ValueError("collapse_into takes one turn per notification")
    if len({note["user_id"] for note in notes}) != len(notes):
        raise ValueError("collapse_into takes one notification per person")
    if len(notes) == 1 or not portable.locks_rows(session):
        rows: Sequence[Any] = [row for note, turn in zip(notes, turns, strict=True)
                               for row in await _ONE.rows(session, {**note, "turn": turn})]
    else:
        await take_turns(session, turns)
        rows = (await session.execute(_MANY(session), notes)).all()
    by_person = {int(row[0]): (int(row[1]), int(row[2]), row[3], row[4]) for row in rows}
    return [by_person[int(note["user_id"])] for note in notes]
