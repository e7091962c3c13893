"""Posts: the threaded tree, edits with history, soft delete, reactions.

Flagging and hiding a post are moderation acts: cps/services/moderation/flags.py
and visibility.py."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    Integer,
    String,
    Table,
    Text,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import load_only
from sqlalchemy.orm.attributes import set_committed_value

from cps.services.accounts.views import OfficialBadge, PostAuthor
from cps.services.context import Actor, Context
from cps.services.discussion import admission, mentions, participation, questions
from cps.services.discussion.views import PostPage, PostView, ReactionState, RevisionView
from cps.services.errors import Conflict, Forbidden, Invalid
from cps.services.events import channels, journal
from cps.services.events import review as queue_events
from cps.services.following import levels
from cps.services.languages import detection, tags
from cps.services.notifications import acts, inbox
from cps.services.officials import roster
from cps.services.orgs import standing
from cps.services.orgs.access import (
    HotTopicAccess,
    SpaceAccess,
    post_access,
    staff_of,
    topic_access,
    with_staff,
)
from cps.storage import portable
from cps.storage.database import Transaction
from cps.storage.models import (
    Flag,
    Organization,
    Post,
    PostRevision,
    Reaction,
    Space,
    Topic,
    User,
)
from cps.storage.types import UTCDateTime, utcnow

log = logging.getLogger("cps.posts")

PATH_WIDTH = 10  # digits per tree level; digits only, so every collation sorts them alike
PAGE_MAX = 100


def _segment(post_id: int) -> str:
    return str(post_id).zfill(PATH_WIDTH)


def post_view(
    post: Post,
    author: User | Actor,
    *,
    viewer: Actor | None,
    moderator: bool,
    reactions: dict[str, int] | None = None,
    mine: list[str] | None = None,
    staff: bool = False,
    official: OfficialBadge | None = None,
    flagged: bool = False,
) -> PostView:
    """A post as `viewer` may see it: hidden posts keep their place but lose their
    content for everyone except their author and the space's moderators. `staff`:
    the author is staff of the post's space (`access.staff_of`); `official`: the
    organization of the post's space, when the author is one of its officials
    (`officials.roster`); `flagged`: `viewer` has flagged it."""
    deleted = post.deleted_at is not None
    privileged = moderator or (viewer is not None and viewer.id == post.author_id)
    show = not deleted and (not post.hidden or privileged)
    return PostView(
        id=post.id,
        topic_id=post.topic_id,
        parent_id=post.parent_id,
        depth=post.depth,
        author=PostAuthor(id=author.id, display_name=author.display_name,
                          handle=author.handle, stakeholder_type=author.stakeholder_type,
                          staff=staff, official=official),
        body=post.body if show else "",
        html=post.html if show else "",
        created_at=post.created_at,
        edited_at=post.edited_at,
        hidden=post.hidden,
        hidden_reason=post.hidden_reason if post.hidden and privileged else None,
        pending=post.review == "pending",
        deleted=deleted,
        reactions=reactions or {},
        my_reactions=mine or [],
        flagged_by_me=flagged,
        lang=post.lang if show else None,
    )


def _public(post: Post, author: User | Actor, *, staff: bool,
            official: OfficialBadge | None) -> dict[str, object]:
    """What an event may say about a post: what an anonymous reader would see."""
    return post_view(post, author, viewer=None, moderator=False, staff=staff,
                     official=official).model_dump(mode="json")


async def official_badge(session: AsyncSession, access: SpaceAccess,
                         author_id: int) -> OfficialBadge | None:
    """`author.official` for a post of `author_id` in the space of `access`."""
    return roster.badge(access.org, await roster.is_official(session, author_id, access.org.id))


async def public_post(
    tx: Transaction, post: Post, topic: Topic, *, staff: bool | None = None
) -> dict[str, Any]:
    """What an event may say about a post: what an anonymous reader would see.
    `staff`: whether the author is staff of the space, when the caller knows. The
    author's marks in the space (staff, official) are read in one statement."""
    author = await tx.session.get(User, post.author_id)
    assert author is not None
    org, is_staff_author, is_official = (
        await tx.session.execute(
            select(Organization, staff_of(Space.id, Space.org_id, post.author_id),
                   roster.official_of(Space.org_id, post.author_id))
            .join(Space, Space.org_id == Organization.id)
            .where(Space.id == topic.space_id)
        )
    ).one()
    return _public(post, author, staff=bool(is_staff_author) if staff is None else staff,
                   official=roster.badge(org, is_official))


def _require_open(topic: Topic) -> None:
    if topic.archived:
        raise Conflict("This topic is archived; it takes no new posts.", code="topic_archived")
    if topic.locked:
        raise Conflict("This topic is locked; it takes no new posts.", code="topic_locked")


@dataclass(frozen=True)
class PostLanguage:
    code: str | None
    chosen: bool  # its author said it (an edit keeps it); else detected


TAG_HINT = "Expected a language tag such as ko, es or pt-BR."


def checked_tag(value: str, where: str) -> str:
    """A language tag from a request (`lang` of a post, a topic list, a search) in its
    canonical case (tags.language_tag), or Invalid naming the field `where`."""
    tag = tags.language_tag(value)
    if tag is None:
        raise Invalid({where: TAG_HINT})
    return tag


def post_language(text: str, said: str | None) -> PostLanguage:
    """The language of a post: the tag its author gave (checked, in canonical case), else
    the one detected from `text` (None when too short or unclear to tell)."""
    if said is not None:
        return PostLanguage(checked_tag(said, "lang"), chosen=True)
    return PostLanguage(detection.detect(text), chosen=False)


# Writing a post runs these two Core statements rather than the ORM's unit of
# work: they are most of what a post costs, and a post is what a live room waits for.
# The post's id is taken in the INSERT itself (PostgreSQL: the id sequence's next
# value; SQLite: the largest id + 1, which is the id SQLite gives a row, taken under
# the write lock), so that its tree path (which ends with the id) is written with
# it: no second UPDATE.
_POSTS = cast(Table, Post.__table__)
_TOPICS = cast(Table, Topic.__table__)
_WRITTEN = [c for c in _POSTS.columns if c.key not in {"id", "path"}]


def _insert_post(kind: portable.Kind) -> Any:
    n = select(portable.next_id(kind, _POSTS).label("id")).subquery("n")
    padded = portable.zero_padded(kind, n.c.id, PATH_WIDTH)
    values = select(n.c.id, *(bindparam(c.key, type_=c.type) for c in _WRITTEN),
                    bindparam("prefix", type_=Text) + padded)
    return (insert(_POSTS)
            .from_select(["id", *(c.key for c in _WRITTEN), "path"], values)
            .returning(_POSTS.c.id))


def _count_post(_kind: portable.Kind) -> Any:
    return (update(_TOPICS)
            .where(_TOPICS.c.id == bindparam("topic_id", type_=Integer))
            .values(post_count=_TOPICS.c.post_count + 1,
                    last_activity_at=bindparam("created_at", type_=UTCDateTime)))


def _count_published(kind: portable.Kind) -> Any:
    """`_count_post`, and a kind more when its author brings one (`participation`)."""
    return _count_post(kind).values(
        stakeholder_kinds=_TOPICS.c.stakeholder_kinds + participation.new_kind())


# The post, and its topic's count and last activity (and, for a reply, its author
# tracking the topic): one round trip on PostgreSQL.
_INSERT_POST = portable.HotWithWrites(_insert_post, _count_post)
_INSERT_REPLY = portable.HotWithWrites(_insert_post, _count_post, levels.track_unless_watching)
# A published reply: with the above, its author taking part, and its audience (who is
# told of it: `acts.post_published`) read beside: on PostgreSQL one statement, one
# round trip inside the topic's turn (SQLite runs the writes after the insert, in this
# order: the topic's new kind is read before the author is counted in).
_INSERT_TELLING = portable.HotWithWrites(
    _insert_post, _count_published, levels.track_unless_watching, participation.counts_in,
    beside=acts.audience_statement)


_POST_CLASS = sa_inspect(Post).class_manager


def _transient_post(**values: Any) -> Post:
    """`Post(**values)` as the ORM makes an object it loads: no __init__, whose
    events cost 17 µs of a post's CPU; the post is written by Core, never by the
    session, so the object only carries its values to the views and the acts."""
    post: Post = _POST_CLASS.new_instance()
    post.__dict__.update(values)
    return post


async def insert_post(
    tx: Transaction,
    topic: Topic,
    actor: Actor,
    *,
    body: str,
    parent: Post | None,
    client_id: str | None,
    held: str | None = None,
    answers_question: bool = True,
    lang: PostLanguage | None = None,
    tracks: bool = False,
    audience: dict[str, Any] | None = None,
) -> tuple[Post, inbox.Audience | None]:
    """Insert a post, held for review under the rule `held` (None: published), and
    give it its tree path (its id is part of the path). Answers the post as written,
    outside the session. `answers_question`: False when its author, an official,
    said it does not answer the question it is in. `lang`: the language as the author
    said it or as detected (`post_language`). `tracks`: its author tracks the topic
    (`levels.track_unless_watching`), in the same statement. `audience`: for a reply
    its author tracks, if it is published, its author takes part in the topic
    (`participation.took_part`; the caller holds the topic's turn) and its audience
    is read (`acts.audience_params`), in the same statement too, and answered."""
    now = utcnow()
    lang = lang or PostLanguage(None, chosen=False)
    post = _transient_post(
        topic_id=topic.id,
        author_id=actor.id,
        parent_id=parent.id if parent else None,
        depth=parent.depth + 1 if parent else 0,
        path="",
        body=body,
        html=await mentions.render(tx.session, body),
        client_id=client_id,
        created_at=now,
        edited_at=None,
        deleted_at=None,
        hidden=False,
        hidden_reason=None,
        hidden_by=None,
        review=None,
        review_rule=None,
        answers_question=answers_question,
        lang=lang.code,
        lang_chosen=lang.chosen,
    )
    admission.hold(post, held)
    prefix = parent.path if parent else ""
    columns = {c.key: getattr(post, c.key) for c in _WRITTEN} | {"prefix": prefix}
    if tracks:
        columns |= {"user_id": actor.id, "space_id": topic.space_id, "now": now,
                    "stakeholder_type": actor.stakeholder_type}
    heard = None
    if audience is not None and tracks and post.review is None:
        rows = await _INSERT_TELLING.rows(tx.session, columns | audience)
        post.id, heard = int(rows[0][0]), inbox.audience_of([row[1:] for row in rows])
    else:
        post.id = int(await (_INSERT_REPLY if tracks else _INSERT_POST).scalar(tx.session,
                                                                              columns))
    post.path = prefix + _segment(post.id)
    # The topic row now says so; its loaded copy learns it without being written again.
    set_committed_value(topic, "post_count", topic.post_count + 1)
    set_committed_value(topic, "last_activity_at", now)
    return post, heard


_BY_CLIENT_ID = (
    select(Post, User)
    .join(User, User.id == Post.author_id)
    .options(load_only(User.id, User.display_name, User.handle, User.stakeholder_type))
    .where(Post.author_id == bindparam("author_id"), Post.client_id == bindparam("client_id"))
)


async def _by_client_id(session: AsyncSession, actor: Actor, client_id: str,
                        official: OfficialBadge | None = None) -> PostView | None:
    """The post the retry key names, read with its author. Called once a post is
    known to have it (the first statement of `create_post` says whether), or after
    a concurrent retry won the race: whether it is used is not read again."""
    params = {"author_id": actor.id, "client_id": client_id}
    row = (await session.execute(_BY_CLIENT_ID, params)).first()
    if row is None:
        return None
    return post_view(row[0], row[1], viewer=actor, moderator=False, official=official)


# The topic (locked where rows are), the actor's access to its space, whether the
# actor is an official of its organization, whether a sanction is in force on them
# there and the post their retry key names, if any (NULL: none, or no key): one
# statement, the first of every post.
_ACTOR = bindparam("uid", type_=Integer)
_EXTRA = (roster.official_of(Space.org_id, _ACTOR),
          standing.any_in_force(Space.id, _ACTOR, bindparam("now", type_=UTCDateTime)),
          select(Post.id).where(Post.author_id == _ACTOR,
                                Post.client_id == bindparam("client_id", type_=String))
          .scalar_subquery())
_TOPIC_TO_POST = HotTopicAccess(*_EXTRA)
# PostgreSQL: posts into one topic take turns on this lock before the topic's row.
# A row lock's waiters are not served in order when each holder updates the row
# (a waiter queued on the old version is overtaken by those who find the new
# one), so under a crowd some waited past the statement timeout and answered 503
# (bench/write.py, 32 writers into one topic); an advisory lock's queue is in
# arrival order, and its holder finds the row free.
_TOPIC_TURN = 0x4350_5350_0000_0000  # "CPSP" + the topic id


def _retried(existing: PostView, topic_id: int) -> PostView:
    """The post a retry answers, unless its client_id was used in another topic."""
    if existing.topic_id != topic_id:
        raise Conflict("This client_id was used for another post.", code="client_id_used")
    return existing


async def create_post(
    ctx: Context,
    actor: Actor,
    topic_id: int,
    *,
    body: str,
    parent_id: int | None,
    client_id: str | None = None,
    answers_question: bool = True,
    lang: str | None = None,
) -> tuple[PostView, bool]:
    """Write a post or a reply. Answers the post and whether it was created now
    (False when `client_id` shows this is a retry of a post that already landed).
    In a question waiting for an answer, a published post by an official of the
    space's organization answers it, unless `answers_question` is False. `lang`: the
    language its author says it is in (a BCP 47 tag); None: detected from the text."""
    language = post_language(body, lang)
    try:
        async with ctx.db.write() as tx:
            await portable.advisory_lock(tx.session, _TOPIC_TURN + topic_id)
            topic, access, (is_official, sanctioned, used) = await _TOPIC_TO_POST.load(
                tx.session, actor, topic_id, now=utcnow(), client_id=client_id)
            official = roster.badge(access.org, is_official)
            if used is not None:
                # A retry of a post that landed: answer it, whatever changed since. Read
                # with the topic locked, so a first attempt still committing on
                # PostgreSQL has committed by now (and is seen here).
                existing = await _by_client_id(tx.session, actor, str(client_id), official)
                if existing is not None:
                    return _retried(existing, topic_id), False
            _require_open(topic)
            parent = None
            if parent_id is not None:
                parent = await tx.session.get(Post, parent_id)
                if parent is None or parent.topic_id != topic_id:
                    raise Invalid({"parent_id": "The parent must be a post of the same topic."})
            held = await admission.check_post(tx, ctx, actor, access, topic, body=body,
                                              parent=parent, sanctioned=bool(sanctioned))
            # Whom it tells by name, and so its audience, read with its insert (unless
            # it is held: a held post is announced when approved).
            audience, mentioned = None, []
            if held is None:
                mentioned = await mentions.mentioned_in(tx.session, body, topic_id, actor.id)
                tell = await acts.post_tells(tx.session, parent_id, topic, mentioned)
                audience = acts.audience_params(topic, tell, actor.id)
            # The author tracks the topic and, unless it is held, takes part in it (the
            # topic's turn is held: who took part is counted one post at a time).
            post, heard = await insert_post(
                tx, topic, actor, body=body, parent=parent, client_id=client_id, held=held,
                answers_question=answers_question, lang=language, tracks=True,
                audience=audience)
            # The actor was read with its name and stakeholder type: the author.
            if post.review is None:
                await journal.record(
                    tx, ctx.events, channels.topic(topic_id), "post.created",
                    _public(post, actor, staff=access.can_moderate, official=official)
                )
                await acts.post_published(tx, ctx, post, topic, mentioned=mentioned,
                                          heard=heard)
            else:
                await queue_events.queue_changed(tx, ctx, topic.space_id, "post.held")
            if answers_question:
                await questions.answer_with(tx, ctx, topic, access.org.id, post,
                                            official=official is not None)
            view = post_view(post, actor, viewer=actor, moderator=access.can_moderate,
                             staff=access.can_moderate, official=official)
    except IntegrityError:
        if client_id is None:
            raise
        # A concurrent retry with the same client_id won the race.
        async with ctx.db.read() as session:
            existing = await _by_client_id(session, actor, client_id)
        if existing is None:
            raise
        return _retried(existing, topic_id), False
    log.info("post created", extra={"post_id": view.id, "topic_id": topic_id})
    return view, True


def _decode_cursor(cursor: str) -> str:
    if not (cursor.isascii() and cursor.isdigit()) or len(cursor) % PATH_WIDTH:
        raise Invalid({"cursor": "Not a cursor this server gave out."})
    return cursor


async def list_posts(
    ctx: Context, actor: Actor | None, topic_id: int, *, cursor: str | None, limit: int
) -> PostPage:
    """The thread in tree order: each post right after its parent's earlier
    subtrees, siblings oldest first. Three statements whatever the page (each
    author's staff and official marks, and whether the reader flagged each post,
    are read with the posts)."""
    limit = max(1, min(limit, PAGE_MAX))
    async with ctx.db.read() as session:
        _, access = await topic_access(session, actor, topic_id)
        stmt = (
            select(Post, User)
            .join(User, User.id == Post.author_id)
            # A page needs each author's name and type, not their email or password hash.
            .options(load_only(User.id, User.display_name, User.handle, User.stakeholder_type))
            .where(Post.topic_id == topic_id, admission.visible_to(actor, access.can_moderate))
            .order_by(Post.path)
            .limit(limit + 1)
        )
        if cursor:
            stmt = stmt.where(Post.path > _decode_cursor(cursor))
        marked = roster.with_official(with_staff(stmt, access.space, User), access.org.id, User)
        # Whether the reader flagged each post: one outer join on the flags'
        # (post, person) unique key, so no row is repeated.
        uid = actor.id if actor else -1
        flagged = marked.outerjoin(
            Flag, and_(Flag.post_id == Post.id, Flag.user_id == uid)
        ).add_columns(Flag.id.is_not(None).label("flagged"))
        rows = (await session.execute(flagged)).all()
        page = rows[:limit]
        ids = [p.id for p, _, _, _, _ in page]
        counts: dict[int, dict[str, int]] = defaultdict(dict)
        mine: dict[int, list[str]] = defaultdict(list)
        if ids:
            reaction_rows = (
                await session.execute(
                    select(
                        Reaction.post_id,
                        Reaction.kind,
                        func.count(),
                        func.sum(case((Reaction.user_id == uid, 1), else_=0)),
                    )
                    .where(Reaction.post_id.in_(ids))
                    .group_by(Reaction.post_id, Reaction.kind)
                )
            ).all()
            for post_id, kind, n, by_me in reaction_rows:
                counts[post_id][kind] = int(n)
                if by_me:
                    mine[post_id].append(kind)
    items = [
        post_view(
            p,
            u,
            viewer=actor,
            moderator=access.can_moderate,
            reactions=counts[p.id],
            mine=mine[p.id],
            staff=bool(is_staff_author),
            official=roster.badge(access.org, is_official),
            flagged=bool(by_me),
        )
        for p, u, is_staff_author, is_official, by_me in page
    ]
    next_cursor = page[-1][0].path if len(rows) > limit else None
    return PostPage(items=items, next_cursor=next_cursor)


async def load_for_change(
    tx: Transaction, actor: Actor, post_id: int
) -> tuple[Post, Topic, SpaceAccess, User]:
    post, topic, access = await post_access(tx.session, actor, post_id)
    author = await tx.session.get(User, post.author_id)
    assert author is not None
    return post, topic, access, author


async def edit_post(ctx: Context, actor: Actor, post_id: int, *, body: str | None,
                    lang: str | None = None, detect: bool = False) -> PostView:
    """The author changes the text (`body`), its language (`lang`, a BCP 47 tag), or
    both. A new text is detected again unless its author said its language;
    `detect`: the author takes back the language they said, and it is detected from
    the text again (the API's `"lang": null`)."""
    if body is None and lang is None and not detect:
        raise Invalid({"body": "Give a new body, a lang, or both."})
    said = post_language("", lang) if lang is not None else None
    async with ctx.db.write() as tx:
        post, topic, access, author = await load_for_change(tx, actor, post_id)
        if post.author_id != actor.id:
            raise Forbidden("Only the author may edit a post.")
        if post.deleted_at is not None:
            raise Conflict("This post was deleted.", code="post_deleted")
        _require_open(topic)
        body = post.body if body is None else body
        await admission.check_edit(tx, actor, access, body=body)
        official = await official_badge(tx.session, access, author.id)
        language: PostLanguage | None
        if said is not None or detect:
            language = said or post_language(body, None)
        elif post.lang_chosen:
            language = PostLanguage(post.lang, chosen=True)
        else:
            language = post_language(body, None) if body != post.body else None
        relabelled = language is not None and (language.code, language.chosen) != (
            post.lang, post.lang_chosen)
        if language is not None:
            post.lang, post.lang_chosen = language.code, language.chosen
        if body == post.body and relabelled:
            await tx.session.flush()
            if post.review is None:  # readers see the new language as they see an edit
                await journal.record(
                    tx, ctx.events, channels.topic(topic.id), "post.edited",
                    _public(post, author, staff=access.can_moderate, official=official)
                )
        if body != post.body:
            earlier = [post.body]
            if "@" in body and post.edited_at is not None:  # older versions, for mentions
                earlier += (await tx.session.scalars(
                    select(PostRevision.body).where(PostRevision.post_id == post.id))).all()
            tx.session.add(
                PostRevision(post_id=post.id, body=post.body, html=post.html,
                             created_at=post.edited_at or post.created_at)
            )
            post.body = body
            post.html = await mentions.render(tx.session, body)
            post.edited_at = utcnow()
            await tx.session.flush()
            if post.review is None:  # a held post is announced when it is published
                await journal.record(
                    tx, ctx.events, channels.topic(topic.id), "post.edited",
                    _public(post, author, staff=access.can_moderate, official=official)
                )
                if "@" in body and not post.hidden:  # a hidden post reaches nobody
                    await acts.mentions_added(
                        tx, ctx, post, topic,
                        mentioned=await mentions.added_by_edit(tx.session, post, earlier))
        view = post_view(post, author, viewer=actor, moderator=access.can_moderate,
                         staff=access.can_moderate, official=official)
    log.info("post edited", extra={"post_id": post_id})
    return view


async def revisions(ctx: Context, actor: Actor | None, post_id: int) -> list[RevisionView]:
    """Earlier versions, oldest first (hidden or deleted posts: author and moderators only)."""
    async with ctx.db.read() as session:
        post, _, access = await post_access(session, actor, post_id)
        privileged = access.can_moderate or (actor is not None and actor.id == post.author_id)
        if (post.hidden or post.deleted_at is not None) and not privileged:
            return []
        rows = (
            await session.scalars(
                select(PostRevision)
                .where(PostRevision.post_id == post_id)
                .order_by(PostRevision.id)
            )
        ).all()
    return [RevisionView.model_validate(r) for r in rows]


async def delete_post(ctx: Context, actor: Actor, post_id: int) -> None:
    async with ctx.db.write() as tx:
        post, topic, access, author = await load_for_change(tx, actor, post_id)
        if post.author_id != actor.id:
            raise Forbidden("Only the author may delete a post.")
        if post.deleted_at is not None:
            return
        post.deleted_at = utcnow()
        await tx.session.flush()
        if post.review is None:  # readers never heard of a held post
            await journal.record(
                tx, ctx.events, channels.topic(topic.id), "post.deleted",
                _public(post, author, staff=access.can_moderate,
                        official=await official_badge(tx.session, access, author.id))
            )
    log.info("post deleted", extra={"post_id": post_id})


async def _reaction_count(tx: Transaction, post_id: int, kind: str) -> int:
    n = await tx.session.scalar(
        select(func.count()).select_from(Reaction).where(
            Reaction.post_id == post_id, Reaction.kind == kind
        )
    )
    return int(n or 0)


async def set_reaction(
    ctx: Context, actor: Actor, post_id: int, *, kind: str, on: bool
) -> ReactionState:
    async with ctx.db.write() as tx:
        post, topic, access, _ = await load_for_change(tx, actor, post_id)
        if post.deleted_at is not None:
            raise Conflict("This post was deleted.", code="post_deleted")
        await admission.check_reaction(tx, actor, access, post)
        # One statement that does nothing when there is nothing to do, so two
        # identical requests at once cannot collide on the primary key.
        if on:
            result = await tx.session.execute(
                portable.insert(tx.session, Reaction)
                .values(post_id=post_id, user_id=actor.id, kind=kind, created_at=utcnow())
                .on_conflict_do_nothing()
            )
        else:
            result = await tx.session.execute(
                delete(Reaction).where(
                    Reaction.post_id == post_id,
                    Reaction.user_id == actor.id,
                    Reaction.kind == kind,
                )
            )
        changed = result.rowcount == 1  # type: ignore[attr-defined]
        data: dict[str, object] = {
            "post_id": post_id,
            "kind": kind,
            "count": await _reaction_count(tx, post_id, kind),
        }
        if changed and post.review is None:  # readers never heard of a held post
            await journal.record(tx, ctx.events, channels.topic(topic.id), "reaction.changed", data)
    return ReactionState.model_validate({**data, "mine": on})
