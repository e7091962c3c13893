"""An organization's page in one answer: the organization, the spaces the reader may
see, their latest topics and waiting questions, its officials, and for its admins the
upgrade requests and tier history. Each part comes from its own domain's service, so
the rules on who sees what are the ones `GET /orgs/{id}/spaces`, `GET /feed`,
`GET /orgs/{id}/upgrade-requests` and the others already apply."""

from __future__ import annotations

from cps.services.context import Actor, Context
from cps.services.feed import home
from cps.services.officials import appointments
from cps.services.orgs import orgs, spaces
from cps.services.overviews.views import OrgOverview
from cps.services.upgrades import requests


async def org_overview(ctx: Context, actor: Actor | None, org_id: int) -> OrgOverview:
    """404 for an organization that does not exist."""
    org = await orgs.get_org(ctx, actor, org_id)
    visible = await spaces.list_spaces(ctx, actor, org_id)
    feed = await home.feed(ctx, actor, org_id)
    officials = await appointments.list_officials(ctx, org_id)
    upgrade_requests = tier_changes = None
    if actor is not None and org.is_admin:
        upgrade_requests = await requests.list_org_requests(ctx, actor, org_id)
        tier_changes = await requests.tier_history(ctx, actor, org_id)
    return OrgOverview(
        org=org, spaces=visible, latest=feed.latest, open_questions=feed.open_questions,
        officials=officials, upgrade_requests=upgrade_requests, tier_changes=tier_changes,
    )
