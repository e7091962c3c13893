"""/orgs/{id}/overview, /spaces/{id}/overview and /topics/{id}/overview: what an
organization's, a space's or a topic's page needs at load, in one request."""

from __future__ import annotations

from cps.http.api import Call, Endpoint
from cps.services.feed import home
from cps.services.overviews import orgs, spaces, topics
from cps.services.overviews.views import OrgOverview, SpaceOverview, TopicOverview


async def get_org_overview(call: Call) -> OrgOverview:
    return await orgs.org_overview(call.ctx, call.actor, call.path_int("org_id"))


async def get_space_overview(call: Call) -> SpaceOverview:
    return await spaces.space_overview(call.ctx, call.actor, call.path_int("space_id"))


async def get_topic_overview(call: Call) -> TopicOverview:
    return await topics.topic_overview(call.ctx, call.actor, call.path_int("topic_id"))


def endpoints() -> list[Endpoint]:
    return [
        Endpoint("GET", "/orgs/{org_id:int}/overview", get_org_overview,
                 "An organization's page in one request: the organization, the spaces you "
                 f"may see, the {home.LATEST} latest topics of those spaces, up to "
                 f"{home.OPEN_QUESTIONS} questions still waiting for an answer, its "
                 "officials, and for its admins (null for others) its upgrade requests and "
                 "tier history",
                 response=OrgOverview, errors=(401, 404)),
        Endpoint("GET", "/spaces/{space_id:int}/overview", get_space_overview,
                 "A space's page in one request: the space (with your ban or mute in force "
                 "there), its organization and your follow level (null when not signed in)",
                 response=SpaceOverview, errors=(401, 404)),
        Endpoint("GET", "/topics/{topic_id:int}/overview", get_topic_overview,
                 "A topic's page in one request: the topic, its space (with your ban or mute "
                 "in force there) and organization, whether you are one of its officials, "
                 "your follow level (null when not signed in) and its newest consensus round "
                 "with the statement for you to vote on next",
                 response=TopicOverview, errors=(401, 404)),
    ]
