"""Email's tables: the durable outbox and single-use tokens (docs/email.md).

- `OutboxMessage`: one email to send, written in the transaction of the act that
  causes it, so a rollback takes it back and a commit keeps it however long the
  mail server is away. A sender claims due rows for a lease (`claimed_by`,
  `claimed_until`), sends, and marks them sent; a failure sets the next attempt
  further off. `dedupe_key` (unique) makes "this email once" a constraint: one
  email per notification, one digest per person per period.
- `MailToken`: a link's secret (verify an address, reset a password,
  unsubscribe), stored only as a keyed hash, with its expiry and when it was used.

`claim` is the one statement the two databases write differently: PostgreSQL
skips rows another sender holds (`FOR UPDATE SKIP LOCKED`); SQLite runs one writer
at a time, so its conditional UPDATE is the claim.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from cps.storage import portable
from cps.storage.models import Base
from cps.storage.types import utcnow

TOKEN_PURPOSES = ("verify_email", "password_reset", "unsubscribe")


class OutboxMessage(Base):
    __tablename__ = "mail_outbox"
    __table_args__ = (
        # The sender's question: what is due and not sent yet.
        Index("ix_mail_outbox_due", "sent_at", "next_attempt_at"),
        # The daily cap: what one person was sent (or will be) since a moment.
        Index("ix_mail_outbox_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text, default=None)
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), default=None
    )
    # What the email is: password_reset, verify_email, notification, digest.
    kind: Mapped[str] = mapped_column(String(30))
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    # Set when the server refused the email for good (a 5xx): it is not tried again.
    failed_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)


class MailToken(Base):
    __tablename__ = "mail_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column(default=None)


def _due(now: datetime) -> tuple[Any, ...]:
    return (
        OutboxMessage.sent_at.is_(None),
        OutboxMessage.failed_at.is_(None),
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
    )


async def claim(
    session: AsyncSession, worker: str, now: datetime, lease: timedelta, limit: int
) -> list[OutboxMessage]:
    """Take up to `limit` due emails for `worker` until `now + lease`, counting the
    attempt; another sender's claim that has not lapsed is never taken."""
    due = (
        select(OutboxMessage.id).where(*_due(now))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)
    )
    if portable.locks_rows(session):
        due = due.with_for_update(skip_locked=True)
    stmt = (
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(due.scalar_subquery()), *_due(now))
        .values(claimed_by=worker, claimed_until=now + lease,
                attempts=OutboxMessage.attempts + 1)
        .returning(OutboxMessage)
        .execution_options(synchronize_session=False)
    )
    return list((await session.scalars(stmt)).all())
