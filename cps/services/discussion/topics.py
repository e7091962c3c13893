"""Topics: opening (with their first post), listing, and the moderators' changes."""

from __future__ import annotations

import base64
import binascii
import logging
from datetime import UTC, datetime

from sqlalchemy import and_, or_, select

from cps.services.accounts.views import Author
from cps.services.audit import trail
from cps.services.context import Actor, Context
from cps.services.discussion import admission, questions
from cps.services.discussion.posts import insert_post, official_badge, post_view
from cps.services.discussion.views import QuestionView, TopicPage, TopicView
from cps.services.errors import Forbidden, Invalid
from cps.services.events import channels, journal
from cps.services.orgs.access import space_access, topic_access
from cps.storage.models import Topic, User
from cps.storage.types import ID_MAX

log = logging.getLogger("cps.topics")


def topic_view(topic: Topic, author: User, question: QuestionView | None = None) -> TopicView:
    """The topic; `question`: its question's state, for a question topic
    (`questions.view_of`, or `questions.views_of` for a page of topics)."""
    return TopicView(
        id=topic.id,
        space_id=topic.space_id,
        author=Author.model_validate(author),
        title=topic.title,
        pinned=topic.pinned,
        locked=topic.locked,
        archived=topic.archived,
        post_count=topic.post_count,
        created_at=topic.created_at,
        last_activity_at=topic.last_activity_at,
        kind=topic.kind,
        question=question,
    )


async def create_topic(
    ctx: Context, actor: Actor, space_id: int, *, title: str, body: str,
    kind: str = "discussion",
) -> TopicView:
    """Open a topic with its first post; `kind` "question" asks the space's
    organization (discussion/questions.py), where the space lets the actor open topics."""
    async with ctx.db.write() as tx:
        access = await space_access(tx.session, actor, space_id)
        if access.space.topic_policy == "moderators" and not access.can_moderate:
            raise Forbidden("In this space only moderators may open topics.")
        held = await admission.check_topic(tx, ctx, actor, access, title=title, body=body)
        author = await tx.session.get(User, actor.id)
        assert author is not None
        topic = Topic(space_id=space_id, author_id=actor.id, title=title.strip(), post_count=0,
                      kind=kind)
        tx.session.add(topic)
        await tx.session.flush()
        post = await insert_post(
            tx, topic, actor, body=body, parent=None, client_id=None, held=held
        )
        question = None
        if kind == "question":
            asked = await questions.ask(tx, topic, access.space, asker_id=actor.id,
                                        by_user=actor.id)
            question = questions.question_view(asked, author)
        view = topic_view(topic, author, question)
        await journal.record(
            tx, ctx.events, channels.space(space_id), "topic.created", view.model_dump(mode="json")
        )
        if post.review is None:  # a held opening post is announced when approved
            await journal.record(
                tx,
                ctx.events,
                channels.topic(topic.id),
                "post.created",
                post_view(post, author, viewer=None, moderator=False,
                          official=await official_badge(tx.session, access, actor.id),
                          ).model_dump(mode="json"),
            )
    log.info("topic opened", extra={"topic_id": topic.id, "space_id": space_id})
    return view


async def get_topic(ctx: Context, actor: Actor | None, topic_id: int) -> TopicView:
    async with ctx.db.read() as session:
        topic, _ = await topic_access(session, actor, topic_id)
        author = await session.get(User, topic.author_id)
        assert author is not None
        return topic_view(topic, author, await questions.view_of(session, topic))


def _encode_cursor(topic: Topic) -> str:
    raw = f"{int(topic.pinned)}|{topic.last_activity_at.isoformat()}|{topic.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[bool, datetime, int]:
    """What `_encode_cursor` wrote, checked: a forged cursor is invalid input."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        pinned, at, topic_id = raw.split("|")
        when, last_id = datetime.fromisoformat(at), int(topic_id)
        if pinned not in {"0", "1"} or when.tzinfo is None or not 0 < last_id <= ID_MAX:
            raise ValueError(raw)
        # OverflowError: a forged time with no UTC instant (9999-12-31T23:00-14:00).
        return pinned == "1", when.astimezone(UTC), last_id
    except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise Invalid({"cursor": "Not a cursor this server gave out."}) from None


async def list_topics(
    ctx: Context, actor: Actor | None, space_id: int, *, cursor: str | None, limit: int
) -> TopicPage:
    """Pinned first, then by latest activity (newest first), then newest id."""
    async with ctx.db.read() as session:
        await space_access(session, actor, space_id)
        stmt = (
            select(Topic, User)
            .join(User, User.id == Topic.author_id)
            .where(Topic.space_id == space_id)
            .order_by(Topic.pinned.desc(), Topic.last_activity_at.desc(), Topic.id.desc())
            .limit(limit + 1)
        )
        if cursor:
            pinned, at, last_id = _decode_cursor(cursor)
            after_in_group = or_(
                Topic.last_activity_at < at,
                and_(Topic.last_activity_at == at, Topic.id < last_id),
            )
            stmt = stmt.where(
                and_(Topic.pinned == pinned, after_in_group) | (Topic.pinned.is_(False))
                if pinned
                else and_(Topic.pinned.is_(False), after_in_group)
            )
        rows = (await session.execute(stmt)).all()
        asked = await questions.views_of(
            session, [t.id for t, _ in rows[:limit] if t.kind == "question"]
        )
    items = [topic_view(t, u, asked.get(t.id)) for t, u in rows[:limit]]
    next_cursor = _encode_cursor(rows[limit - 1][0]) if len(rows) > limit else None
    return TopicPage(items=items, next_cursor=next_cursor)


_CHANGES = {
    "pinned": ("topic.pinned", "topic.unpinned"),
    "locked": ("topic.locked", "topic.unlocked"),
    "archived": ("topic.archived", "topic.unarchived"),
}


async def update_topic(
    ctx: Context,
    actor: Actor,
    topic_id: int,
    *,
    title: str | None = None,
    pinned: bool | None = None,
    locked: bool | None = None,
    archived: bool | None = None,
) -> TopicView:
    """A moderator renames, pins, locks or archives a topic; each change is an event."""
    async with ctx.db.write() as tx:
        topic, access = await topic_access(tx.session, actor, topic_id, for_update=True)
        access.require_moderator()
        changed: list[str] = []
        if title is not None and title.strip() != topic.title:
            topic.title = title.strip()
            changed.append("topic.renamed")
        for field, value in (("pinned", pinned), ("locked", locked), ("archived", archived)):
            if value is not None and getattr(topic, field) != value:
                setattr(topic, field, value)
                changed.append(_CHANGES[field][0 if value else 1])
        await tx.session.flush()
        author = await tx.session.get(User, topic.author_id)
        assert author is not None
        view = topic_view(topic, author, await questions.view_of(tx.session, topic))
        data = view.model_dump(mode="json")
        for name in changed:
            await journal.record(tx, ctx.events, channels.space(topic.space_id), name, data)
            await journal.record(tx, ctx.events, channels.topic(topic.id), name, data)
            await trail.record(tx, ctx, access, space_id=topic.space_id, action=name,
                               target_type="topic", target_id=topic.id)
    if changed:
        log.info("topic changed", extra={"topic_id": topic_id, "changes": changed})
    return view
