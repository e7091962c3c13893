"""/feed: a home page's (or one organization's page's) organizations, spaces and topics."""

from __future__ import annotations

from cps.http.api import Call, Endpoint, QueryParam, query_id
from cps.services.feed import home
from cps.services.feed.views import Feed

ORG = QueryParam.id("org", "Only this organization (its page); every one when absent")


async def get_feed(call: Call) -> Feed:
    return await home.feed(call.ctx, call.actor, query_id(call, ORG))


def endpoints() -> list[Endpoint]:
    return [
        Endpoint("GET", "/feed", get_feed,
                 "Every organization (or one, with ?org=) with the spaces you may see, the "
                 f"{home.LATEST} latest topics of those spaces and up to {home.OPEN_QUESTIONS} "
                 "questions still waiting for an answer, newest first: a page in one request",
                 response=Feed, query=(ORG,), errors=(401, 404, 422)),
    ]
