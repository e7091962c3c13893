"""Who may see and do what in a space: loaded in one statement per object."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVarTuple, cast

from sqlalchemy import (
    ColumnElement,
    Integer,
    Label,
    Result,
    Select,
    and_,
    bindparam,
    exists,
    or_,
    select,
    true,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute, aliased, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from cps.services.context import Actor
from cps.services.errors import Forbidden, NotFound, NotSignedIn
from cps.storage import portable
from cps.storage.models import (
    OrgAdmin,
    Organization,
    Post,
    Space,
    SpaceMember,
    SpaceModerator,
    Topic,
    User,
)


@dataclass(frozen=True)
class SpaceAccess:
    space: Space
    org: Organization
    actor: Actor | None
    is_org_admin: bool
    is_moderator: bool
    is_member: bool

    @property
    def is_platform_admin(self) -> bool:
        return self.actor is not None and self.actor.is_platform_admin

    @property
    def can_view(self) -> bool:
        return (
            self.space.visibility == "public"
            or self.is_platform_admin
            or self.is_org_admin
            or self.is_moderator
            or self.is_member
        )

    @property
    def can_moderate(self) -> bool:
        return self.is_platform_admin or self.is_org_admin or self.is_moderator

    @property
    def can_administer(self) -> bool:
        return self.is_platform_admin or self.is_org_admin

    def require_signed_in(self) -> Actor:
        if self.actor is None:
            raise NotSignedIn("Sign in to do this.")
        return self.actor

    def require_moderator(self) -> Actor:
        actor = self.require_signed_in()
        if not self.can_moderate:
            raise Forbidden("Only this space's moderators may do this.")
        return actor

    def require_admin(self) -> Actor:
        actor = self.require_signed_in()
        if not self.can_administer:
            raise Forbidden("Only the organization's admins may do this.")
        return actor


# The queries are built once, with the caller's id and the object's id as bound
# parameters: building a statement costs more than running it on a warm
# connection, and these run for nearly every request.
_UID = bindparam("uid", type_=Integer)


def _role_columns() -> tuple[Label[bool], Label[bool], Label[bool]]:
    return (
        exists().where(OrgAdmin.org_id == Space.org_id, OrgAdmin.user_id == _UID).label("adm"),
        exists()
        .where(SpaceModerator.space_id == Space.id, SpaceModerator.user_id == _UID)
        .label("mod"),
        exists().where(SpaceMember.space_id == Space.id, SpaceMember.user_id == _UID).label("mem"),
    )


_SPACE = (
    select(Space, Organization, *_role_columns())
    .join(Organization, Organization.id == Space.org_id)
    .where(Space.id == bindparam("space_id", type_=Integer))
)
_TOPIC = (
    select(Topic, Space, Organization, *_role_columns())
    .join(Space, Space.id == Topic.space_id)
    .join(Organization, Organization.id == Space.org_id)
    .where(Topic.id == bindparam("topic_id", type_=Integer))
)
_TOPIC_FOR_UPDATE = _TOPIC.with_for_update(of=Topic)
_TOPIC_WIDTH = len(_TOPIC.column_descriptions)  # its row: the entities and the roles
_POST = (
    select(Post, Topic, Space, Organization, *_role_columns())
    .join(Topic, Topic.id == Post.topic_id)
    .join(Space, Space.id == Topic.space_id)
    .join(Organization, Organization.id == Space.org_id)
    .where(Post.id == bindparam("post_id", type_=Integer))
)


def _uid(actor: Actor | None) -> int:
    return actor.id if actor else -1


def topic_statement(*extra: ColumnElement[Any], for_update: bool = False) -> Select[Any]:
    """The statement of `topic_access`, with `extra` columns read with it (bound
    parameters of theirs: `uid`, the actor's id, and any the caller names), built
    once by a caller that needs more of the topic's space in the same round trip."""
    stmt = _TOPIC.add_columns(*extra)
    return stmt.with_for_update(of=Topic) if for_update else stmt


# Each lookup below answers NotFound when there is no such row or the actor may not
# see it: the two look alike. `missing` is its message, for a caller that looks up
# something of its own through the topic, post or space (a poll, a flag, an appeal).


class HotTopicAccess:
    """`topic_access_with` for the statement every post starts with, on the database's
    driver itself (`portable.Hot`): one statement built once per database, its topic
    row locked where rows are (PostgreSQL), `extra` columns read with it (bound
    parameters of theirs: `uid`, the actor's id, and any the caller names).

    Loading the topic, its space and its organization through the ORM cost the
    request about as much as the rest of the statements of a post together (~600 µs
    of CPU on SQLite, on the benchmark machine): the same columns on the driver
    cost ~80 µs, and making the three objects ~140 µs. They are made as the ORM
    makes what it loads: every column loaded, nothing pending; the topic persistent
    in the session, so what a rule reads or a writer changes behaves as before. The
    space and the organization are read, never written, by a post: they are copies
    outside the session (adding an object to it is most of what making it costs).
    An object the session already holds is the one answered, as the ORM answers it."""

    _ENTITIES: tuple[type[Any], ...] = (Topic, Space, Organization)

    def __init__(self, *extra: ColumnElement[Any]) -> None:
        attrs = [list(sa_inspect(entity).column_attrs) for entity in self._ENTITIES]
        self._keys = [[attr.key for attr in of] for of in attrs]
        # `topic_statement`'s joins, condition and lock, its entities read as columns.
        columns = [attr.columns[0] for of in attrs for attr in of]
        self._hot = portable.Hot(lambda kind: topic_statement(
            *extra, for_update=portable.kind_locks_rows(kind),
        ).with_only_columns(*columns, *_role_columns(), *extra))

    async def load(self, session: AsyncSession, actor: Actor | None, topic_id: int, *,
                   missing: str = "No such topic.", **params: Any
                   ) -> tuple[Topic, SpaceAccess, tuple[Any, ...]]:
        rows = await self._hot.rows(session, {"uid": _uid(actor), "topic_id": topic_id,
                                              **params})
        if not rows:
            raise NotFound(missing)
        row, at, made = tuple(rows[0]), 0, []
        for entity, keys in zip(self._ENTITIES, self._keys, strict=True):
            made.append(_persistent(session, entity, dict(zip(keys, row[at:at + len(keys)],
                                                              strict=True)),
                                    attach=entity is Topic))
            at += len(keys)
        topic, space, org = made
        return topic, _access((space, org, *row[at:at + 3]), actor, missing), row[at + 3:]


def _persistent(session: AsyncSession, entity: type[Any], values: dict[str, Any], *,
                attach: bool = True) -> Any:
    """The row as the ORM would load it into the session: the object it holds for
    that key if any, else a new one, persistent and with nothing to write (without
    `attach`: a copy as loaded, outside the session, for a caller that only reads
    it)."""
    key = sa_inspect(entity).identity_key_from_primary_key((values["id"],))
    held = session.sync_session.identity_map.get(key)
    if held is not None:
        # What it has not loaded (expired, deferred) is filled from the row, as the
        # ORM's load fills it; a value it holds, changed or not, stays.
        for name in sa_inspect(held).unloaded & values.keys():
            set_committed_value(held, name, values[name])
        return held
    # As the ORM's loading makes it: no __init__, its columns' values set as loaded
    # (an attribute set by __init__ goes through the ORM's events, 4x the cost).
    obj = sa_inspect(entity).class_manager.new_instance()
    obj.__dict__.update(values)
    if not attach:
        return obj
    make_transient_to_detached(obj)  # as loaded: no history, a key
    session.add(obj)  # persistent: in the identity map, written only if changed
    return obj


async def topic_access_with(
    session: AsyncSession, stmt: Select[Any], actor: Actor | None, topic_id: int, *,
    missing: str = "No such topic.", **params: Any,
) -> tuple[Topic, SpaceAccess, tuple[Any, ...]]:
    """`topic_access` by a `topic_statement` (one FOR UPDATE only where rows are
    locked: build both and pass the right one), answering its extra columns too."""
    row = _found(await session.execute(
        stmt, {"uid": _uid(actor), "topic_id": topic_id, **params}), missing)
    base = _TOPIC_WIDTH
    return row[0], _access(row[:base], actor, missing), row[base:]


def _found(result: Result[Any], missing: str) -> tuple[Any, ...]:
    row = result.first()
    if row is None:
        raise NotFound(missing)
    return tuple(row)


def _access(row: tuple[object, ...], actor: Actor | None, missing: str) -> SpaceAccess:
    space, org, adm, mod, mem = row[-5:]
    assert isinstance(space, Space) and isinstance(org, Organization)
    access = SpaceAccess(space, org, actor, bool(adm), bool(mod), bool(mem))
    if not access.can_view:
        raise NotFound(missing)
    return access


async def space_access(session: AsyncSession, actor: Actor | None, space_id: int, *,
                       missing: str = "No such space.") -> SpaceAccess:
    """The space and the actor's roles in it; NotFound if it is invisible to them."""
    row = _found(await session.execute(_SPACE, {"uid": _uid(actor), "space_id": space_id}),
                 missing)
    return _access(row, actor, missing)


async def topic_access(
    session: AsyncSession, actor: Actor | None, topic_id: int, *, for_update: bool = False,
    missing: str = "No such topic.",
) -> tuple[Topic, SpaceAccess]:
    stmt = _TOPIC_FOR_UPDATE if for_update and portable.locks_rows(session) else _TOPIC
    row = _found(await session.execute(stmt, {"uid": _uid(actor), "topic_id": topic_id}),
                 missing)
    return row[0], _access(row, actor, missing)


async def post_access(
    session: AsyncSession, actor: Actor | None, post_id: int, *, missing: str = "No such post."
) -> tuple[Post, Topic, SpaceAccess]:
    row = _found(await session.execute(_POST, {"uid": _uid(actor), "post_id": post_id}),
                 missing)
    return row[0], row[1], _access(row, actor, missing)


def moderated_by(actor: Actor) -> ColumnElement[bool]:
    """SQL over `Space`: the spaces `actor` moderates, by `SpaceAccess.can_moderate`'s
    rule (its moderators, the admins of its organization, platform admins), so a list
    across spaces (the moderators' review queue and its counts) holds only those, in
    the statement that reads it."""
    if actor.is_platform_admin:
        return true()
    return or_(
        exists().where(SpaceModerator.space_id == Space.id, SpaceModerator.user_id == actor.id),
        exists().where(OrgAdmin.org_id == Space.org_id, OrgAdmin.user_id == actor.id),
    )


async def moderates_anything(session: AsyncSession, actor: Actor) -> bool:
    """Whether `actor` moderates at least one space (the header's Moderation link)."""
    found = await session.scalar(select(Space.id).where(moderated_by(actor)).limit(1))
    return found is not None


# --- staff ---------------------------------------------------------------------

Rows = TypeVarTuple("Rows")

Int = int | ColumnElement[int] | QueryableAttribute[int]


def staff_of(space_id: Int, org_id: Int, user_id: Int) -> ColumnElement[bool]:
    """Whether `user_id` is staff of the space: a moderator of the space, an admin of
    its organization, or a platform admin. Their posts say so (`author.staff`), so
    nobody passes for them by taking their name; flags never hide a staff post
    automatically (it tops the moderation queue instead). A SQL expression, so a
    list can read it with its rows (any argument may be a column); a new kind of
    staff is one more `exists` here, and one more join in `with_staff`."""
    admin = aliased(User)  # never correlated with a users table of the outer query
    return or_(
        exists().where(SpaceModerator.space_id == space_id, SpaceModerator.user_id == user_id),
        exists().where(OrgAdmin.org_id == org_id, OrgAdmin.user_id == user_id),
        exists().where(admin.id == user_id, admin.is_platform_admin.is_(True)),
    )


def with_staff(
    stmt: Select[*Rows], space: Space, author: type[User]
) -> Select[*Rows, bool]:
    """`stmt`, which has joined its rows' authors (`author`), with one more column:
    whether each author is staff of `space`, by `staff_of`'s rule, read by two
    outer joins on primary keys rather than subqueries per row (a thread page asks
    it of a hundred posts). A new kind of staff is one more join here too."""
    joined = (
        stmt.outerjoin(SpaceModerator, and_(SpaceModerator.space_id == space.id,
                                            SpaceModerator.user_id == author.id))
        .outerjoin(OrgAdmin, and_(OrgAdmin.org_id == space.org_id,
                                  OrgAdmin.user_id == author.id))
        .add_columns(or_(SpaceModerator.user_id.is_not(None), OrgAdmin.user_id.is_not(None),
                         author.is_platform_admin).label("staff"))
    )
    return cast("Select[*Rows, bool]", joined)


async def is_staff(session: AsyncSession, space: Space, user_id: int) -> bool:
    return bool(await session.scalar(select(staff_of(space.id, space.org_id, user_id))))
