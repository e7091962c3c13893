"""Questions to the organization: a topic asked as a question, its life and its history.

A question is a topic of kind "question" with a `questions` row
(cps/storage/accountability.py). Its life:

    open ─► acknowledged ─► answered ─► in_progress ─► done
      └──────────────────────►┘    └──────────────────►┘
    and from any state that is not final: ─► declined (with a reason)

`done` and `declined` are final. The officials of the space's organization, the
space's moderators, the organization's admins and platform admins move it (each
step with an optional note; `answered` with the post that answers, if any); a
moderator may turn a discussion into a question (`open`). A published post by an
official of the space's organization in a question that is `open` or
`acknowledged` answers it, in the transaction that publishes the post, unless
the official says otherwise (`posts.create_post(answers_question=False)`).

Every step is a `question_changes` row, an event `question.status_changed`
`{topic_id, question}` on the topic's and the space's channels, and a notice to
the asker (unless they took the step). `due_at` is fixed when the question is
asked: asked_at + the space's response target then. `overdue` is computed when
a question is read: still open or acknowledged, and past `due_at`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, load_only

from cps.services.accounts.views import Author
from cps.services.context import Actor, Context
from cps.services.discussion.views import QuestionChangeView, QuestionView
from cps.services.errors import Conflict, Forbidden, Invalid
from cps.services.events import channels, journal, notify
from cps.services.notifications import acts
from cps.services.officials.roster import is_official
from cps.services.orgs.access import SpaceAccess, topic_access
from cps.storage import portable
from cps.storage.accountability import Question, QuestionChange
from cps.storage.database import Transaction
from cps.storage.models import Post, Space, Topic, User
from cps.storage.types import utcnow

log = logging.getLogger("cps.questions")

# Where a question may go from each state (None: a discussion, which a moderator
# may turn into a question). Skipping ahead is allowed where nothing is skipped
# that the reports measure from a later step: a question may be answered without
# being acknowledged first (answering acknowledges it too), but work is not in
# progress, nor done, before it was answered.
TRANSITIONS: dict[str | None, frozenset[str]] = {
    None: frozenset({"open"}),
    "open": frozenset({"acknowledged", "answered", "declined"}),
    "acknowledged": frozenset({"answered", "declined"}),
    "answered": frozenset({"in_progress", "done", "declined"}),
    "in_progress": frozenset({"done", "declined"}),
    "done": frozenset(),
    "declined": frozenset(),
}
# Waiting for the organization: what an official's post answers, and what can be overdue.
WAITING = frozenset({"open", "acknowledged"})
EVENT = "question.status_changed"


def is_overdue(status: str, due_at: datetime, now: datetime | None = None) -> bool:
    return status in WAITING and (now or utcnow()) > due_at


def question_view(question: Question, asker: User, now: datetime | None = None) -> QuestionView:
    return QuestionView(
        status=question.status,
        asked_by=Author.model_validate(asker),
        asked_at=question.asked_at,
        due_at=question.due_at,
        overdue=is_overdue(question.status, question.due_at, now),
        acknowledged_at=question.acknowledged_at,
        answered_at=question.answered_at,
        answer_post_id=question.answer_post_id,
        closed_at=question.closed_at,
        reason=question.reason,
    )


_ASKER = load_only(User.id, User.display_name, User.handle, User.stakeholder_type)


async def views_of(session: AsyncSession, topic_ids: Sequence[int]) -> dict[int, QuestionView]:
    """The questions of these topics (those that are questions), by topic id: one
    statement for a whole page of topics."""
    if not topic_ids:
        return {}
    rows = (
        await session.execute(
            select(Question, User)
            .join(User, User.id == Question.asked_by)
            .options(_ASKER)
            .where(Question.topic_id.in_(list(topic_ids)))
        )
    ).all()
    now = utcnow()
    return {q.topic_id: question_view(q, asker, now) for q, asker in rows}


async def view_of(session: AsyncSession, topic: Topic) -> QuestionView | None:
    """The topic's question, or None for a discussion (which costs no statement)."""
    if topic.kind != "question":
        return None
    return (await views_of(session, [topic.id])).get(topic.id)


def _due(asked_at: datetime, space: Space) -> datetime:
    return asked_at + timedelta(days=space.response_target_days)


async def ask(tx: Transaction, topic: Topic, space: Space, *, asker_id: int,
              by_user: int, note: str = "") -> Question:
    """Make `topic` a question asked by `asker_id`, now, due by the space's target,
    and keep its first step (None → open), taken by `by_user`."""
    now = utcnow()
    topic.kind = "question"
    question = Question(topic_id=topic.id, space_id=space.id, org_id=space.org_id,
                        public=space.visibility == "public", status="open", asked_by=asker_id,
                        asked_at=now, due_at=_due(now, space), acknowledged_at=None,
                        answered_at=None, answer_post_id=None, closed_at=None, reason=None)
    tx.session.add(question)
    await tx.session.flush()
    await _keep(tx, question, frm=None, by_user=by_user, note=note, answer_post_id=None,
                at=now)
    return question


async def _locked(tx: Transaction, topic_id: int) -> Question | None:
    return (
        await tx.session.scalars(
            portable.for_update(tx.session, select(Question).where(Question.topic_id == topic_id))
        )
    ).first()


def _stamp(question: Question, to: str, now: datetime) -> None:
    if to == "acknowledged":
        question.acknowledged_at = now
    elif to == "answered":
        question.answered_at = now
        question.acknowledged_at = question.acknowledged_at or now
    elif to in {"done", "declined"}:
        question.closed_at = now
    question.keep_durations()


async def _keep(tx: Transaction, question: Question, *, frm: str | None, by_user: int,
                note: str, answer_post_id: int | None, at: datetime) -> None:
    """Keep the step that brought `question` to its status, taken `at`."""
    tx.session.add(QuestionChange(topic_id=question.topic_id, from_status=frm,
                                  to_status=question.status, by_user=by_user, note=note,
                                  answer_post_id=answer_post_id, created_at=at))
    await tx.session.flush()


async def _announce(tx: Transaction, ctx: Context, question: Question, *,
                    by_user: int) -> QuestionView:
    """Tell the topic's and the space's readers where `question` is now, and the
    asker (unless they took the step themselves)."""
    asker = await tx.session.get(User, question.asked_by)
    assert asker is not None
    view = question_view(question, asker)
    data = {"topic_id": question.topic_id, "question": view.model_dump(mode="json")}
    for channel in (channels.topic(question.topic_id), channels.space(question.space_id)):
        await journal.record(tx, ctx.events, channel, EVENT, data)
    if question.asked_by != by_user:
        await notify.user(tx, ctx, question.asked_by, EVENT, data)
    await acts.question_changed(tx, ctx, topic_id=question.topic_id, asked_by=question.asked_by,
                                status=question.status, by_user=by_user,
                                answer_post_id=question.answer_post_id)
    return view


async def _move(tx: Transaction, ctx: Context, question: Question, to: str, *, by_user: int,
                note: str, answer_post_id: int | None = None,
                reason: str | None = None) -> QuestionView:
    """Move `question` to `to` (a step TRANSITIONS allows), stamp when, keep the
    step and announce it."""
    frm, now = question.status, utcnow()
    question.status = to
    _stamp(question, to, now)
    if answer_post_id is not None:
        question.answer_post_id = answer_post_id
    if reason is not None:
        question.reason = reason
    await _keep(tx, question, frm=frm, by_user=by_user, note=note,
                answer_post_id=answer_post_id, at=now)
    return await _announce(tx, ctx, question, by_user=by_user)


async def answer_with(tx: Transaction, ctx: Context, topic: Topic, org_id: int, post: Post,
                      *, official: bool | None = None) -> QuestionView | None:
    """A just published `post` in `topic` (of organization `org_id`'s space): if the
    topic is a question waiting for an answer and the post's author is an official
    of that organization (`official`, when the caller knows), the post answers it.
    No statement for a discussion."""
    if topic.kind != "question" or post.review is not None or post.deleted_at is not None:
        return None
    if official is False:
        return None
    question = await _locked(tx, topic.id)
    if question is None or question.status not in WAITING:
        return None
    if official is None and not await is_official(tx.session, post.author_id, org_id):
        return None
    view = await _move(tx, ctx, question, "answered", by_user=post.author_id, note="",
                       answer_post_id=post.id)
    log.info("question answered by an official's post",
             extra={"topic_id": topic.id, "post_id": post.id})
    return view


async def _may_move(tx: Transaction, actor: Actor, access: SpaceAccess) -> bool:
    return access.can_moderate or await is_official(tx.session, actor.id, access.org.id)


async def _answer_post(tx: Transaction, topic: Topic, post_id: int) -> int:
    post = await tx.session.get(Post, post_id)
    if (post is None or post.topic_id != topic.id or post.deleted_at is not None
            or post.review is not None or post.hidden):
        raise Invalid({"answer_post_id": "The answer must be a published post of this topic."})
    return post.id


def _check_fields(to: str, *, reason: str | None, answer_post_id: int | None) -> None:
    if to == "declined" and not (reason and reason.strip()):
        raise Invalid({"reason": "Say why the question is declined."})
    if to != "declined" and reason:
        raise Invalid({"reason": "Only a declined question has a reason."})
    if to != "answered" and answer_post_id is not None:
        raise Invalid({"answer_post_id": "Only an answered question names its answer."})


async def change_status(
    ctx: Context,
    actor: Actor,
    topic_id: int,
    *,
    status: str,
    note: str = "",
    answer_post_id: int | None = None,
    reason: str | None = None,
) -> QuestionView:
    """Move the topic's question to `status` (officials of the space's organization,
    the space's moderators, the organization's admins); a moderator turns a
    discussion into a question with "open". 403 for anyone else, 422 for a field
    that does not fit the step, 409 `invalid_transition` for a step the life of a
    question does not have."""
    async with ctx.db.write() as tx:
        topic, access = await topic_access(tx.session, actor, topic_id, for_update=True)
        question = await _locked(tx, topic.id)
        if question is None:
            if not access.can_moderate:
                raise Forbidden("Only the space's moderators may turn a discussion into "
                                "a question.")
        elif not await _may_move(tx, actor, access):
            raise Forbidden("Only the organization's officials, the space's moderators and "
                            "the organization's admins may move a question.")
        frm = question.status if question is not None else None
        if status not in TRANSITIONS[frm]:
            raise Conflict(
                f"A question cannot go from {frm} to {status}." if frm else
                f"A discussion becomes a question as open, not {status}.",
                code="invalid_transition",
            )
        _check_fields(status, reason=reason, answer_post_id=answer_post_id)
        answer = await _answer_post(tx, topic, answer_post_id) if answer_post_id else None
        if question is None:
            question = await ask(tx, topic, access.space, asker_id=topic.author_id,
                                 by_user=actor.id, note=note)
            view = await _announce(tx, ctx, question, by_user=actor.id)
        else:
            # A decline's reason is its note too, unless a note was given.
            why = reason.strip() if status == "declined" and reason else None
            view = await _move(tx, ctx, question, status, by_user=actor.id,
                               note=note or why or "", answer_post_id=answer, reason=why)
    log.info("question status changed",
             extra={"topic_id": topic_id, "from": frm, "to": status, "by": actor.id})
    return view


async def history(ctx: Context, actor: Actor | None, topic_id: int) -> list[QuestionChangeView]:
    """The question's steps, oldest first (empty for a discussion): readers of the topic."""
    by = aliased(User)
    async with ctx.db.read() as session:
        await topic_access(session, actor, topic_id)
        rows = (
            await session.execute(
                select(QuestionChange, by)
                .outerjoin(by, by.id == QuestionChange.by_user)
                .options(load_only(by.id, by.display_name, by.handle, by.stakeholder_type))
                .where(QuestionChange.topic_id == topic_id)
                .order_by(QuestionChange.created_at, QuestionChange.id)
            )
        ).all()
    return [
        QuestionChangeView(
            from_=change.from_status,
            to=change.to_status,
            by=Author.model_validate(who) if who is not None else None,
            note=change.note,
            answer_post_id=change.answer_post_id,
            at=change.created_at,
        )
        for change, who in rows
    ]
