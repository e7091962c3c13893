"""Putting an email in the outbox, in the caller's transaction.

An email is a row written with the act that causes it: a rollback takes both
back, a commit keeps it until the sender has handed it to the mail server, however
long that server is away. Without CPS_SMTP_URL nothing is queued (nothing could
send it, and a link queued today must not go out next month). A person gets at
most `mail_daily_cap` emails in 24 hours; what is past the cap is dropped and
logged, never queued for later. A `dedupe_key` already used queues nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select

from cps.services.context import Context
from cps.storage import portable
from cps.storage.database import Transaction
from cps.storage.mail import MailToken, OutboxMessage
from cps.storage.types import utcnow

log = logging.getLogger("cps.mail")

CAP_WINDOW = timedelta(hours=24)
# Sent (or refused) emails are kept this long: longer than every dedupe that reads
# them (a notification's day, a digest's four periods) and the cap's day.
KEEP = timedelta(days=60)
# Tokens are kept this long past their expiry, so a late click still hears "expired".
KEEP_EXPIRED_TOKENS = timedelta(days=7)
# Taken per person while counting against the cap, so two emails at once count as two.
_CAP_LOCK = 0x4350_534D_0000_0000  # "CPSM" + the user id


async def sent_recently(tx: Transaction, user_id: int, now: datetime) -> int:
    """How many emails `user_id` was sent or has queued in the last 24 hours."""
    count = await tx.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.user_id == user_id, OutboxMessage.created_at > now - CAP_WINDOW)
    )
    return int(count or 0)


async def enqueue(
    tx: Transaction,
    ctx: Context,
    *,
    to: str,
    subject: str,
    text: str,
    kind: str,
    html: str | None = None,
    headers: dict[str, str] | None = None,
    user_id: int | None = None,
    dedupe_key: str | None = None,
    now: datetime | None = None,
) -> bool:
    """Queue one email; True if it was queued (False: no SMTP server, over the
    person's daily cap, or its `dedupe_key` was queued before)."""
    if ctx.settings.smtp is None:
        return False
    now = now or utcnow()
    if user_id is not None:
        await portable.advisory_lock(tx.session, _CAP_LOCK + user_id)
        if await sent_recently(tx, user_id, now) >= ctx.settings.mail_daily_cap:
            log.warning("email over the daily cap dropped",
                        extra={"user_id": user_id, "kind": kind})
            return False
    values: dict[str, Any] = {
        "to_address": to, "subject": subject[:300], "text": text, "html": html,
        "headers": headers or {}, "user_id": user_id, "kind": kind,
        "dedupe_key": dedupe_key, "created_at": now, "next_attempt_at": now, "attempts": 0,
    }
    stmt = portable.insert(tx.session, OutboxMessage).values(**values)
    if dedupe_key is not None:
        stmt = stmt.on_conflict_do_nothing(index_elements=["dedupe_key"])
    result = await tx.session.execute(stmt.returning(OutboxMessage.id))
    queued = result.scalar() is not None
    if queued:
        log.info("email queued", extra={"user_id": user_id, "kind": kind})
    return queued


async def prune(ctx: Context, now: datetime) -> int:
    """Forget emails sent or refused more than `KEEP` ago and tokens long expired."""
    async with ctx.db.write() as tx:
        emails = await tx.session.execute(delete(OutboxMessage).where(or_(
            OutboxMessage.sent_at < now - KEEP, OutboxMessage.failed_at < now - KEEP)))
        links = await tx.session.execute(
            delete(MailToken).where(MailToken.expires_at < now - KEEP_EXPIRED_TOKENS))
    removed = int(emails.rowcount or 0) + int(links.rowcount or 0)  # type: ignore[attr-defined]
    if removed:
        log.info("old mail pruned", extra={"removed": removed})
    return removed
