"""The consensus map's tables (docs/consensus.md): rounds, their statements, the votes.

A round belongs to a topic. Its statements are seeded by the moderator who opens it
and proposed by participants (pending until a moderator accepts them, unless the
round takes proposals directly). One vote per person per statement (the primary
key): changing it updates the row.

The computed map is kept on the round (`result`, JSON text: positions, groups,
representative and consensus statements) with what keeps it stable from one
recompute to the next (`state`: the number of groups and its challenger, who is
placed on the map, the previous components and group centres). `version` counts
every vote and accepted statement (`changed_at`: the last one's time);
`computed_version` is the version the map has seen, `computed_at` when it was
taken; `lease_until` is the one-process-at-a-time guard of the recompute. A
counter, not a time: a vote's increment is one atomic UPDATE at the end of its
transaction (votes do not queue behind one another for the whole transaction),
and an increment never goes backwards, where a time read before a wait could.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import chain

import numpy as np
import numpy.typing as npt
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
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
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    computed_version: Mapped[int | None] = mapped_column(Integer, default=None)
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
# bound on every other command: millions of rows on a saturated machine take longer.
VOTES_READ_TIMEOUT = 60.0

# One row of PostgreSQL's binary COPY of (user_id int4, statement_id int4, vote int2):
# the number of fields, then each field's length and its big-endian value.
_COPY_ROW = np.dtype([("fields", ">i2"), ("n1", ">i4"), ("user_id", ">i4"), ("n2", ">i4"),
                      ("statement_id", ">i4"), ("n3", ">i4"), ("vote", ">i2")])
_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"


def _from_binary_copy(data: bytes) -> npt.NDArray[np.int64]:
    """The (n, 3) array of a binary COPY's rows (PostgreSQL's documented format: a
    signature, flags, a header extension, the rows, a -1 trailer)."""
    if not data.startswith(_COPY_SIGNATURE):
        raise ValueError("not a binary COPY")
    extension = int.from_bytes(data[15:19], "big")
    body = data[19 + extension:-2]
    rows = np.frombuffer(body, dtype=_COPY_ROW)
    if len(rows) and not ((rows["fields"] == 3).all() and (rows["n3"] == 2).all()):
        raise ValueError("unexpected COPY layout")
    out = np.empty((len(rows), 3), dtype=np.int64)
    out[:, 0], out[:, 1], out[:, 2] = rows["user_id"], rows["statement_id"], rows["vote"]
    return out


async def vote_rows(session: AsyncSession, round_id: int,
                    statement_ids: Sequence[int]) -> npt.NDArray[np.int64]:
    """The votes on these statements of the round as an (n, 3) array of (user_id,
    statement_id, vote), read in one statement straight from the driver: a big round
    has millions of votes, and a SQLAlchemy Row (or an asyncpg Record) for each costs
    several times the read itself.

    PostgreSQL: a binary COPY of the query, parsed by numpy, with its own timeout
    (VOTES_READ_TIMEOUT). SQLite: the DBAPI cursor (no timeout there), every vote of
    the round; the caller's matrix keeps those on its statements."""
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        raw = await connection.get_raw_connection()
        chunks: list[bytes] = []

        async def sink(chunk: bytes) -> None:
            chunks.append(bytes(chunk))

        await raw.driver_connection.copy_from_query(  # type: ignore[union-attr]
            "SELECT user_id, statement_id, vote FROM consensus_votes "
            "WHERE round_id = $1 AND statement_id = ANY($2::int[])",
            int(round_id), [int(i) for i in statement_ids],
            output=sink, format="binary", timeout=VOTES_READ_TIMEOUT)
        return _from_binary_copy(b"".join(chunks))
    where = f"round_id = {int(round_id)}"  # an int: nothing to escape
    sql = "SELECT user_id, statement_id, vote FROM consensus_votes WHERE " + where  # noqa: S608

    def fetch(sync: Connection) -> npt.NDArray[np.int64]:
        cursor = sync.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(sql)
            rows = cursor.fetchall()
        finally:
            cursor.close()
        flat = np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=3 * len(rows))
        return flat.reshape(-1, 3)

    return await connection.run_sync(fetch)
