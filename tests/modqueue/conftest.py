"""A moderator of three cities' spaces, each called "Streets and squares"."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from cps.services.context import Context
from tests.support.api import Api, User
from tests.support.direct import tiers_in
from tests.support.world import Builder

CITIES = ("Aldmere", "Brackwater", "Corrin")
_runs = itertools.count(1)


@dataclass
class City:
    admin: User
    org_id: int
    space_id: int
    topic_id: int
    post_id: int  # a post by `troll`, flagged once by `flagger`


@dataclass
class Network:
    mona: User  # moderates "Streets and squares" in all three cities
    troll: User
    flagger: User
    citizen: User  # moderates nothing
    cities: list[City]


async def network(api: Api, ctx: Context, *, tier: str = "plus") -> Network:
    """Three organizations on `tier`, each with a public space named alike that Mona
    moderates, a topic, a post by Troll and one open flag on it."""
    build = Builder(api, tiers=tiers_in(ctx))
    mona, troll, flagger, citizen = [
        await api.user(n) for n in ("Mona Keeper", "Troll Person", "Flo Flagger", "Cid Citizen")
    ]
    cities = []
    run = next(_runs)
    for city in CITIES:
        name = f"City of {city} {run}"
        admin = await api.user(f"Head of {city} {run}")
        org = await build.org(admin, name, tier=tier)
        space = await build.space(admin, org["id"], name="Streets and squares",
                                  description="", moderators=[mona])
        topic = await api.topic(admin, space["id"], title=f"Benches in {name}")
        post = await api.post(troll, topic["id"], f"Rude words about {name}")
        await api.ok("POST", f"/posts/{post['id']}/flags", flagger, {"reason": "abuse"},
                     status=201)
        cities.append(City(admin, org["id"], space["id"], topic["id"], post["id"]))
    return Network(mona, troll, flagger, citizen, cities)
