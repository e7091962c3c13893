"""The topic, its space and its organization a post starts with, read on the driver
itself (cps/services/orgs/access.py, HotTopicAccess): the same objects and roles the
ORM's statement gives, persistent in the session as if the ORM had loaded them, and
the same refusals."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import InstanceState, load_only

from cps.services.accounts import identity
from cps.services.context import Context
from cps.services.errors import NotFound
from cps.services.orgs.access import HotTopicAccess, topic_access
from cps.storage.models import Organization, Space, Topic
from tests.support.api import Api
from tests.support.direct import tiers_in
from tests.support.world import Builder

pytestmark = pytest.mark.anyio

_ACCESS = HotTopicAccess()


def _columns(obj: object) -> dict[str, object]:
    return {attr.key: getattr(obj, attr.key) for attr in sa_inspect(type(obj)).column_attrs}


async def test_it_answers_what_the_orms_statement_answers(api: Api, ctx: Context) -> None:
    w = await api.world()
    admin = await identity.authenticate(ctx, w["admin"].token)
    async with ctx.db.read() as session:
        topic, access = await topic_access(session, admin, w["topic"]["id"])
        orm = (_columns(topic), _columns(access.space), _columns(access.org),
               access.is_org_admin, access.is_moderator, access.is_member)
    async with ctx.db.write() as tx:
        topic, access, extra = await _ACCESS.load(tx.session, admin, w["topic"]["id"])
        assert (_columns(topic), _columns(access.space), _columns(access.org),
                access.is_org_admin, access.is_moderator, access.is_member) == orm
        assert extra == ()
        assert access.can_moderate and access.is_org_admin
        # The topic as the ORM loads it: persistent, nothing to write, every column
        # loaded; its space and organization, which a post only reads, the same outside
        # the session (a copy: not added, never written).
        for obj in (topic, access.space, access.org):
            state: InstanceState[Any] = sa_inspect(obj)
            assert not state.unloaded and not state.modified
        assert sa_inspect(topic).persistent
        assert access.space not in tx.session and access.org not in tx.session
        assert not tx.session.dirty and not tx.session.new


async def test_a_change_to_what_it_loaded_is_written(api: Api, ctx: Context) -> None:
    w = await api.world()
    admin = await identity.authenticate(ctx, w["admin"].token)
    async with ctx.db.write() as tx:
        topic, _, _ = await _ACCESS.load(tx.session, admin, w["topic"]["id"])
        topic.title = "Renamed while held"
    async with ctx.db.read() as session:
        title = await session.scalar(select(Topic.title).where(Topic.id == w["topic"]["id"]))
    assert title == "Renamed while held"


async def test_an_object_the_session_holds_is_the_one_answered(api: Api, ctx: Context) -> None:
    w = await api.world()
    admin = await identity.authenticate(ctx, w["admin"].token)
    async with ctx.db.write() as tx:
        held = await tx.session.get(Topic, w["topic"]["id"])
        space = await tx.session.get(Space, w["space"]["id"])
        org = await tx.session.get(Organization, w["org"]["id"])
        topic, access, _ = await _ACCESS.load(tx.session, admin, w["topic"]["id"])
        assert topic is held and access.space is space and access.org is org
        # What the session let expire is filled from the row, as the ORM fills it;
        # a change the caller made since stays, and is written.
        tx.session.expire(held)
        held.locked = True
        topic, _, _ = await _ACCESS.load(tx.session, admin, w["topic"]["id"])
        assert topic is held and held.title == w["topic"]["title"] and held.locked
    async with ctx.db.write() as tx:
        # What the session loaded only in part (load_only) is filled too.
        partial = (await tx.session.execute(
            select(Topic).options(load_only(Topic.id)).where(Topic.id == w["topic"]["id"])
        )).scalar_one()
        topic, _, _ = await _ACCESS.load(tx.session, admin, w["topic"]["id"])
        assert topic is partial and not sa_inspect(partial).unloaded
        assert partial.title == w["topic"]["title"] and partial.locked


async def test_what_the_actor_may_not_see_is_not_found(api: Api, ctx: Context) -> None:
    build = Builder(api, tiers=tiers_in(ctx))
    w = await build.world(tier="plus")
    council = await build.space(w["admin"], w["org"]["id"], "private", name="Council")
    hidden = await build.topic(w["admin"], council["id"])
    citizen = await identity.authenticate(ctx, w["citizen"].token)
    async with ctx.db.write() as tx:
        with pytest.raises(NotFound, match="No such topic"):
            await _ACCESS.load(tx.session, citizen, hidden["id"])
        with pytest.raises(NotFound, match="Gone"):
            await _ACCESS.load(tx.session, citizen, 2**31 - 1, missing="Gone.")
        with pytest.raises(NotFound):
            await _ACCESS.load(tx.session, None, hidden["id"])
    await build.member(w["admin"], council["id"], w["citizen"])
    async with ctx.db.write() as tx:
        topic, access, _ = await _ACCESS.load(tx.session, citizen, hidden["id"])
        assert topic.id == hidden["id"] and access.is_member and not access.can_moderate


async def test_postgresql_holds_the_topics_row_until_commit(api: Api, ctx: Context) -> None:
    """Where rows are locked, the topic's row is held, as the ORM's FOR UPDATE held it:
    another writer cannot take it meanwhile."""
    if ctx.db.is_sqlite:
        pytest.skip("SQLite serializes writers; it locks no row")
    w = await api.world()
    admin = await identity.authenticate(ctx, w["admin"].token)
    async with ctx.db.write() as tx:
        await _ACCESS.load(tx.session, admin, w["topic"]["id"])
        async with ctx.db.engine.connect() as other:
            with pytest.raises(DBAPIError, match="could not obtain lock"):
                await other.execute(text("SELECT id FROM topics WHERE id = :id FOR UPDATE NOWAIT"),
                                    {"id": w["topic"]["id"]})
