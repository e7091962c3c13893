"""A space's page in one answer: the space, its organization and the reader's follow
level, each from its own domain's service (`GET /spaces/{id}`, `GET /orgs/{id}`,
`GET /spaces/{id}/follow`): a private space is 404 to whoever may not read it."""

from __future__ import annotations

from cps.services.context import Actor, Context
from cps.services.following import follows
from cps.services.orgs import orgs, spaces
from cps.services.overviews.views import SpaceOverview


async def space_overview(ctx: Context, actor: Actor | None, space_id: int) -> SpaceOverview:
    space = await spaces.get_space(ctx, actor, space_id)  # 404 when it may not be read
    org = await orgs.get_org(ctx, actor, space.org_id)
    follow = await follows.space_level(ctx, actor, space_id) if actor is not None else None
    return SpaceOverview(space=space, org=org, follow=follow)
