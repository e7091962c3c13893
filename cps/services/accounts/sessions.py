"""A person's own sessions: the list (device, address, last use) and ending
one, or every one but the current.

A session is an `auth_tokens` row; ending it revokes the row and tells the
person's live sockets opened with it (`session.revoked` on `user:{id}`), which
close with 4001, as on sign-out."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import BindParameter, ColumnElement, select, update

from cps.services.accounts.views import SessionView
from cps.services.context import Actor, Context
from cps.services.errors import NotFound
from cps.services.events import notify
from cps.storage.database import Transaction
from cps.storage.models import AuthToken
from cps.storage.types import utcnow

log = logging.getLogger("cps.sessions")


Moment = datetime | BindParameter[datetime]


def in_force(now: Moment, idle_since: Moment) -> tuple[ColumnElement[bool], ...]:
    """A session still in force at `now`: not revoked, before its absolute end, and
    used since `idle_since` (now less the idle lifetime). Every request checks it
    (`accounts.authenticate`, with bound parameters), as the list below does."""
    return (
        AuthToken.revoked_at.is_(None),
        AuthToken.expires_at > now,
        AuthToken.last_used_at > idle_since,
    )


def _live(ctx: Context, actor: Actor) -> tuple[ColumnElement[bool], ...]:
    now = utcnow()
    idle_since = now - timedelta(seconds=ctx.settings.session_idle_seconds)
    return (AuthToken.user_id == actor.id, *in_force(now, idle_since))


async def list_sessions(ctx: Context, actor: Actor) -> list[SessionView]:
    """The person's sessions that are still valid, most recently used first."""
    idle = timedelta(seconds=ctx.settings.session_idle_seconds)
    async with ctx.db.read() as session:
        rows = (await session.scalars(
            select(AuthToken).where(*_live(ctx, actor))
            .order_by(AuthToken.last_used_at.desc(), AuthToken.id.desc())
        )).all()
    return [
        SessionView(
            id=row.id, created_at=row.created_at, last_used_at=row.last_used_at,
            expires_at=min(row.expires_at, row.last_used_at + idle),
            user_agent=row.user_agent, address=row.address, current=row.id == actor.token_id,
        )
        for row in rows
    ]


async def revoke(tx: Transaction, ctx: Context, actor: Actor, token_ids: list[int]) -> None:
    """End these sessions of `actor`'s, and close the live sockets opened with them."""
    if not token_ids:
        return
    await tx.session.execute(
        update(AuthToken).where(AuthToken.id.in_(token_ids)).values(revoked_at=utcnow())
    )
    for token_id in token_ids:
        await notify.user(tx, ctx, actor.id, "session.revoked", {"token_id": token_id}
        )


async def end_session(ctx: Context, actor: Actor, session_id: int) -> None:
    """End one of the person's own sessions (the current one too: that signs out)."""
    async with ctx.db.write() as tx:
        found = await tx.session.scalar(
            select(AuthToken.id).where(AuthToken.id == session_id, *_live(ctx, actor))
        )
        if found is None:
            raise NotFound("You have no such session.")
        await revoke(tx, ctx, actor, [session_id])
    log.info("session ended", extra={"user_id": actor.id, "session_id": session_id})


async def end_other_sessions(ctx: Context, actor: Actor) -> int:
    """Sign out everywhere else: end every session but the one in use. Answers how many."""
    async with ctx.db.write() as tx:
        ids = list((await tx.session.scalars(
            select(AuthToken.id).where(*_live(ctx, actor), AuthToken.id != actor.token_id)
        )).all())
        await revoke(tx, ctx, actor, ids)
    log.info("other sessions ended", extra={"user_id": actor.id, "ended": len(ids)})
    return len(ids)
