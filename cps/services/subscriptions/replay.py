"""Replays say what a reader may see now.

The events table keeps each event with the data it was published with, for the
retention period. That data may quote content nobody may read any more: the
text of a post its author deleted, a moderator hid, or a moderator held and
rejected; what a post said before an edit; the title of a topic since renamed,
or moved to a space the channel's readers may not see. An event read back from
the table (a subscribe with `since`, the hub's gap fill: both go through
`history.stored`) is therefore brought up to date first: each quote is
replaced by what an anonymous reader of the channel sees now. Live delivery is
untouched: a live event says what was true when it was published.

What quotes what, and the rule:
- `post.*`: the post, as an anonymous reader of the topic sees it now
  (`posts.post_view`: its `body` and `html` empty when it is deleted, hidden,
  held or rejected, its current text otherwise; its flags, `edited_at` and
  author as they are now, `staff` and `official` included: a post by someone
  since removed as an official no longer says they speak for the organization).
  The event's name still says what happened.
- `topic.*`: the topic's `title`: its current title when the channel's readers
  may read the topic (the channel is that topic, or the space the topic is in
  now, or the topic's space is public), empty otherwise.
- Nothing else quotes content. `reaction.changed` and `poll.voted` carry
  counts; a poll's question and options never change, nothing hides a poll
  but its topic, and only the topic's current readers may follow it;
  `moderation.logged` is the public log (kind, rule, role, time);
  `space.settings_changed` is settings; the `user:{id}` notices carry ids,
  actions and the moderator's reason, to that user alone.
An event that comes to quote content gets its rule here.

Cost: one statement per batch and kind of quote (posts, topics), whatever the
number of events, and none for a batch that quotes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import load_only

from cps.services.discussion.posts import post_view
from cps.services.officials.roster import badge, official_of
from cps.services.orgs.access import staff_of
from cps.storage.models import Organization, Post, Space, Topic, User

Data = dict[str, Any]


def _quoted(events: Iterable[tuple[str, Data]], prefix: str, field: str) -> list[Data]:
    """The data of the events named `prefix`* that quote an object (its `id`) by `field`."""
    return [
        data for name, data in events
        if name.startswith(prefix) and isinstance(data.get("id"), int) and field in data
    ]


async def _posts_now(session: AsyncSession, quotes: list[Data]) -> None:
    ids = {data["id"] for data in quotes}
    rows = await session.execute(
        select(Post, User, Organization, staff_of(Topic.space_id, Space.org_id, Post.author_id),
               official_of(Space.org_id, Post.author_id))
        .join(User, User.id == Post.author_id)
        .join(Topic, Topic.id == Post.topic_id)
        .join(Space, Space.id == Topic.space_id)
        .join(Organization, Organization.id == Space.org_id)
        .options(load_only(User.id, User.display_name, User.handle, User.stakeholder_type),
                 load_only(Organization.id, Organization.name))
        .where(Post.id.in_(ids))
    )
    now: dict[int, Data] = {}
    for post, author, org, staff, official in rows.all():
        view = post_view(post, author, viewer=None, moderator=False, staff=bool(staff),
                         official=badge(org, official))
        if post.review is not None:  # held or rejected: no reader is shown it at all
            view.body = view.html = ""
        # The post as it is now; an event's reactions are always empty.
        now[post.id] = view.model_dump(mode="json", exclude={"reactions", "my_reactions"})
    for data in quotes:
        data.update(now.get(data["id"], {"body": "", "html": ""}))


async def _topics_now(session: AsyncSession, channel: str, quotes: list[Data]) -> None:
    kind, _, raw_id = channel.partition(":")
    channel_id = int(raw_id) if raw_id.isdigit() else None
    ids = {data["id"] for data in quotes}
    rows = await session.execute(
        select(Topic.id, Topic.title, Topic.space_id, Space.visibility)
        .join(Space, Space.id == Topic.space_id)
        .where(Topic.id.in_(ids))
    )
    readable = {
        topic_id: title
        for topic_id, title, space_id, visibility in rows.all()
        if visibility == "public"
        or (kind == "topic" and topic_id == channel_id)
        or (kind == "space" and space_id == channel_id)
    }
    for data in quotes:
        data["title"] = readable.get(data["id"], "")


async def bring_up_to_date(
    session: AsyncSession, channel: str, events: list[tuple[str, Data]]
) -> None:
    """Replace, in place, what the `(name, data)` events of `channel` quote with
    what an anonymous reader of the channel may see now."""
    if posts := _quoted(events, "post.", "body"):
        await _posts_now(session, posts)
    if topics := _quoted(events, "topic.", "title"):
        await _topics_now(session, channel, topics)
