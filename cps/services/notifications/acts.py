"""What each act tells whom: one function per act, called where the act happens, in
its transaction (a small call in discussion, moderation and upgrades). Each names the
people to tell and the kind; `inbox.record` decides whether they hear of it (their
preferences, their following level, whether they may read the space now)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Integer, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from cps.services.context import Context
from cps.services.following import levels
from cps.services.notifications import inbox
from cps.storage import portable
from cps.storage.database import Transaction
from cps.storage.following import SpaceFollow, TopicFollow
from cps.storage.models import OrgAdmin, Organization, Post, Topic, User

# The levels at which a reply to your post reaches you (normal: mentions only).
REPLY_LEVELS = ("watching", "tracking")


async def _topic_of(tx: Transaction, post_id: int) -> int | None:
    return await tx.session.scalar(select(Post.topic_id).where(Post.id == post_id))


async def post_moderated(tx: Transaction, ctx: Context, *, author_id: int, post_id: int,
                         topic_id: int, action: str, reason: str | None) -> None:
    """A moderator's act on a post (hidden, restored, published, rejected): its author.
    The moderator is not named (the post's page does not name them either)."""
    await inbox.record(tx, ctx, author_id, "moderation", topic_id=topic_id, post_id=post_id,
                       data={"action": action, "reason": reason})


async def flag_resolved(tx: Transaction, ctx: Context, *, user_id: int, flag_id: int,
                        post_id: int, outcome: str) -> None:
    """The outcome of someone's flag: the flagger. The reason stays with the post's
    author and the moderators; the flagger learns the outcome."""
    await inbox.record(tx, ctx, user_id, "flag_outcome", topic_id=await _topic_of(tx, post_id),
                       post_id=post_id, data={"flag_id": flag_id, "outcome": outcome})


async def appeal_answered(tx: Transaction, ctx: Context, *, user_id: int, appeal_id: int,
                          space_id: int, appeal_kind: str, subject_id: int, decision: str,
                          reason: str, by: int) -> None:
    """The answer to someone's appeal (against a hidden post or a ban): who appealed."""
    post_id = subject_id if appeal_kind == "post" else None
    topic_id = await _topic_of(tx, post_id) if post_id is not None else None
    await inbox.record(tx, ctx, user_id, "appeal_answer", actor_id=by, topic_id=topic_id,
                       post_id=post_id, space_id=space_id,
                       data={"appeal_id": appeal_id, "appeal_kind": appeal_kind,
                             "decision": decision, "reason": reason})


async def tier_decided(tx: Transaction, ctx: Context, org: Organization, *, by: int,
                       decision: str, from_tier: str, to_tier: str, reason: str) -> None:
    """A decision on an organization's tier (a request approved or rejected, or a
    change a platform admin made directly): every admin of the organization."""
    admins = (await tx.session.scalars(
        select(OrgAdmin.user_id).where(OrgAdmin.org_id == org.id))).all()
    await inbox.record_each(tx, ctx, admins, "tier_decision", actor_id=by, data={
        "org_id": org.id, "org_name": org.name, "decision": decision,
        "from_tier": from_tier, "to_tier": to_tier, "reason": reason,
    })


_TOPIC, _SPACE = bindparam("topic_id", type_=Integer), bindparam("space_id", type_=Integer)


def _follows(kind: portable.Kind) -> tuple[ColumnElement[str | None], ColumnElement[bool]]:
    """Each person's level for the topic (the topic's own, else its space's; NULL: none
    chosen) and who an act tells: those of `ids`, the topic's watchers and its
    space's watchers: the rule of `following.levels` (`levels_of` and `watchers`),
    read with the people in one statement for the acts that happen most (a post in a
    busy topic holds the topic's lock meanwhile). A lookup by key per person and one
    per kind of watcher: no set of follows built and sorted per post."""
    own = (select(TopicFollow.level)
           .where(TopicFollow.user_id == User.id, TopicFollow.topic_id == _TOPIC)
           .scalar_subquery())
    by_space = (select(SpaceFollow.level)
                .where(SpaceFollow.user_id == User.id, SpaceFollow.space_id == _SPACE)
                .scalar_subquery())
    who = or_(portable.any_of(kind, User.id, "ids"),
              User.id.in_(select(TopicFollow.user_id).where(TopicFollow.topic_id == _TOPIC,
                                                          TopicFollow.level == "watching")),
              User.id.in_(select(SpaceFollow.user_id).where(SpaceFollow.space_id == _SPACE,
                                                          SpaceFollow.level == "watching")))
    return func.coalesce(own, by_space), who


# An act's audience and what telling them reads of them, in one statement: everyone
# it names or who follows the topic or its space, and the actor (whose name the
# notification carries). PostgreSQL runs it on its driver (portable.Hot).
# Its work grows with the topic's watchers: on SQLite a large audience is read in
# aiosqlite's thread, leaving the event loop free (portable.Hot's `grows`).
_AUDIENCE = portable.Hot(lambda kind: inbox.audience_statement(*_follows(kind)),
                         grows=True)


def audience_statement(kind: portable.Kind) -> Any:
    """The statement of an act's audience (`_AUDIENCE`), for a writer that reads it
    with its own write (a post's insert: `portable.HotWithWrites`'s `beside`), bound
    as `audience_params` binds it."""
    return inbox.audience_statement(*_follows(kind))


def audience_params(topic: Topic, user_ids: Iterable[int], actor_id: int | None
                    ) -> dict[str, Any]:
    return {"ids": sorted(set(user_ids) | ({actor_id} if actor_id is not None else set())),
            "topic_id": topic.id, "space_id": topic.space_id}


async def _audience(session: AsyncSession, topic: Topic, user_ids: Iterable[int],
                    actor_id: int | None, heard: inbox.Audience | None = None
                    ) -> tuple[dict[int, str], list[int], inbox.Audience]:
    """The level of each of `user_ids` for `topic` (the topic's own, else the space's,
    else normal), who watches the topic (ids ascending), and what `inbox.record_all`
    reads of them and of the actor (`known`, for the topic's space). `heard`: the
    audience as the caller read it (`audience_statement`), else read here."""
    ids = set(user_ids)
    if heard is None:
        heard = await inbox.audience(session, _AUDIENCE, audience_params(topic, ids, actor_id))
    chosen = {uid: level or levels.DEFAULT for uid, level in heard.levels.items()}
    watching = sorted(uid for uid, level in chosen.items() if level == "watching")
    return ({uid: chosen.get(uid, levels.DEFAULT) for uid in {*ids, *watching}}, watching,
            heard)


async def question_changed(tx: Transaction, ctx: Context, *, topic_id: int, asked_by: int,
                           status: str, by_user: int, answer_post_id: int | None) -> None:
    """A question's new status (an official's answer among them): who asked it and
    who watches it, unless they muted it."""
    topic = await tx.session.get(Topic, topic_id)
    assert topic is not None
    found, _, heard = await _audience(tx.session, topic, [asked_by], by_user)
    await inbox.record_all(
        tx, ctx, [inbox.Recipient(uid, "question_status", level)
                  for uid, level in found.items()],
        actor_id=by_user, topic_id=topic_id, space_id=topic.space_id,
        post_id=answer_post_id if status == "answered" else None, data={"status": status},
        known=heard.known)


async def post_tells(session: AsyncSession, parent_id: int | None, topic: Topic,
                     mentioned: Sequence[int]) -> dict[int, str]:
    """Whom a published post tells by name, and of what, before its watchers: those it
    mentions (`mention`), else the author of the post it replies to (`parent_id`; at
    the top of the thread, of its topic: `reply`). No statement: the parent is the
    one its writer loaded."""
    tell: dict[int, str] = {}
    for user_id in mentioned:
        tell.setdefault(user_id, "mention")
    replied_to: int | None = topic.author_id
    if parent_id is not None:
        parent = await session.get(Post, parent_id)
        replied_to = parent.author_id if parent is not None else None
    if replied_to is not None:
        tell.setdefault(replied_to, "reply")
    return tell


async def post_published(tx: Transaction, ctx: Context, post: Post, topic: Topic, *,
                         mentioned: Sequence[int], heard: inbox.Audience | None = None
                         ) -> None:
    """A post is published (written, or approved after being held): each person is
    told once, of the first that applies: they are mentioned (`mentioned`: from
    `discussion.mentions`, only people who may read the space), it replies to their
    post (or, at the top of the thread, to their topic) and they watch or track the
    topic, or they watch the topic or its space. A muted topic tells nobody.
    `heard`: its audience, read by its writer with the post's insert
    (`audience_statement` bound by `audience_params` for `post_tells`), else read
    here."""
    session = tx.session
    tell = await post_tells(session, post.parent_id, topic, mentioned)
    found, watching, heard = await _audience(session, topic, tell, post.author_id, heard)
    for user_id in watching:
        tell.setdefault(user_id, "watched_post")
    tell.pop(post.author_id, None)
    await inbox.record_all(
        tx, ctx, [inbox.Recipient(uid, kind, found[uid]) for uid, kind in tell.items()
                  if kind != "reply" or found[uid] in REPLY_LEVELS],
        actor_id=post.author_id, topic_id=topic.id, post_id=post.id, space_id=topic.space_id,
        known=heard.known)


async def mentions_added(tx: Transaction, ctx: Context, post: Post, topic: Topic, *,
                         mentioned: Sequence[int]) -> None:
    """A published post edited to mention people it did not (`mentioned`: from
    `discussion.mentions.added_by_edit`): each of them, unless they muted the topic."""
    if not mentioned:
        return
    found, _, heard = await _audience(tx.session, topic, mentioned, post.author_id)
    await inbox.record_all(
        tx, ctx, [inbox.Recipient(uid, "mention", found[uid]) for uid in mentioned],
        actor_id=post.author_id, topic_id=topic.id, post_id=post.id, space_id=topic.space_id,
        known=heard.known)
