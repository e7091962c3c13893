"""A space's review queue changed: said on `moderation:{space_id}`.

The moderators' queue (moderation/overview.py) spans many spaces; its pages
follow the `moderation:{id}` channel of each space they show and read the queue
again when it says something changed. Only the space's moderators may follow
it (`subscriptions.permission`), and the event quotes nothing: the space and
what happened (`flag.created`, `post.held`, `appeal.created`, or the audited
act, e.g. `flags.dismiss`), so a replay never needs to hide anything from it.
"""

from __future__ import annotations

from cps.services.context import Context
from cps.services.events import channels, journal
from cps.storage.database import Transaction

EVENT = "queue.changed"


async def queue_changed(tx: Transaction, ctx: Context, space_id: int, what: str) -> None:
    """Record, in `tx`, that the review queue of `space_id` changed by `what`."""
    await journal.record(tx, ctx.events, channels.moderation(space_id), EVENT,
                         {"space_id": space_id, "what": what})
