"""/spaces/{id}/topics and /topics/{id}."""

from __future__ import annotations

from pydantic import BaseModel

from cps.http import schemas as s
from cps.http.api import Call, Endpoint, QueryParam, query_choice, query_number, query_text
from cps.services.discussion import posts, topics
from cps.services.discussion.views import TopicKind, TopicView
from cps.services.languages import tags

CURSOR = QueryParam("cursor", "Where the previous page ended (its next_cursor)",
                    pattern=r"^[A-Za-z0-9_-]*$")  # base64url, unpadded
LIMIT = QueryParam.number("limit", "How many items", 1, 100)
PAGE = (CURSOR, LIMIT)
SORT = QueryParam("sort", "The order: activity (pinned first, then latest activity; the "
                  "default) or horizontal (most kinds of stakeholder took part first, then "
                  "latest activity)", choices=topics.SORTS)


LANG = QueryParam("lang", "Only topics with a post in this language (BCP 47: ko also finds "
                  "ko-KR)", pattern=tags.TAG_OR_NOTHING,
                  hint=posts.TAG_HINT)


class TopicCreate(s.RequestModel):
    title: s.Title
    body: s.Body
    # "question": a question to the space's organization (docs/accountability.md).
    kind: TopicKind = "discussion"
    # The first post's language (BCP 47); absent or null: detected from title and body.
    lang: s.LanguageTag | None = None


class TopicUpdate(s.RequestModel):
    title: s.Title | None = None
    pinned: bool | None = None
    locked: bool | None = None
    archived: bool | None = None


class TopicList(BaseModel):
    topics: list[TopicView]
    next_cursor: str | None


async def create_topic(call: Call) -> s.TopicEnvelope:
    body: TopicCreate = call.body
    topic = await topics.create_topic(
        call.ctx, call.user, call.path_int("space_id"), title=body.title, body=body.body,
        kind=body.kind, lang=body.lang,
    )
    return s.TopicEnvelope(topic=topic)


async def list_topics(call: Call) -> TopicList:
    page = await topics.list_topics(
        call.ctx, call.actor, call.path_int("space_id"),
        cursor=query_text(call, CURSOR),
        limit=query_number(call, LIMIT, 30),
        sort=query_choice(call, SORT) or "activity",
        lang=query_text(call, LANG),
    )
    return TopicList(topics=page.items, next_cursor=page.next_cursor)


async def get_topic(call: Call) -> s.TopicEnvelope:
    return s.TopicEnvelope(
        topic=await topics.get_topic(call.ctx, call.actor, call.path_int("topic_id"))
    )


async def update_topic(call: Call) -> s.TopicEnvelope:
    body: TopicUpdate = call.body
    topic = await topics.update_topic(
        call.ctx, call.user, call.path_int("topic_id"),
        title=body.title, pinned=body.pinned, locked=body.locked, archived=body.archived,
    )
    return s.TopicEnvelope(topic=topic)


def endpoints() -> list[Endpoint]:
    return [
        Endpoint("POST", "/spaces/{space_id:int}/topics", create_topic,
                 "Open a topic, or a question to the organization (kind); its body is the "
                 "thread's first post",
                 request=TopicCreate, response=s.TopicEnvelope, status=201, auth="required",
                 errors=(400, 401, 403, 404, 422, 429)),  # the topics rate limit
        Endpoint("GET", "/spaces/{space_id:int}/topics", list_topics,
                 "Topics, pinned first, then latest activity; or sort=horizontal: most kinds "
                 "of stakeholder first", response=TopicList, query=(*PAGE, SORT, LANG)),
        Endpoint("GET", "/topics/{topic_id:int}", get_topic, "A topic", response=s.TopicEnvelope),
        Endpoint("PATCH", "/topics/{topic_id:int}", update_topic,
                 "Rename, pin, lock or archive a topic (moderators)",
                 request=TopicUpdate, response=s.TopicEnvelope, auth="required"),
    ]
