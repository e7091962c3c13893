"""The one way to build what a test is not about: people, an organization on a tier,
its spaces with their moderators and members, and topics, over the public API.

    build = Builder(api, tiers=tiers_in(ctx))
    w = await build.moderated(tier="plus")     # w["admin"], w["space"], w["mod"], ...
    council = await build.space(w["admin"], w["org"]["id"], "private", name="Council",
                                members=[w["citizen"]])

Only the tier needs a way past the API (a platform admin's call, or the database):
the builder is given one as `tiers` when a test wants an organization off the free tier.
Suites keep thin helpers of their own that call it (tests/moderation/conftest.py ...)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

from tests.support.api import Api, User

# Puts an organization (by id) on a tier.
Tiers = Callable[[int, str], Awaitable[None]]


class World(TypedDict):
    """An org admin, their organization, a public space of it with a topic the admin
    opened (and that topic's opening post), and a participant who is none of these."""

    admin: User
    org: dict[str, Any]
    space: dict[str, Any]
    topic: dict[str, Any]
    first_post: dict[str, Any]
    citizen: User


class ModeratedWorld(World):
    """A `World` whose space has a moderator too."""

    mod: User


@dataclass
class Place:
    """An org admin, an organization, a public space and topics in it, by id."""

    admin: User
    org_id: int
    space_id: int
    topic_ids: list[int]


@dataclass(frozen=True)
class Names:
    """What a world's people and things are called (pages show them)."""

    admin: str = "Org Admin"
    admin_type: str = "citizen"  # the admin's stakeholder type
    space: str = "Mobility"
    description: str = "Buses and bikes"
    title: str = "Bike lanes"
    body: str = "Where should they go?"
    citizen: str = "Citizen"


def tiers_over_api(api: Api, platform_admin: User, reason: str = "offline payment") -> Tiers:
    """Tiers set as the platform admin sets them (recorded and announced)."""

    async def set_tier(org_id: int, tier: str) -> None:
        body = await api.ok("POST", f"/admin/orgs/{org_id}/tier", platform_admin,
                            {"tier": tier, "reason": reason})
        assert body["org"]["tier"] == tier, body

    return set_tier


class Builder:
    """Builds over `api`; `tiers` puts an organization on a tier, `names` say what the
    worlds' people and things are called."""

    def __init__(self, api: Api, *, tiers: Tiers | None = None,
                 names: Names | None = None) -> None:
        self.api = api
        self.tiers = tiers
        self.names = names or Names()

    async def org(self, admin: User, name: str | None = None, *, tier: str = "free",
                  country: str = "Korea") -> dict[str, Any]:
        """An organization of `admin`'s (by default "City of Seoul N"), on `tier`."""
        org = await self.api.org(admin, name, country)
        if tier != org["tier"]:
            assert self.tiers is not None, "a tier other than free needs Builder(tiers=...)"
            await self.tiers(org["id"], tier)
            org["tier"] = tier
        return org

    async def space(self, admin: User, org_id: int, visibility: str = "public", *,
                    name: str | None = None, description: str | None = None,
                    moderators: Sequence[User] = (), members: Sequence[User] = (),
                    ) -> dict[str, Any]:
        """A space of the organization `admin` administers, with these moderators and
        (a private space's) members."""
        space = await self.api.space(admin, org_id, visibility, name or self.names.space,
                                     self.names.description if description is None
                                     else description)
        for user in moderators:
            await self.moderator(admin, space["id"], user)
        for user in members:
            await self.member(admin, space["id"], user)
        return space

    async def moderator(self, admin: User, space_id: int, user: User) -> None:
        """`admin` (of the space's organization) makes `user` a moderator of the space."""
        await self.api.ok("POST", f"/spaces/{space_id}/moderators", admin,
                          {"user_id": user.id})

    async def member(self, admin: User, space_id: int, user: User) -> None:
        """`admin` (or a moderator) lets `user` into the private space."""
        await self.api.ok("POST", f"/spaces/{space_id}/members", admin, {"user_id": user.id})

    async def topic(self, user: User, space_id: int, title: str | None = None,
                    body: str | None = None) -> dict[str, Any]:
        return await self.api.topic(user, space_id, title or self.names.title,
                                    body or self.names.body)

    async def world(self, *, tier: str = "free") -> World:
        """An org admin, an org on `tier`, a public space with a topic, and a participant."""
        admin = await self.api.user(self.names.admin, self.names.admin_type)
        org = await self.org(admin, tier=tier)
        space = await self.space(admin, org["id"])
        topic = await self.topic(admin, space["id"])
        [first_post] = await self.api.posts(topic["id"], admin)
        citizen = await self.api.user(self.names.citizen)
        return World(admin=admin, org=org, space=space, topic=topic, first_post=first_post,
                     citizen=citizen)

    async def moderated(self, *, tier: str = "free",
                        moderator: str = "Mona Keeper") -> ModeratedWorld:
        """`world`, and a moderator of its space."""
        w = await self.world(tier=tier)
        mod = await self.api.user(moderator)
        await self.moderator(w["admin"], w["space"]["id"], mod)
        return ModeratedWorld(**w, mod=mod)

    async def place(self, topics: int = 1) -> Place:
        """An org admin, an org ("City of Faults"), a public space ("Resilience") and
        `topics` topics in it ("Topic N")."""
        admin = await self.api.user(self.names.admin, self.names.admin_type)
        org = await self.org(admin, "City of Faults")
        space = await self.space(admin, org["id"], name="Resilience", description="")
        topic_ids = [(await self.topic(admin, space["id"], f"Topic {n}", "First post"))["id"]
                     for n in range(topics)]
        return Place(admin, org["id"], space["id"], topic_ids)
