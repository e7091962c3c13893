"""/orgs/{id}/overview: what an organization's page needs at load, in one request."""

from __future__ import annotations

from cps.http.api import Call, Endpoint
from cps.services.feed import home
from cps.services.overviews import orgs
from cps.services.overviews.views import OrgOverview


async def get_org_overview(call: Call) -> OrgOverview:
    return await orgs.org_overview(call.ctx, call.actor, call.path_int("org_id"))


def endpoints() -> list[Endpoint]:
    return [
        Endpoint("GET", "/orgs/{org_id:int}/overview", get_org_overview,
                 "An organization's page in one request: the organization, the spaces you "
                 f"may see, the {home.LATEST} latest topics of those spaces, up to "
                 f"{home.OPEN_QUESTIONS} questions still waiting for an answer, its "
                 "officials, and for its admins (null for others) its upgrade requests and "
                 "tier history",
                 response=OrgOverview, errors=(401, 404)),
    ]
