"""The consensus map's tables (docs/consensus.md): rounds, their statements, the votes.

A round belongs to a topic. Its statements are seeded by the moderator who opens it
and proposed by participants (pending until a moderator accepts them, unless the
round takes proposals directly). One vote per person per statement (the primary
key): changing it updates the row.

The computed map is kept on the round (`result`, JSON text: positions, groups,
representative and consensus statements) with what keeps it stable from one
recompute to the next (`state`: the number of groups and its challenger, who is
placed on the map, the previous components and group centres). `changed_at` moves
with every vote or accepted statement; `computed_at` says which changes the map
has seen; `lease_until` is the one-process-at-a-time guard of the recompute.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from cps.storage.models import Base
from cps.storage.types import utcnow


class ConsensusRound(Base):
    __tablename__ = "consensus_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), index=True)
    prompt: Mapped[str] = mapped_column(String(500))
    open_submissions: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    computed_at: Mapped[datetime | None] = mapped_column(default=None)
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    result: Mapped[str | None] = mapped_column(Text, default=None)
    state: Mapped[str | None] = mapped_column(Text, default=None)


class ConsensusStatement(Base):
    __tablename__ = "consensus_statements"
    __table_args__ = (
        UniqueConstraint("round_id", "text", name="uq_consensus_statements_round_text"),
        CheckConstraint("status IN ('accepted', 'pending', 'rejected')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("consensus_rounds.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(String(280))
    status: Mapped[str] = mapped_column(String(10))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    decided_at: Mapped[datetime | None] = mapped_column(default=None)


class ConsensusVote(Base):
    """agree = 1, disagree = -1, pass = 0; a statement never voted on has no row."""

    __tablename__ = "consensus_votes"
    __table_args__ = (CheckConstraint("vote IN (-1, 0, 1)", name="vote"),)

    statement_id: Mapped[int] = mapped_column(
        ForeignKey("consensus_statements.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    round_id: Mapped[int] = mapped_column(
        ForeignKey("consensus_rounds.id", ondelete="CASCADE"), index=True
    )
    vote: Mapped[int] = mapped_column(SmallInteger)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)



# How long the one read of a round's votes may take on PostgreSQL, instead of the 2 s
# bound on every other command: 1.8 million rows on a saturated machine take longer.
VOTES_READ_TIMEOUT = 60.0


async def vote_rows(session: AsyncSession, round_id: int,
                    statement_ids: Sequence[int]) -> list[Sequence[int]]:
    """The votes on these statements of the round as (user_id, statement_id, vote) rows,
    in one read straight from the driver: a big round has millions of votes, and making
    a SQLAlchemy Row of each costs several times the read itself (1.8 million: about
    2 s this way, 8 s through Rows, on SQLite).

    PostgreSQL: asyncpg's own `fetch`, with the ids as an array parameter and its own
    timeout (VOTES_READ_TIMEOUT). SQLite: the DBAPI cursor (no timeout there), and
    the statements are picked out by the caller's matrix."""
    connection = await session.connection()
    ids = [int(i) for i in statement_ids]
    if connection.dialect.name == "postgresql":
        raw = await connection.get_raw_connection()
        rows: list[Sequence[int]] = await raw.driver_connection.fetch(  # type: ignore[union-attr]
            "SELECT user_id, statement_id, vote FROM consensus_votes "
            "WHERE round_id = $1 AND statement_id = ANY($2::int[])",
            int(round_id), ids, timeout=VOTES_READ_TIMEOUT)
        return rows
    where = f"round_id = {int(round_id)}"  # an int: nothing to escape
    sql = "SELECT user_id, statement_id, vote FROM consensus_votes WHERE " + where  # noqa: S608

    def fetch(sync: Connection) -> list[Sequence[int]]:
        cursor = sync.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(sql)
            return list(cursor.fetchall())
        finally:
            cursor.close()

    return await connection.run_sync(fetch)
