"""What a participant's post, topic, edit, reaction or flag must pass before it lands.

Called by the posts and topics services inside their write transactions, in this
order: standing (bans and mutes), rate limits (every tier, unless
CPS_RATE_LIMITS=off), then, where the organization's tier has
"moderation_tools" and the author is not a moderator of the space: slow mode,
the word filter and pre-moderation. A post that must wait for a moderator is
held: stored hidden with `review = "pending"`, seen only by its author and the
space's moderators, announced (post.created) only when approved.
"""

from __future__ import annotations

import math

from sqlalchemy import ColumnElement, func, or_, select, true

from cps.services.context import Actor, Context
from cps.services.discussion import word_filter
from cps.services.errors import Invalid, NotFound, RateLimited
from cps.services.orgs import standing
from cps.services.orgs.access import SpaceAccess
from cps.services.tiers import plans
from cps.storage.database import Transaction
from cps.storage.models import Post, Topic
from cps.storage.types import utcnow

HELD_REASON = "Waiting for a moderator's approval."


class SlowMode(RateLimited):
    code = "slow_mode"


class BlockedWords(Invalid):
    code = "blocked_words"


def _tools(access: SpaceAccess) -> bool:
    return plans.allows(access.org.tier, "moderation_tools")


def _privileged(actor: Actor | None, access: SpaceAccess, post: Post) -> bool:
    return access.can_moderate or (actor is not None and actor.id == post.author_id)


def visible_to(actor: Actor | None, moderator: bool) -> ColumnElement[bool]:
    """Which posts a thread listing shows: held posts only to their author and moderators."""
    if moderator:
        return true()
    uid = actor.id if actor else -1
    return or_(Post.review.is_(None), Post.author_id == uid)


async def _throttle(ctx: Context, key: str, limit: int, window: int, what: str) -> None:
    if not ctx.settings.rate_limits:
        return
    wait = await ctx.throttle.hit(key, limit, window)
    if wait is not None:
        raise RateLimited(f"Too many {what}; try again in {wait} s.", retry_after=wait)


def _filter(access: SpaceAccess, *, block: tuple[str, ...], review: tuple[str, ...]) -> str | None:
    """Apply the space's word filter: raise BlockedWords, or answer "word_filter" to hold."""
    space = access.space
    if space.word_filter_mode == "off" or not _tools(access):
        return None
    blocked = word_filter.matches(space.word_filter_words, *block)
    held = word_filter.matches(space.word_filter_words, *review)
    if space.word_filter_mode == "block" and held:
        blocked += [w for w in held if w not in blocked]
        held = []
    if blocked:
        field = "title" if word_filter.matches(space.word_filter_words, *block[:1]) else "body"
        raise BlockedWords(
            {field: "This space does not allow: " + ", ".join(blocked) + "."},
            message="This space's word filter does not allow some of these words.",
        )
    return "word_filter" if held else None


async def _slow_mode(tx: Transaction, actor: Actor, access: SpaceAccess, topic: Topic) -> None:
    seconds = access.space.slow_mode_seconds
    if seconds <= 0 or not _tools(access):
        return
    last = await tx.session.scalar(
        select(func.max(Post.created_at)).where(
            Post.topic_id == topic.id, Post.author_id == actor.id
        )
    )
    if last is None:
        return
    wait = seconds - (utcnow() - last).total_seconds()
    if wait > 0:
        raise SlowMode(
            f"Slow mode: one post every {seconds} s in this topic.", retry_after=math.ceil(wait)
        )


async def _premoderation(tx: Transaction, actor: Actor, access: SpaceAccess) -> str | None:
    needed = access.space.premoderation_posts
    if needed <= 0 or not _tools(access):
        return None
    published = await tx.session.scalar(
        select(func.count())
        .select_from(Post)
        .join(Topic, Topic.id == Post.topic_id)
        .where(
            Topic.space_id == access.space.id,
            Post.author_id == actor.id,
            Post.review.is_(None),
        )
    )
    return "premoderation" if int(published or 0) < needed else None


async def check_post(
    tx: Transaction,
    ctx: Context,
    actor: Actor,
    access: SpaceAccess,
    topic: Topic,
    *,
    body: str,
    parent: Post | None,
    sanctioned: bool = True,
) -> str | None:
    """Refuse the post (403 banned/muted, 422 blocked words, 429), or answer the rule
    it must be held under ("premoderation", "word_filter"), or None to publish it.
    `sanctioned`: False when the caller read, in this transaction, that no sanction
    is in force on the author in the space (`standing.any_in_force`)."""
    if parent is not None and parent.review is not None and not _privileged(actor, access, parent):
        raise Invalid({"parent_id": "The parent must be a post of the same topic."})
    if not access.can_moderate and sanctioned:
        await standing.require(tx.session, actor.id, access.space.id, act="post")
    await _throttle(ctx, f"posts:{actor.id}", ctx.settings.posts_per_minute, 60, "posts")
    if access.can_moderate:
        return None
    await _slow_mode(tx, actor, access, topic)
    return _filter(access, block=(), review=(body,)) or await _premoderation(tx, actor, access)


async def check_topic(
    tx: Transaction, ctx: Context, actor: Actor, access: SpaceAccess, *, title: str, body: str
) -> str | None:
    """As `check_post`, for opening a topic: a title cannot wait for review, so a
    filtered word in it is refused in both filter modes; the opening post may be held."""
    if not access.can_moderate:
        await standing.require(tx.session, actor.id, access.space.id, act="post")
    await _throttle(ctx, f"topics:{actor.id}", ctx.settings.topics_per_hour, 3600, "new topics")
    if access.can_moderate:
        return None
    return _filter(access, block=(title,), review=(body,)) or await _premoderation(
        tx, actor, access
    )


async def check_edit(tx: Transaction, actor: Actor, access: SpaceAccess, *, body: str) -> None:
    """Muted and banned authors may not edit; an edit may not bring in filtered words."""
    if access.can_moderate:
        return
    await standing.require(tx.session, actor.id, access.space.id, act="post")
    _filter(access, block=(body,), review=())


def hold(post: Post, rule: str | None) -> None:
    """Hold a just-inserted post for review under `rule` (nothing when None)."""
    if rule is None:
        return
    post.review = "pending"
    post.review_rule = rule
    post.hidden = True
    post.hidden_reason = HELD_REASON


async def check_reaction(tx: Transaction, actor: Actor, access: SpaceAccess, post: Post) -> None:
    if post.review is not None and not _privileged(actor, access, post):
        raise NotFound("No such post.")
    if not access.can_moderate:
        await standing.require(tx.session, actor.id, access.space.id, act="react")


async def check_flag(tx: Transaction, actor: Actor, access: SpaceAccess, post: Post) -> None:
    await check_reaction(tx, actor, access, post)
