"""Single-use link tokens: verify an address, reset a password, unsubscribe.

A token is 32 random bytes sent in a link; the database keeps only an HMAC of it
under the server's secret key and its purpose, so a copy of the table opens
nothing and a token of one purpose is no token of another. Redeeming is one
conditional UPDATE (`used_at IS NULL`): of two uses at once, one wins.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cps.services.context import Context
from cps.services.errors import Invalid
from cps.storage.database import Transaction
from cps.storage.mail import MailToken
from cps.storage.types import utcnow

Purpose = Literal["verify_email", "password_reset", "unsubscribe"]

LIFETIME: dict[Purpose, timedelta] = {
    "verify_email": timedelta(days=2),
    "password_reset": timedelta(hours=1),
    "unsubscribe": timedelta(days=90),
}
TOKEN_MAX = 100  # characters: a longer "token" is refused before any hashing


def _digest(ctx: Context, purpose: Purpose, token: str) -> str:
    key = ctx.settings.secret_key.encode()
    return hmac.new(key, f"{purpose}:{token}".encode(), hashlib.sha256).hexdigest()


def refused(code: str, message: str) -> Invalid:
    """The 422 a link answers when it cannot be used (unknown, used, expired)."""
    error = Invalid({"token": message}, message)
    error.code = code
    return error


async def issue(tx: Transaction, ctx: Context, user_id: int, purpose: Purpose,
                now: datetime | None = None) -> str:
    """A new token for `user_id`, valid for its purpose's lifetime from `now`."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    tx.session.add(MailToken(
        purpose=purpose, token_hash=_digest(ctx, purpose, token), user_id=user_id,
        created_at=now, expires_at=now + LIFETIME[purpose],
    ))
    await tx.session.flush()
    return token


async def holder(session: AsyncSession, ctx: Context, token: str, purpose: Purpose,
                 now: datetime | None = None) -> int:
    """The user a usable token belongs to, without using it; else a clear 422
    (`token_invalid`, `token_used`, `token_expired`)."""
    now = now or utcnow()
    if not token or len(token) > TOKEN_MAX:
        raise refused("token_invalid", "This link is not valid.")
    row = await session.scalar(
        select(MailToken).where(MailToken.token_hash == _digest(ctx, purpose, token),
                                MailToken.purpose == purpose)
    )
    if row is None:
        raise refused("token_invalid", "This link is not valid.")
    if row.used_at is not None:
        raise refused("token_used", "This link was already used.")
    if row.expires_at <= now:
        raise refused("token_expired", "This link has expired; ask for a new one.")
    return row.user_id


async def redeem(tx: Transaction, ctx: Context, token: str, purpose: Purpose,
                 now: datetime | None = None) -> int:
    """Use a token once: the user it belongs to, or the 422 `holder` answers."""
    now = now or utcnow()
    user_id = await holder(tx.session, ctx, token, purpose, now)
    used = await tx.session.execute(
        update(MailToken)
        .where(MailToken.token_hash == _digest(ctx, purpose, token), MailToken.used_at.is_(None))
        .values(used_at=now)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        raise refused("token_used", "This link was already used.")
    return user_id


async def spend_all(tx: Transaction, user_id: int, purpose: Purpose,
                    now: datetime | None = None) -> None:
    """Mark every unused token of `user_id` for `purpose` used: after a password is set
    (by a reset or a change), no reset link sent earlier may set it again."""
    await tx.session.execute(
        update(MailToken)
        .where(MailToken.user_id == user_id, MailToken.purpose == purpose,
               MailToken.used_at.is_(None))
        .values(used_at=now or utcnow())
    )
