"""A topic's page in one answer: the topic, its space and organization, whether the
reader is one of its officials, the reader's follow level and the topic's newest
consensus round. Each part comes from its own domain's service, so who may read
what is the rule `GET /topics/{id}`, `GET /spaces/{id}`, `GET /topics/{id}/follow`
and `GET /consensus/{id}` already apply: a topic the reader may not read is 404."""

from __future__ import annotations

from cps.services.consensus import rounds, votes
from cps.services.context import Actor, Context
from cps.services.discussion import topics
from cps.services.following import follows
from cps.services.officials import roster
from cps.services.orgs import orgs, spaces
from cps.services.overviews.views import ConsensusOverview, TopicOverview


async def _consensus(ctx: Context, actor: Actor | None, topic_id: int) -> ConsensusOverview:
    found = await rounds.list_rounds(ctx, actor, topic_id)
    if not found:
        return ConsensusOverview(round=None, next=None)
    newest = await rounds.get_round(ctx, actor, found[0].id)
    following = None
    if actor is not None and newest.accepting_votes:
        following = await votes.next_statement(ctx, actor, newest.id)
    return ConsensusOverview(round=newest, next=following)


async def topic_overview(ctx: Context, actor: Actor | None, topic_id: int) -> TopicOverview:
    topic = await topics.get_topic(ctx, actor, topic_id)  # 404 when it may not be read
    space = await spaces.get_space(ctx, actor, topic.space_id)
    org = await orgs.get_org(ctx, actor, space.org_id)
    official = False
    if actor is not None:
        async with ctx.db.read() as session:
            official = await roster.is_official(session, actor.id, org.id)
    follow = await follows.topic_level(ctx, actor, topic_id) if actor is not None else None
    return TopicOverview(topic=topic, space=space, org=org, official=official, follow=follow,
                         consensus=await _consensus(ctx, actor, topic_id))
