"""What a moderation decision does to a post: its visibility, its open flags,
the author's notice. Every moderation act (a moderator hiding a post, flags
hiding it, a held post published or rejected, an appeal overturned, a ban that
hides a person's posts) goes through these, so each is done one way.

Flags hide a post only when they come from accounts older than the post, and
never a post of the space's staff (`staff_of`): that one tops the queue instead.

Check, do, notify: each act loads the space with the actor's roles and requires
a moderator of *that* space, changes the rows, writes one audit row per act
(cps/services/audit/trail.py) and records its events in the same
transaction: post.hidden / post.restored / post.created on `topic:{id}` for
open pages, a notice on the author's `user:{id}`, `flag.resolved` on each
flagger's `user:{id}`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sqlalchemy import select

from cps.services.context import Actor, Context
from cps.services.discussion import mentions, participation, posts, questions
from cps.services.errors import Forbidden
from cps.services.events import channels, journal, notify
from cps.services.moderation.views import FlagOutcome
from cps.services.notifications import acts
from cps.services.orgs.access import SpaceAccess
from cps.storage.database import Transaction
from cps.storage.models import Flag, Post, Space, Topic, User
from cps.storage.types import utcnow


async def author(tx: Transaction, post: Post) -> User:
    author = await tx.session.get(User, post.author_id)
    assert author is not None
    return author


async def _took_part(tx: Transaction, post: Post, topic: Topic) -> None:
    """A held post is published now: its author takes part in the topic (counted
    under the topic's lock, as a post written unheld is)."""
    await participation.lock_topic(tx, topic.id)
    await participation.took_part(tx, topic.id, post.author_id,
                                  (await author(tx, post)).stakeholder_type, post.created_at)


async def _answers(tx: Transaction, ctx: Context, post: Post, topic: Topic) -> None:
    """A held post is published now: an official's post answers the question it is
    in, as it would have had it not waited (discussion/questions.py `answer_with`),
    unless its author said it does not."""
    if topic.kind == "question" and post.answers_question:
        space = await tx.session.get(Space, topic.space_id)  # loaded with the post's access
        assert space is not None
        await questions.answer_with(tx, ctx, topic, space.org_id, post)


async def _tell(tx: Transaction, ctx: Context, post: Post, topic: Topic) -> None:
    """A held post is published now: whom it mentions or replies to, and who watches
    the topic, hear of it as they would have had it not waited (notifications/acts.py)."""
    await acts.post_published(tx, ctx, post, topic,
                              mentioned=await mentions.mentioned(tx.session, post))


async def notice_author(tx: Transaction, ctx: Context, post: Post, topic: Topic,
                         action: str, reason: str | None) -> None:
    await notify.user(tx, ctx, post.author_id, "moderation.notice", {
        "action": action, "space_id": topic.space_id, "topic_id": topic.id,
        "post_id": post.id, "reason": reason,
    })
    await acts.post_moderated(tx, ctx, author_id=post.author_id, post_id=post.id,
                              topic_id=topic.id, action=action, reason=reason)


async def set_visibility(
    tx: Transaction,
    ctx: Context,
    post: Post,
    topic: Topic,
    *,
    hidden: bool,
    reason: str | None,
    by: Actor | None,
    notice: bool = True,
    author_staff: bool | None = None,
) -> bool:
    """Hide (keeping the post's place in the thread) or restore a post, emit
    post.hidden / post.restored on the topic and tell the author. Answers
    whether anything changed. No audit row: the caller writes it. Restoring a
    held post publishes it (post.created: readers never heard of it before)."""
    if post.hidden == hidden and (hidden or post.review is None):
        return False
    # A post held for review was never announced: readers learn of it only when
    # it is published (then as post.created), never of what happens to it before.
    announced = post.review is None
    post.hidden = hidden
    post.hidden_reason = reason if hidden else None
    post.hidden_by = by.id if hidden and by is not None else None
    if not hidden:
        post.review = None
    await tx.session.flush()
    if not announced and not hidden:
        await _took_part(tx, post, topic)
    name = "post.hidden" if hidden else "post.restored"
    if announced or not hidden:
        await journal.record(
            tx, ctx.events, channels.topic(topic.id), name if announced else "post.created",
            await posts.public_post(tx, post, topic, staff=author_staff),
        )
    if not announced and not hidden:
        await _answers(tx, ctx, post, topic)
        await _tell(tx, ctx, post, topic)
    if notice:
        await notice_author(tx, ctx, post, topic, name, reason)
    return True


async def publish(tx: Transaction, ctx: Context, post: Post, topic: Topic) -> None:
    """Make a held or rejected post visible to everyone and announce it (post.created);
    an official's post answers the question it is in (`_answers`)."""
    post.review = None
    post.hidden = False
    post.hidden_reason = None
    post.hidden_by = None
    await tx.session.flush()
    await _took_part(tx, post, topic)
    await journal.record(
        tx, ctx.events, channels.topic(topic.id), "post.created",
        await posts.public_post(tx, post, topic),
    )
    await _answers(tx, ctx, post, topic)
    await _tell(tx, ctx, post, topic)


async def open_flags(tx: Transaction, post_id: int) -> Sequence[Flag]:
    return (
        await tx.session.scalars(
            select(Flag).where(Flag.post_id == post_id, Flag.resolved_at.is_(None))
            .order_by(Flag.id)
        )
    ).all()


async def resolve_flags(tx: Transaction, ctx: Context, flags: Sequence[Flag],
                         outcome: FlagOutcome, reason: str | None) -> int:
    """Close the flags and tell each flagger the outcome on their user channel."""
    now = utcnow()
    for flag in flags:
        flag.resolved_at = now
        flag.resolution = outcome
        await notify.user(tx, ctx, flag.user_id, "flag.resolved", {
            "flag_id": flag.id, "post_id": flag.post_id, "outcome": outcome, "reason": reason,
        })
        await acts.flag_resolved(tx, ctx, user_id=flag.user_id, flag_id=flag.id,
                                 post_id=flag.post_id, outcome=outcome)
    await tx.session.flush()
    return len(flags)


def rule(flags: Sequence[Flag]) -> str | None:
    """The rule a flag group points at: its most common reason (earliest on a tie)."""
    if not flags:
        return None
    counts = Counter(f.reason for f in flags)
    return max(counts, key=lambda r: (counts[r], -[f.reason for f in flags].index(r)))


def auto_hidden(post: Post) -> bool:
    return post.hidden and post.hidden_by is None and post.review is None


OWN_POST = (
    "You cannot decide on your own post; another moderator or the organization's "
    "admins will."
)


def refuse_own_post(access: SpaceAccess, post: Post) -> None:
    """Nobody judges their own case: a moderator may not hide, restore, approve or
    reject their own post, nor settle the flags on it. The organization's admins
    and platform admins, who answer for the space, may."""
    actor = access.actor
    if actor is not None and actor.id == post.author_id and not access.can_administer:
        raise Forbidden(OWN_POST, code="own_post")
