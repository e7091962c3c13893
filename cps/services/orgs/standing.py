"""A user's standing in a space: the mutes and bans in force right now.

A sanction is in force while it is not lifted and not past its expiry; the
expiry is compared with the clock whenever it matters, so nothing has to run
to lift it when its time is up.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from cps.services.errors import Forbidden
from cps.storage.models import Sanction
from cps.storage.types import utcnow


def in_force(now: datetime | ColumnElement[datetime] | None = None) -> ColumnElement[bool]:
    """SQL: the sanction row is in force at `now` (a time, or a bound parameter)."""
    at = utcnow() if now is None else now
    return Sanction.lifted_at.is_(None) & or_(
        Sanction.expires_at.is_(None), Sanction.expires_at > at
    )


def any_in_force(space_id: ColumnElement[int] | QueryableAttribute[int],
                 user_id: ColumnElement[int], now: ColumnElement[datetime]
                 ) -> ColumnElement[bool]:
    """SQL: some sanction is in force on `user_id` in `space_id` (columns or bound
    parameters), for a query that reads it with something else; `require` then
    reads which."""
    return exists().where(Sanction.space_id == space_id, Sanction.user_id == user_id,
                          in_force(now))


async def active(session: AsyncSession, space_id: int, user_id: int) -> dict[str, Sanction]:
    """The sanctions in force on `user_id` in `space_id`, by kind ("mute", "ban")."""
    rows = (
        await session.scalars(
            select(Sanction)
            .where(Sanction.space_id == space_id, Sanction.user_id == user_id, in_force())
            .order_by(Sanction.id)
        )
    ).all()
    return {row.kind: row for row in rows}


def _until(sanction: Sanction) -> str:
    if sanction.expires_at is None:
        return ""
    return f" until {sanction.expires_at.isoformat(timespec='seconds')}"


async def refuse_banned(session: AsyncSession, user_id: int, space_id: int) -> None:
    """Raise Forbidden (code "banned") if the user is banned from the space."""
    ban = (await active(session, space_id, user_id)).get("ban")
    if ban is not None:
        raise Forbidden(f"You are banned from this space{_until(ban)}.", code="banned")


async def require(session: AsyncSession, user_id: int, space_id: int, *, act: str) -> None:
    """Refuse `act` ("post", "react" or "flag") to a banned user, and posting to a
    muted one: code "banned" or "muted", 403."""
    sanctions = await active(session, space_id, user_id)
    ban = sanctions.get("ban")
    if ban is not None:
        raise Forbidden(f"You are banned from this space{_until(ban)}.", code="banned")
    mute = sanctions.get("mute")
    if mute is not None and act == "post":
        raise Forbidden(
            f"You are muted in this space{_until(mute)}: you may read but not post.",
            code="muted",
        )
