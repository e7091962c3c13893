"""Topics: opening (with their first post), listing, and the moderators' changes."""

from __future__ import annotations

import base64
import binascii
import logging
from datetime import UTC, datetime
from typing import get_args

from sqlalchemy import Select, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from cps.services.accounts.views import Author, StakeholderType
from cps.services.audit import trail
from cps.services.context import Actor, Context
from cps.services.discussion import admission, mentions, participation, questions
from cps.services.discussion.posts import (
    checked_tag,
    insert_post,
    official_badge,
    post_language,
    post_view,
)
from cps.services.discussion.views import Participation, QuestionView, TopicPage, TopicView
from cps.services.errors import Forbidden, Invalid
from cps.services.events import channels, journal
from cps.services.following import levels
from cps.services.languages.tags import in_language
from cps.services.notifications import acts
from cps.services.orgs.access import space_access, topic_access
from cps.storage.models import Post, Topic, User
from cps.storage.types import ID_MAX

log = logging.getLogger("cps.topics")

# The orders of a space's topic list: "activity" (pinned first, then latest
# activity) and "horizontal" (most kinds of stakeholder first, then latest activity).
SORTS = ("activity", "horizontal")
STAKEHOLDER_TYPES = get_args(StakeholderType)


def topic_view(topic: Topic, author: User, question: QuestionView | None = None,
               took_part: Participation | None = None) -> TopicView:
    """The topic; `question`: its question's state, for a question topic
    (`questions.view_of`, or `questions.views_of` for a page of topics);
    `took_part`: who took part in it (`participation.of_topic`, `of_topics`)."""
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
        participation=took_part or Participation(),
    )


async def create_topic(
    ctx: Context, actor: Actor, space_id: int, *, title: str, body: str,
    kind: str = "discussion", lang: str | None = None,
) -> TopicView:
    """Open a topic with its first post; `kind` "question" asks the space's
    organization (discussion/questions.py), where the space lets the actor open topics.
    `lang`: the first post's language as its author says it; None: told from the title
    and the body."""
    language = post_language(f"{title}\n{body}", lang)
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
        post, _ = await insert_post(
            tx, topic, actor, body=body, parent=None, client_id=None, held=held, lang=language
        )
        await levels.opened(tx, actor.id, topic.id)  # who opens (or asks) watches
        took_part = Participation()
        if post.review is None:  # a held opening post takes part when it is approved
            await participation.took_part(tx, topic.id, actor.id, actor.stakeholder_type,
                                          post.created_at)
            took_part = participation.first(actor.stakeholder_type)
        question = None
        if kind == "question":
            asked = await questions.ask(tx, topic, access.space, asker_id=actor.id,
                                        by_user=actor.id)
            question = questions.question_view(asked, author)
        view = topic_view(topic, author, question, took_part)
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
            await acts.post_published(tx, ctx, post, topic,
                                      mentioned=await mentions.mentioned(tx.session, post))
    log.info("topic opened", extra={"topic_id": topic.id, "space_id": space_id})
    return view


async def view_now(session: AsyncSession, topic: Topic) -> TopicView:
    """One topic as it stands: its author, its question and who took part, read now."""
    author = await session.get(User, topic.author_id)
    assert author is not None
    return topic_view(topic, author, await questions.view_of(session, topic),
                      await participation.of_topic(session, topic.id))


async def get_topic(ctx: Context, actor: Actor | None, topic_id: int) -> TopicView:
    async with ctx.db.read() as session:
        topic, _ = await topic_access(session, actor, topic_id)
        return await view_now(session, topic)


# A cursor is where a page ended, in the list's order: "pinned|at|id" for
# "activity", "h|kinds|at|id" for "horizontal" (base64url, unpadded), so a cursor
# of one order is refused in the other.
def _encode_cursor(topic: Topic, sort: str) -> str:
    at = topic.last_activity_at.isoformat()
    raw = (f"h|{topic.stakeholder_kinds}|{at}|{topic.id}" if sort == "horizontal"
           else f"{int(topic.pinned)}|{at}|{topic.id}")
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, sort: str) -> tuple[int, datetime, int]:
    """What `_encode_cursor` wrote for `sort`, checked: a forged cursor is invalid
    input. Answers the page's last (pinned or kinds, last activity, id)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        parts = raw.split("|")
        if sort == "horizontal":
            mark, group, at, topic_id = parts
            valid = mark == "h" and group in {str(n) for n in range(len(STAKEHOLDER_TYPES) + 1)}
        else:
            group, at, topic_id = parts
            valid = group in {"0", "1"}
        when, last_id = datetime.fromisoformat(at), int(topic_id)
        if not valid or when.tzinfo is None or not 0 < last_id <= ID_MAX:
            raise ValueError(raw)
        # OverflowError: a forged time with no UTC instant (9999-12-31T23:00-14:00).
        return int(group), when.astimezone(UTC), last_id
    except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise Invalid({"cursor": "Not a cursor this server gave out."}) from None


def _ordered(stmt: Select[Topic, User], sort: str,
             cursor: str | None) -> Select[Topic, User]:
    """The space's topics in `sort`'s order, after `cursor` (keyset: the order's
    columns, then the id, so no topic is skipped or repeated between pages)."""
    after = None
    if cursor:
        group, at, last_id = _decode_cursor(cursor, sort)
        after = or_(Topic.last_activity_at < at,
                    and_(Topic.last_activity_at == at, Topic.id < last_id))
    if sort == "horizontal":
        stmt = stmt.order_by(Topic.stakeholder_kinds.desc(), Topic.last_activity_at.desc(),
                             Topic.id.desc())
        if after is not None:
            stmt = stmt.where(or_(Topic.stakeholder_kinds < group,
                                  and_(Topic.stakeholder_kinds == group, after)))
        return stmt
    stmt = stmt.order_by(Topic.pinned.desc(), Topic.last_activity_at.desc(), Topic.id.desc())
    if after is not None:
        stmt = stmt.where(
            and_(Topic.pinned.is_(True), after) | Topic.pinned.is_(False)
            if group
            else and_(Topic.pinned.is_(False), after)
        )
    return stmt


async def list_topics(
    ctx: Context, actor: Actor | None, space_id: int, *, cursor: str | None, limit: int,
    sort: str = "activity", lang: str | None = None,
) -> TopicPage:
    """`sort` "activity": pinned first, then by latest activity (newest first), then
    newest id; "horizontal": the topics where most kinds of stakeholder took part
    first, then by latest activity, then newest id. Each topic with its question
    and who took part: one statement each for the whole page. `lang` (a BCP 47 tag):
    only the topics with a post in that language that every reader may see (published,
    neither hidden nor deleted); `ko` also finds `ko-KR`."""
    if sort not in SORTS:
        raise Invalid({"sort": f"Expected one of: {', '.join(SORTS)}."})
    tag = checked_tag(lang, "lang") if lang is not None else None
    async with ctx.db.read() as session:
        await space_access(session, actor, space_id)
        stmt = (
            select(Topic, User)
            .join(User, User.id == Topic.author_id)
            .where(Topic.space_id == space_id)
            .limit(limit + 1)
        )
        if tag is not None:
            stmt = stmt.where(exists().where(
                Post.topic_id == Topic.id, in_language(Post.lang, tag), Post.hidden.is_(False),
                Post.deleted_at.is_(None), Post.review.is_(None)))
        rows = (await session.execute(_ordered(stmt, sort, cursor))).all()
        page = [t for t, _ in rows[:limit]]
        asked = await questions.views_of(session, [t.id for t in page if t.kind == "question"])
        took_part = await participation.of_topics(session, [t.id for t in page])
    items = [topic_view(t, u, asked.get(t.id), took_part[t.id]) for t, u in rows[:limit]]
    next_cursor = _encode_cursor(rows[limit - 1][0], sort) if len(rows) > limit else None
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
        view = await view_now(tx.session, topic)
        data = view.model_dump(mode="json")
        for name in changed:
            await journal.record(tx, ctx.events, channels.space(topic.space_id), name, data)
            await journal.record(tx, ctx.events, channels.topic(topic.id), name, data)
            await trail.record(tx, ctx, access, space_id=topic.space_id, action=name,
                               target_type="topic", target_id=topic.id)
    if changed:
        log.info("topic changed", extra={"topic_id": topic_id, "changes": changed})
    return view
