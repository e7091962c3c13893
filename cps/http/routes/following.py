"""/topics/{id}/follow and /spaces/{id}/follow: how closely you follow them."""

from __future__ import annotations

from cps.http import schemas as s
from cps.http.api import Call, Endpoint
from cps.services.following import follows
from cps.services.following.views import FollowView, Level


class FollowChoice(s.RequestModel):
    level: Level


async def topic_level(call: Call) -> FollowView:
    return await follows.topic_level(call.ctx, call.user, call.path_int("topic_id"))


async def follow_topic(call: Call) -> FollowView:
    body: FollowChoice = call.body
    return await follows.follow_topic(call.ctx, call.user, call.path_int("topic_id"), body.level)


async def space_level(call: Call) -> FollowView:
    return await follows.space_level(call.ctx, call.user, call.path_int("space_id"))


async def follow_space(call: Call) -> FollowView:
    body: FollowChoice = call.body
    return await follows.follow_space(call.ctx, call.user, call.path_int("space_id"), body.level)


def endpoints() -> list[Endpoint]:
    return [
        Endpoint("GET", "/topics/{topic_id:int}/follow", topic_level,
                 "Your level for a topic: its own, or the space's (inherited: true)",
                 response=FollowView, auth="required", errors=(401, 404)),
        Endpoint("PUT", "/topics/{topic_id:int}/follow", follow_topic,
                 "Choose your level for a topic: watching, tracking, normal or muted",
                 request=FollowChoice, response=FollowView, auth="required",
                 errors=(400, 401, 403, 404, 413, 422)),
        Endpoint("GET", "/spaces/{space_id:int}/follow", space_level,
                 "Your level for a space (normal unless you chose one)",
                 response=FollowView, auth="required", errors=(401, 404)),
        Endpoint("PUT", "/spaces/{space_id:int}/follow", follow_space,
                 "Choose your level for a space: its topics without a level of their own "
                 "follow it", request=FollowChoice, response=FollowView, auth="required",
                 errors=(400, 401, 403, 404, 413, 422)),
    ]
