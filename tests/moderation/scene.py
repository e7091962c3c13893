"""A space with something of every kind a moderator acts on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cps.services.context import Context
from tests.support.api import Api, User
from tests.support.direct import tiers_in
from tests.support.world import Builder


@dataclass
class Space:
    id: int
    mod: User
    topic: int
    spare_topic: int  # to move elsewhere
    post: int  # a visible post by `author`
    post2: int  # another visible post, by `citizen`
    flag: int  # an open flag on `post2`
    held: int  # a post held by pre-moderation
    held2: int
    hidden: int  # a post hidden by a moderator, by `author`
    author: User
    citizen: User
    newcomer: User


async def build_space(build: Builder, admin: User, org_id: int, name: str) -> Space:
    """A public space with its own moderator, topics, posts, a flag and held posts."""
    api = build.api
    mod = await api.user(f"Keeper of {name}")
    s = (await build.space(admin, org_id, name=name, description="", moderators=[mod]))["id"]
    topic = await api.topic(mod, s, title=f"{name} topic")
    spare = await api.topic(mod, s, title=f"{name} spare topic")
    author, citizen, newcomer, flagger = [await api.user(n) for n in
                                          ("Author", "Citizen", "Newcomer", "Flagger")]
    post = await api.post(author, topic["id"], "A post")
    post2 = await api.post(citizen, topic["id"], "Another post")
    hidden = await api.post(author, topic["id"], "Rude")
    await api.ok("POST", f"/posts/{hidden['id']}/hide", mod, {"reason": "Rude"})
    flag = (await api.ok("POST", f"/posts/{post2['id']}/flags", flagger, {"reason": "spam"},
                         status=201))["flag"]
    await api.ok("PATCH", f"/spaces/{s}", mod, {"premoderation_posts": 5})
    held = await api.post(newcomer, topic["id"], "First words")
    held2 = await api.post(newcomer, topic["id"], "Second words")
    assert held["pending"] and held2["pending"]
    return Space(s, mod, topic["id"], spare["id"], post["id"], post2["id"], flag["id"],
                 held["id"], held2["id"], hidden["id"], author, citizen, newcomer)


async def two_spaces(api: Api, ctx: Context) -> dict[str, Any]:
    """An organization on plus with spaces A and B, each with its own moderator."""
    build = Builder(api, tiers=tiers_in(ctx))
    admin = await api.user("Org admin")
    org = await build.org(admin, tier="plus")
    a = await build_space(build, admin, org["id"], "A")
    b = await build_space(build, admin, org["id"], "B")
    return {"admin": admin, "org": org, "a": a, "b": b}
