"""Helpers for the live tests: the database behind a running server, and worlds
built over its API."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import update

from cps.services.accounts.passwords import Passwords
from cps.services.context import Context
from cps.storage.database import Database
from cps.storage.models import Event
from cps.storage.throttle import LocalThrottle
from cps.storage.types import utcnow
from tests.support.api import Api, User
from tests.support.clients import LiveClient, live_client
from tests.support.direct import set_tier as direct_set_tier
from tests.support.direct import tiers_in
from tests.support.settings import make_settings
from tests.support.world import Builder, World


class NoSink:
    """The test process publishes nothing: the servers do."""

    async def publish(self, event: object) -> None:
        return None


@asynccontextmanager
async def direct(database_url: str, **env: str) -> AsyncIterator[Context]:
    """A service context on the database a server uses (not the server's own)."""
    settings = make_settings(database_url, **env)
    db = Database(settings.database_url)
    try:
        yield Context(settings, db, Passwords(settings.passwords, 1), LocalThrottle(), NoSink())
    finally:
        await db.dispose()


async def set_tier(database_url: str, org_id: int, tier: str) -> None:
    """Put an organization on a tier, from outside the server that serves it."""
    async with direct(database_url) as ctx:
        await direct_set_tier(ctx, org_id, tier)


async def age_events(database_url: str, channel: str, days: int) -> None:
    """Pretend the events of `channel` were written `days` ago."""
    async with direct(database_url) as ctx, ctx.db.write() as tx:
        await tx.session.execute(
            update(Event).where(Event.channel == channel)
            .values(created_at=utcnow() - timedelta(days=days))
        )


async def private_world(api: Api, database_url: str) -> dict[str, Any]:
    """An org on the plus tier with a private space, a topic in it, a member and an
    outsider."""
    build = Builder(api, tiers=functools.partial(set_tier, database_url))
    admin = await api.user("Org Admin")
    org = await build.org(admin, f"City of Incheon {admin.id}", tier="plus")  # one per world
    space = await build.space(admin, org["id"], "private", name="Council")
    topic = await api.topic(admin, space["id"], title="Budget")
    member = await api.user("Member")
    await build.member(admin, space["id"], member)
    outsider = await api.user("Outsider")
    return {"admin": admin, "org": org, "space": space, "topic": topic, "member": member,
            "outsider": outsider}


async def post_many(api: Api, user: User, topic_id: int, count: int, *,
                    prefix: str = "post", concurrency: int = 1,
                    into: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Write `count` posts (each answering 201); answers them in the order they were
    made (appended to `into` as they are, for whoever watches the progress)."""
    done: list[dict[str, Any]] = [] if into is None else into
    numbers = iter(range(count))

    async def worker() -> None:
        for n in numbers:
            done.append(await api.post(user, topic_id, f"{prefix} {n}"))

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done


async def topic_world(api: Api) -> tuple[World, int, str]:
    """`api.world()` (an admin, an org, a public space with a topic, a citizen), its
    topic's id and that topic's live channel."""
    w = await api.world()
    topic_id = w["topic"]["id"]
    return w, topic_id, f"topic:{topic_id}"


@asynccontextmanager
async def subscribed_clients(ws_url: str, channel: str,
                             *users: User | None) -> AsyncIterator[list[LiveClient]]:
    """One live socket per user (None: anonymous), opened in order, then each
    subscribed to `channel` in the same order."""
    async with AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(
            live_client(ws_url, user.token if user else None)) for user in users]
        for client in clients:
            await client.subscribe(channel)
        yield clients


async def public_and_private(api: Api, ctx: Context) -> dict[str, Any]:
    """An org on plus with a public space ("Open forum") and a private one
    ("Cabinet"), a member of the private one and a stranger: where a topic moves."""
    build = Builder(api, tiers=tiers_in(ctx))
    admin = await api.user("Org Admin")
    org = await build.org(admin, tier="plus")
    public = await build.space(admin, org["id"], name="Open forum")
    private = await build.space(admin, org["id"], "private", name="Cabinet")
    member, stranger = await api.user("Member"), await api.user("Stranger")
    await build.member(admin, private["id"], member)
    return {"admin": admin, "org": org, "public": public, "private": private,
            "member": member, "stranger": stranger}
