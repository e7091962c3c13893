"""Polls in topics: single choice, one vote per person, results shown to every reader.

Who may do what:
- open a poll in a topic: the space's moderators (and the organization's admins,
  platform admins) and the topic's author; the topic must be open (not locked or
  archived), at most MAX_PER_TOPIC polls per topic;
- vote, change one's vote, withdraw it: anyone signed in who can read the topic,
  while the poll is open, unless banned or muted in the space (a vote is treated
  like a post: code "banned" / "muted", 403);
- close a poll: its creator and the space's moderators, on every tier, so a poll
  can be ended after a downgrade.

Opening, voting and withdrawing need the organization's `polls` capability,
read from its row in the same transaction (402 `tier_required`). After a
downgrade nothing is deleted: polls stay listed with their results, and their
view says `accepting_votes: false` with `read_only_reason: "tier"`.

Events on `topic:{id}`: `poll.created`, `poll.voted` (the new counts, never who
voted; also sent when a vote is changed or withdrawn), `poll.closed`. Each
carries the poll as an anonymous reader sees it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cps.services.accounts.views import Author
from cps.services.context import Actor, Context
from cps.services.errors import Conflict, Forbidden, Invalid, NotFound
from cps.services.events import channels, journal
from cps.services.orgs import standing
from cps.services.orgs.access import SpaceAccess, topic_access
from cps.services.polls.views import PollOptionView, PollView, ReadOnlyReason
from cps.services.tiers import plans
from cps.storage import portable
from cps.storage.database import Transaction
from cps.storage.models import Poll, PollOption, PollVote, Topic, User
from cps.storage.types import utcnow

log = logging.getLogger("cps.polls")

MIN_OPTIONS = 2
MAX_OPTIONS = 10
QUESTION_MAX = 300
LABEL_MAX = 120
MAX_PER_TOPIC = 20


# --- views ------------------------------------------------------------------------


# --- rules ------------------------------------------------------------------------


def _is_closed(poll: Poll, now: datetime) -> bool:
    return poll.closed_at is not None or (poll.closes_at is not None and poll.closes_at <= now)


def _read_only_reason(poll: Poll, topic: Topic, access: SpaceAccess) -> ReadOnlyReason | None:
    if _is_closed(poll, utcnow()):
        return "closed"
    if topic.archived:
        return "topic_archived"
    if topic.locked:
        return "topic_locked"
    if not plans.allows(access.org.tier, "polls"):
        return "tier"
    return None


def _require_open_topic(topic: Topic) -> None:
    if topic.archived:
        raise Conflict("This topic is archived; it takes no new polls or votes.",
                       code="topic_archived")
    if topic.locked:
        raise Conflict("This topic is locked; it takes no new polls or votes.",
                       code="topic_locked")


def _require_accepting(poll: Poll, topic: Topic, access: SpaceAccess) -> None:
    """Refuse a vote or a withdrawal: 409 when closed or the topic is shut, 402 after
    a downgrade (the tier read from the organization's row in this transaction)."""
    if _is_closed(poll, utcnow()):
        raise Conflict("This poll is closed; it takes no more votes.", code="poll_closed")
    _require_open_topic(topic)
    plans.require(access.org.tier, "polls")


async def _require_standing(tx: Transaction, actor: Actor, access: SpaceAccess) -> None:
    if not access.can_moderate:
        await standing.require(tx.session, actor.id, access.space.id, act="post")


def _can_close(poll: Poll, actor: Actor | None, access: SpaceAccess) -> bool:
    return actor is not None and (access.can_moderate or actor.id == poll.created_by)


def _clean_options(options: list[str]) -> list[str]:
    labels = [o.strip() for o in options]
    if not MIN_OPTIONS <= len(labels) <= MAX_OPTIONS:
        raise Invalid({"options": f"Give between {MIN_OPTIONS} and {MAX_OPTIONS} options."})
    for label in labels:
        if not label or len(label) > LABEL_MAX:
            raise Invalid({"options": f"Each option needs 1 to {LABEL_MAX} characters."})
    if len({label.casefold() for label in labels}) != len(labels):
        raise Invalid({"options": "Each option must be different."})
    return labels


# --- reading ----------------------------------------------------------------------


async def _views(
    session: AsyncSession,
    polls: list[tuple[Poll, User]],
    topic: Topic,
    access: SpaceAccess,
    actor: Actor | None,
) -> list[PollView]:
    """The polls with their options, counts and the viewer's vote: three statements."""
    ids = [p.id for p, _ in polls]
    options: dict[int, list[PollOption]] = defaultdict(list)
    counts: dict[int, int] = {}
    mine: dict[int, int] = {}
    if ids:
        for option in (
            await session.scalars(
                select(PollOption)
                .where(PollOption.poll_id.in_(ids))
                .order_by(PollOption.poll_id, PollOption.position)
            )
        ).all():
            options[option.poll_id].append(option)
        counts = {
            option_id: int(n)
            for option_id, n in (
                await session.execute(
                    select(PollVote.option_id, func.count())
                    .where(PollVote.poll_id.in_(ids))
                    .group_by(PollVote.option_id)
                )
            ).all()
        }
        if actor is not None:
            mine = {
                poll_id: option_id
                for poll_id, option_id in (
                    await session.execute(
                        select(PollVote.poll_id, PollVote.option_id).where(
                            PollVote.poll_id.in_(ids), PollVote.user_id == actor.id
                        )
                    )
                ).all()
            }
    views = []
    for poll, creator in polls:
        option_views = [
            PollOptionView(id=o.id, position=o.position, label=o.label, votes=counts.get(o.id, 0))
            for o in options[poll.id]
        ]
        reason = _read_only_reason(poll, topic, access)
        views.append(
            PollView(
                id=poll.id,
                topic_id=poll.topic_id,
                question=poll.question,
                created_by=Author.model_validate(creator),
                created_at=poll.created_at,
                closes_at=poll.closes_at,
                closed_at=poll.closed_at,
                closed=_is_closed(poll, utcnow()),
                options=option_views,
                total_votes=sum(o.votes for o in option_views),
                my_vote=mine.get(poll.id),
                accepting_votes=reason is None,
                read_only_reason=reason,
                can_close=_can_close(poll, actor, access) and reason != "closed",
            )
        )
    return views


async def _one_view(
    session: AsyncSession, poll: Poll, topic: Topic, access: SpaceAccess, actor: Actor | None
) -> PollView:
    creator = await session.get(User, poll.created_by)
    assert creator is not None
    return (await _views(session, [(poll, creator)], topic, access, actor))[0]


async def _poll_access(
    session: AsyncSession, actor: Actor | None, poll_id: int, *, for_update: bool = False
) -> tuple[Poll, Topic, SpaceAccess]:
    """The poll, its topic and the actor's roles; NotFound when the topic is invisible.
    `for_update` locks the poll row on PostgreSQL, so votes on one poll queue and
    each event carries counts that include every vote before it."""
    stmt = select(Poll).where(Poll.id == poll_id)
    poll = await session.scalar(portable.for_update(session, stmt) if for_update else stmt)
    if poll is None:
        raise NotFound("No such poll.")
    topic, access = await topic_access(session, actor, poll.topic_id, missing="No such poll.")
    return poll, topic, access


async def _announce(
    tx: Transaction, ctx: Context, name: str, poll: Poll, topic: Topic, access: SpaceAccess
) -> None:
    """Record `name` on the topic's channel with the poll as an anonymous reader sees it."""
    await tx.session.flush()
    public = await _one_view(tx.session, poll, topic, access, None)
    await journal.record(
        tx, ctx.events, channels.topic(topic.id), name, public.model_dump(mode="json")
    )


async def list_polls(ctx: Context, actor: Actor | None, topic_id: int) -> list[PollView]:
    """Every poll of the topic, oldest first, with results (for everyone who can read it)."""
    async with ctx.db.read() as session:
        topic, access = await topic_access(session, actor, topic_id)
        rows = (
            await session.execute(
                select(Poll, User)
                .join(User, User.id == Poll.created_by)
                .where(Poll.topic_id == topic_id)
                .order_by(Poll.id)
            )
        ).all()
        return await _views(session, [(p, u) for p, u in rows], topic, access, actor)


async def get_poll(ctx: Context, actor: Actor | None, poll_id: int) -> PollView:
    async with ctx.db.read() as session:
        poll, topic, access = await _poll_access(session, actor, poll_id)
        return await _one_view(session, poll, topic, access, actor)


# --- changing ---------------------------------------------------------------------


async def create_poll(
    ctx: Context,
    actor: Actor,
    topic_id: int,
    *,
    question: str,
    options: list[str],
    closes_at: datetime | None,
) -> PollView:
    question = question.strip()
    if not question or len(question) > QUESTION_MAX:
        raise Invalid({"question": f"Ask a question of 1 to {QUESTION_MAX} characters."})
    labels = _clean_options(options)
    if closes_at is not None and closes_at <= utcnow():
        raise Invalid({"closes_at": "The closing time must be in the future."})
    async with ctx.db.write() as tx:
        topic, access = await topic_access(tx.session, actor, topic_id, for_update=True)
        if not (access.can_moderate or topic.author_id == actor.id):
            raise Forbidden("Only the topic's author and the space's moderators may open polls.")
        await _require_standing(tx, actor, access)
        plans.require(access.org.tier, "polls")
        _require_open_topic(topic)
        existing = await tx.session.scalar(
            select(func.count()).select_from(Poll).where(Poll.topic_id == topic_id)
        )
        if int(existing or 0) >= MAX_PER_TOPIC:
            raise Conflict(f"A topic holds at most {MAX_PER_TOPIC} polls.", code="poll_limit")
        poll = Poll(topic_id=topic_id, question=question, created_by=actor.id,
                    created_at=utcnow(), closes_at=closes_at)
        tx.session.add(poll)
        await tx.session.flush()
        tx.session.add_all(
            PollOption(poll_id=poll.id, position=i, label=label) for i, label in enumerate(labels)
        )
        await _announce(tx, ctx, "poll.created", poll, topic, access)
        view = await _one_view(tx.session, poll, topic, access, actor)
    log.info("poll created", extra={"poll_id": view.id, "topic_id": topic_id})
    return view


async def vote(ctx: Context, actor: Actor, poll_id: int, *, option_id: int) -> PollView:
    """Vote, or change one's vote: one statement that inserts or updates the voter's
    row, so simultaneous votes of one person leave one row (the unique constraint)."""
    async with ctx.db.write() as tx:
        poll, topic, access = await _poll_access(tx.session, actor, poll_id, for_update=True)
        _require_accepting(poll, topic, access)
        await _require_standing(tx, actor, access)
        option = await tx.session.get(PollOption, option_id)
        if option is None or option.poll_id != poll_id:
            raise Invalid({"option_id": "Choose one of this poll's options."})
        before = await tx.session.scalar(
            select(PollVote.option_id).where(
                PollVote.poll_id == poll_id, PollVote.user_id == actor.id
            )
        )
        if before != option_id:
            stmt = portable.insert(tx.session, PollVote).values(
                poll_id=poll_id, option_id=option_id, user_id=actor.id, created_at=utcnow()
            )
            await tx.session.execute(
                stmt.on_conflict_do_update(
                    index_elements=[PollVote.poll_id, PollVote.user_id],
                    set_={"option_id": stmt.excluded.option_id,
                          "created_at": stmt.excluded.created_at},
                )
            )
            await _announce(tx, ctx, "poll.voted", poll, topic, access)
        view = await _one_view(tx.session, poll, topic, access, actor)
    log.info("poll vote", extra={"poll_id": poll_id})
    return view


async def withdraw_vote(ctx: Context, actor: Actor, poll_id: int) -> PollView:
    async with ctx.db.write() as tx:
        poll, topic, access = await _poll_access(tx.session, actor, poll_id, for_update=True)
        _require_accepting(poll, topic, access)
        await _require_standing(tx, actor, access)
        result = await tx.session.execute(
            delete(PollVote).where(PollVote.poll_id == poll_id, PollVote.user_id == actor.id)
        )
        if result.rowcount:  # type: ignore[attr-defined]
            await _announce(tx, ctx, "poll.voted", poll, topic, access)
        view = await _one_view(tx.session, poll, topic, access, actor)
    log.info("poll vote withdrawn", extra={"poll_id": poll_id})
    return view


async def close_poll(ctx: Context, actor: Actor, poll_id: int) -> PollView:
    """End a poll for good (its creator, the space's moderators), on every tier."""
    async with ctx.db.write() as tx:
        poll, topic, access = await _poll_access(tx.session, actor, poll_id, for_update=True)
        if not _can_close(poll, actor, access):
            raise Forbidden("Only the poll's creator and the space's moderators may close it.")
        await _require_standing(tx, actor, access)
        if _is_closed(poll, utcnow()):
            raise Conflict("This poll is already closed.", code="poll_closed")
        poll.closed_at = utcnow()
        poll.closed_by = actor.id
        await _announce(tx, ctx, "poll.closed", poll, topic, access)
        view = await _one_view(tx.session, poll, topic, access, actor)
    log.info("poll closed", extra={"poll_id": poll_id})
    return view
