"""Telling one person something: the one way to notify a user.

A notice is an event on the person's own channel (`user:{id}`), which only
they may follow; it is recorded in the writer's transaction like every event
and reaches their open pages once that commits. What a notice says is for
that person alone (a moderator's reason for hiding their post, the outcome of
their flag); it never quotes content they may not read.
"""

from __future__ import annotations

from typing import Any

from cps.services.context import Context
from cps.services.events import channels, journal
from cps.storage.database import Transaction


async def user(tx: Transaction, ctx: Context, user_id: int, name: str,
               data: dict[str, Any]) -> None:
    """Record `name` with `data` on `user_id`'s channel, published after commit."""
    await journal.record(tx, ctx.events, channels.user(user_id), name, data)
