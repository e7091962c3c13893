"""A person's notifications: recorded with the act, listed, counted, read.

`record` runs inside the transaction of the act that causes the notification,
so a rolled-back act tells nobody. It never tells the actor of their own act;
it tells nobody of a topic they muted, nor of a space they cannot read at that
moment, nor of a kind they turned off (in the page and by email). Consecutive
unread notifications of one kind on one topic collapse into one (`count` + 1,
the latest actor, post and data), atomically on both databases (the partial
unique index of cps/storage/notifications.py). Once the act commits, the person
hears `notification.created {notification, unread_count}` on `user:{id}`.

What a person may see is decided when the list is read, in the query
(`readable`): a notification whose space they can no longer read, or whose
post is now deleted, hidden or held (unless it is theirs or they moderate the
space), is neither listed nor counted. The three kinds about a decision
(`flag_outcome`, `appeal_answer`, `moderation`) stay listed when their post is
hidden: the hiding is what they tell.

The unread count is an exact COUNT of what the list would show unread. Writers
that change one person's notifications take turns on that person (an advisory
lock on PostgreSQL; SQLite has one writer), so the count each event carries is
the count after that act, and the last event a page hears is the truth.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVarTuple, cast

from sqlalchemy import (
    BindParameter,
    Boolean,
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    exists,
    false,
    func,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute, aliased

from cps.services.context import Actor, Context
from cps.services.errors import Invalid
from cps.services.events import notify
from cps.services.notifications import preferences
from cps.services.notifications.views import (
    Kind,
    NotificationActor,
    NotificationPage,
    NotificationView,
    PreferencesView,
)
from cps.storage import portable
from cps.storage.database import Transaction
from cps.storage.models import OrgAdmin, Post, Space, SpaceMember, SpaceModerator, Topic, User
from cps.storage.notifications import (
    KINDS,
    Notification,
    NotificationPreference,
    collapse_into,
)
from cps.storage.types import ID_MAX, utcnow

CREATED = "notification.created"
READ = "notification.read"
# Kinds that tell of a decision on a post: listed even while the post is hidden.
DECISIONS = ("flag_outcome", "appeal_answer", "moderation")
PAGE_MAX = 100
READ_MAX = 200  # ids marked read in one call
# pg_advisory_xact_lock keys of "one person's notifications": this base + the user id.
_LOCK_BASE = 0x4E6F_7469_0000_0000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)

_Actor = aliased(User, name="notification_actor")
Rows = TypeVarTuple("Rows")


# --- who may see what, now --------------------------------------------------------


def _space_of() -> ColumnElement[int]:
    """The space a notification is in now: its topic's (topics move), else its own."""
    return func.coalesce(Topic.space_id, Notification.space_id)


Uid = int | ColumnElement[int] | QueryableAttribute[int]
Flag = bool | ColumnElement[bool]
# The statements run for every notification written are built once, with the person's id
# and platform admin flag bound (building a statement costs more than running it).
_UID = bindparam("uid", type_=Integer)
_ADMIN = bindparam("admin", type_=Boolean)


def readable(user_id: Uid, platform_admin: Flag) -> ColumnElement[bool]:
    """Which notifications of `user_id` they may see now, over a statement joined by
    `_joined` (Topic, Space and Post outer-joined): the space readable to them, the
    post not deleted, and not hidden or held unless theirs, theirs to moderate, or the
    notification tells of the decision itself."""
    admin: ColumnElement[bool]
    if isinstance(platform_admin, bool):
        admin = true() if platform_admin else false()
    else:
        admin = platform_admin
    moderator = or_(
        admin,
        exists().where(OrgAdmin.org_id == Space.org_id, OrgAdmin.user_id == user_id),
        exists().where(SpaceModerator.space_id == Space.id, SpaceModerator.user_id == user_id),
    )
    space_ok = or_(
        Space.id.is_(None),
        Space.visibility == "public",
        moderator,
        exists().where(SpaceMember.space_id == Space.id, SpaceMember.user_id == user_id),
    )
    post_ok = or_(
        Notification.post_id.is_(None),
        and_(
            Post.deleted_at.is_(None),
            # Equalities, not IN: a literal list expands at execution, which a
            # statement run on asyncpg itself cannot (portable.Hot).
            or_(*(Notification.kind == kind for kind in DECISIONS), Post.hidden.is_(False),
                Post.author_id == user_id, moderator),
        ),
    )
    return and_(space_ok, post_ok)


def _joined(stmt: Select[*Rows]) -> Select[*Rows]:
    return (
        stmt.outerjoin(Topic, Topic.id == Notification.topic_id)
        .outerjoin(Space, Space.id == _space_of())
        .outerjoin(Post, Post.id == Notification.post_id)
    )


def _mine(user_id: Uid, platform_admin: Flag) -> ColumnElement[bool]:
    return and_(Notification.user_id == user_id, Notification.web.is_(True),
                readable(user_id, platform_admin))


# Each person's count at once: their own id and platform admin flag read per row. Its
# work grows with the people told and their unread rows: on SQLite many are counted in
# aiosqlite's thread, leaving the event loop free (portable.Hot's `grows`).
_UNREAD_COUNTS = portable.Hot(grows=True, build=lambda kind: (
    _joined(select(Notification.user_id, func.count(Notification.id)).select_from(Notification))
    .where(portable.any_of(kind, Notification.user_id, "ids"),
           Notification.web.is_(True), Notification.read_at.is_(None),
           readable(Notification.user_id,
                    select(User.is_platform_admin).where(User.id == Notification.user_id)
                    .scalar_subquery()))
    .group_by(Notification.user_id)
))
_UNREAD_COUNT = _joined(select(func.count(Notification.id)).select_from(Notification)).where(
    _mine(_UID, _ADMIN), Notification.read_at.is_(None))


async def unread_count(session: AsyncSession, user_id: int, platform_admin: bool) -> int:
    """How many unread notifications the person's list shows: exact, read now."""
    found = await session.scalar(_UNREAD_COUNT, {"uid": user_id, "admin": platform_admin})
    return int(found or 0)


def _listing() -> Select[Notification, int, str, str, str, int, str]:
    stmt = (
        select(Notification, _Actor.id, _Actor.display_name, _Actor.handle, Topic.title,
               Space.id, Space.name)
        .select_from(Notification)
        .outerjoin(_Actor, _Actor.id == Notification.actor_id)
    )
    return _joined(stmt)


def _view(row: Any) -> NotificationView:
    note, actor_id, actor_name, actor_handle, title, space_id, space_name = row
    assert isinstance(note, Notification)
    actor = (NotificationActor(id=actor_id, display_name=actor_name, handle=actor_handle)
             if actor_id is not None else None)
    return NotificationView(
        id=note.id, kind=cast(Kind, note.kind), created_at=note.created_at,
        updated_at=note.updated_at, read_at=note.read_at, actor=actor,
        topic_id=note.topic_id, post_id=note.post_id, space_id=space_id,
        count=note.count, data=dict(note.data or {}), topic_title=title,
        space_name=space_name,
    )


async def visible(session: AsyncSession, user_id: int, platform_admin: bool,
                  ids: Iterable[int]) -> list[NotificationView]:
    """The notifications among `ids` that `user_id` may see now (their own, shown in
    the page), newest first: for whoever tells of them later (email, digests)."""
    wanted = list(ids)
    if not wanted:
        return []
    rows = await session.execute(
        _listing().where(_mine(user_id, platform_admin), Notification.id.in_(wanted))
        .order_by(Notification.updated_at.desc(), Notification.id.desc()))
    return [_view(row) for row in rows.all()]


def _reads_space(user: type[User] | Any, space_id: Uid) -> ColumnElement[bool]:
    """Whether the person in `user` (a users row of the statement) may read the space
    `space_id` now: a condition over a statement that joined the space as `Space`."""
    return and_(Space.id == space_id, or_(
        Space.visibility == "public",
        user.is_platform_admin.is_(True),
        exists().where(OrgAdmin.org_id == Space.org_id, OrgAdmin.user_id == user.id),
        exists().where(SpaceModerator.space_id == Space.id, SpaceModerator.user_id == user.id),
        exists().where(SpaceMember.space_id == Space.id, SpaceMember.user_id == user.id),
    ))


async def can_read_space(session: AsyncSession, user_id: int, space_id: int) -> bool:
    """Whether `user_id` may read the space now (public, or they belong to it)."""
    stmt = select(_reads_space(User, space_id)).select_from(User).join(Space, true()).where(
        User.id == user_id, Space.id == space_id)
    return bool(await session.scalar(stmt))


# --- recording ----------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    """Someone to tell, of what, and their following level for the act's topic (when
    the caller read it; muted: nothing)."""

    user_id: int
    kind: str
    level: str | None = None


@dataclass(frozen=True)
class _Person:
    platform_admin: bool
    prefs: PreferencesView
    reads_space: bool
    name: NotificationActor


_IDS: BindParameter[Any] = bindparam("ids", expanding=True)


def _people_stmt(reads: ColumnElement[bool], who: ColumnElement[bool] | None = None
                 ) -> Select[Any]:
    """The people `who` picks (default: those of `ids`), each with what `record_all`
    reads of them (see `_person`): plain columns, so that PostgreSQL can run it on
    its driver (`portable.Hot`)."""
    prefs = NotificationPreference
    return (select(User.id, User.is_platform_admin, prefs.email, prefs.digest, prefs.kinds,
                   prefs.locale, reads, User.display_name, User.handle)
            .select_from(User)
            .outerjoin(prefs, prefs.user_id == User.id)
            .where(User.id.in_(_IDS) if who is None else who))


_SPACE_ID = bindparam("space_id", type_=Integer)
_PEOPLE = _people_stmt(true())
_PEOPLE_OF_SPACE = _people_stmt(_reads_space(User, _SPACE_ID)).join(Space, Space.id == _SPACE_ID)


async def _people(session: AsyncSession, user_ids: list[int], space_id: int | None
                  ) -> dict[int, _Person]:
    """Each person's platform admin flag, preferences and whether they may read the
    space now: one statement for everyone an act tells."""
    if space_id is None:
        rows = (await session.execute(_PEOPLE, {"ids": user_ids})).all()
    else:
        rows = (await session.execute(_PEOPLE_OF_SPACE,
                                      {"ids": user_ids, "space_id": space_id})).all()
    return {row[0]: _person(row) for row in rows}


def _person(row: Any) -> _Person:
    uid, admin, email, digest, kinds, locale, ok, name, handle = tuple(row)[:9]
    return _Person(bool(admin), preferences.view_from(email, digest, kinds, locale), bool(ok),
                   NotificationActor(id=uid, display_name=name, handle=handle))


def audience_statement(level: ColumnElement[str | None], who: ColumnElement[bool]
                       ) -> Select[Any]:
    """One statement for an act's audience and what `record_all` reads of them: the
    people `who` picks, each with their `level` (NULL: none chosen; both over `User`)
    and whether they may read the space `space_id` now. Built once per database by
    the act (a post runs it)."""
    return (_people_stmt(_reads_space(User, _SPACE_ID), who)
            .join(Space, Space.id == _SPACE_ID).add_columns(level))


@dataclass(frozen=True)
class Audience:
    """What `audience_statement` read: each person's level (None: none chosen) and
    what `record_all` needs of them (`known`)."""

    levels: dict[int, str | None]
    known: dict[int, _Person]


async def audience(session: AsyncSession, stmt: portable.Hot, params: dict[str, Any]
                   ) -> Audience:
    return audience_of(await stmt.rows(session, params))


def audience_of(rows: Sequence[Any]) -> Audience:
    """An `audience_statement`'s rows as `Audience` (a row of NULLs: nobody)."""
    rows = [row for row in rows if row and row[0] is not None]
    return Audience({row[0]: row[-1] for row in rows}, {row[0]: _person(row) for row in rows})


async def _take_turn(session: AsyncSession, user_id: int) -> None:
    """Writers of one person's notifications take turns until commit."""
    await portable.advisory_lock(session, _LOCK_BASE + user_id)


async def record(tx: Transaction, ctx: Context, user_id: int, kind: str, *,
                 level: str | None = None, **fields: Any) -> bool:
    """Tell `user_id` of `kind` in the act's transaction `tx` (see `record_all`).
    Answers whether anything was recorded."""
    return bool(await record_all(tx, ctx, [Recipient(user_id, kind, level)], **fields))


async def record_each(tx: Transaction, ctx: Context, user_ids: Iterable[int], kind: str,
                      **fields: Any) -> list[int]:
    """Tell each of `user_ids` of `kind` (see `record_all`)."""
    return await record_all(tx, ctx, [Recipient(uid, kind) for uid in set(user_ids)],
                            **fields)


async def record_all(
    tx: Transaction,
    ctx: Context,
    recipients: Sequence[Recipient],
    *,
    actor_id: int | None = None,
    topic_id: int | None = None,
    post_id: int | None = None,
    space_id: int | None = None,
    data: dict[str, Any] | None = None,
    known: dict[int, _Person] | None = None,
) -> list[int]:
    """Tell each recipient of their kind, in the act's transaction `tx`: never the
    actor, nobody who muted the topic, turned the kind off in the page and by email,
    or may not read the space now. People are taken in id order (writers lock people
    in one order). `known`: the recipients and the actor as `audience` read them for
    the space `space_id`, in this transaction (else read here). Answers the ids of
    the notifications written or collapsed into."""
    session = tx.session
    wanted = sorted({r.user_id: r for r in recipients
                     if r.user_id != actor_id and r.level != "muted"}.values(),
                    key=lambda r: r.user_id)
    if not wanted:
        return []
    if topic_id is not None and space_id is None:
        space_id = await session.scalar(select(Topic.space_id).where(Topic.id == topic_id))
    people = known if known is not None else await _people(
        session, [r.user_id for r in wanted] + ([actor_id] if actor_id is not None else []),
        space_id)
    actor = people[actor_id].name if actor_id in people else None
    told: list[tuple[Recipient, bool]] = []
    for recipient in wanted:
        assert recipient.kind in KINDS, recipient.kind
        person = people.get(recipient.user_id)
        if person is None or not person.reads_space:
            continue
        web = preferences.wants(person.prefs, recipient.kind, "web")
        if web or preferences.wants(person.prefs, recipient.kind, "email"):
            told.append((recipient, web))
    if not told:
        return []
    # Everyone's turn and every row, then every count: a statement each whatever the
    # number of people (a post in a busy topic holds the topic's lock meanwhile); one
    # person's turn is taken in their row's statement.
    now, payload = utcnow(), data or {}
    notes = await collapse_into(session, [
        {"user_id": r.user_id, "kind": r.kind, "actor_id": actor_id, "topic_id": topic_id,
         "post_id": post_id, "space_id": space_id, "data": payload, "web": web,
         "created": now, "updated": now}
        for r, web in told], turns=[_LOCK_BASE + r.user_id for r, _ in told])
    shown = [r.user_id for r, web in told if web]
    counts: dict[int, int] = {}
    if shown:
        counts = {uid: n for uid, n in await _UNREAD_COUNTS.rows(session, {"ids": shown})}
    for (recipient, web), (note_id, count, created_at, updated_at) in zip(told, notes,
                                                                         strict=True):
        if not web:
            continue
        view = NotificationView(
            id=note_id, kind=cast(Kind, recipient.kind), created_at=created_at,
            updated_at=updated_at, read_at=None, actor=actor, topic_id=topic_id,
            post_id=post_id, space_id=space_id, count=count, data=payload)
        # Names are read with the list; an event keeps ids (docs/notifications.md).
        await notify.user(tx, ctx, recipient.user_id, CREATED, {
            "notification": view.model_dump(mode="json", exclude={"topic_title", "space_name"}),
            "unread_count": counts.get(recipient.user_id, 0),
        })
    return [note[0] for note in notes]


# --- listing ------------------------------------------------------------------------


def _cursor(note: NotificationView) -> str:
    return f"{(note.updated_at - _EPOCH) // _US}.{note.id}"


def _decode(cursor: str) -> tuple[datetime, int]:
    stamp, _, raw_id = cursor.partition(".")
    if not (stamp.isascii() and stamp.isdigit() and raw_id.isascii() and raw_id.isdigit()
            and len(stamp) <= 17 and len(raw_id) <= 10 and int(raw_id) <= ID_MAX):
        raise Invalid({"cursor": "Not a cursor this server gave out."})
    try:
        return _EPOCH + int(stamp) * _US, int(raw_id)
    except OverflowError:
        raise Invalid({"cursor": "Not a cursor this server gave out."}) from None


async def page(ctx: Context, actor: Actor, *, unread_only: bool = False,
               cursor: str | None = None, limit: int = 20) -> NotificationPage:
    """The actor's notifications, newest (last collapsed into) first."""
    limit = max(1, min(limit, PAGE_MAX))
    stmt = _listing().where(_mine(actor.id, actor.is_platform_admin))
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    if cursor:
        at, last_id = _decode(cursor)
        stmt = stmt.where(or_(Notification.updated_at < at,
                              and_(Notification.updated_at == at, Notification.id < last_id)))
    stmt = stmt.order_by(Notification.updated_at.desc(), Notification.id.desc()).limit(limit + 1)
    async with ctx.db.read() as session:
        rows = (await session.execute(stmt)).all()
        count = await unread_count(session, actor.id, actor.is_platform_admin)
    items = [_view(row) for row in rows[:limit]]
    more = len(rows) > limit
    return NotificationPage(notifications=items, unread_count=count,
                            next_cursor=_cursor(items[-1]) if more else None)


# --- reading ------------------------------------------------------------------------


async def mark_read(ctx: Context, actor: Actor, *, ids: Sequence[int] | None = None,
                    everything: bool = False) -> int:
    """Mark the actor's own notifications `ids` (or all of them) read; others' ids
    are ignored. Every open page of theirs hears `notification.read` with the new
    count. Answers the unread count."""
    if everything == (ids is not None):
        raise Invalid({"ids": "Give either ids or all: true."})
    if ids is not None and len(ids) > READ_MAX:
        raise Invalid({"ids": f"At most {READ_MAX} ids at a time."})
    async with ctx.db.write() as tx:
        await _take_turn(tx.session, actor.id)
        stmt = (update(Notification)
                .where(Notification.user_id == actor.id, Notification.web.is_(True),
                       Notification.read_at.is_(None))
                .values(read_at=utcnow())
                .returning(Notification.id))
        if ids is not None:
            stmt = stmt.where(Notification.id.in_(list(ids)))
        marked = sorted((await tx.session.scalars(stmt)).all())
        count = await unread_count(tx.session, actor.id, actor.is_platform_admin)
        if marked:
            said: dict[str, Any] = {"all": True} if everything else {"ids": marked}
            await notify.user(tx, ctx, actor.id, READ, {**said, "unread_count": count})
    return count
