"""Moderation: space settings, moving topics, the queue, flags, held posts, mutes
and bans, appeals, the audit log and the public moderation log."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from cps.http import schemas as s
from cps.http.api import (
    Call,
    Endpoint,
    QueryParam,
    query_id,
    query_number,
    query_text,
    query_time,
)
from cps.services.audit import trail
from cps.services.audit.views import AuditPage, PublicLogPage
from cps.services.discussion.views import FlagReason
from cps.services.moderation import (
    appeals,
    curation,
    flags,
    overview,
    people,
    queue,
    review,
    sanctions,
)
from cps.services.moderation.views import (
    AppealView,
    FlagResolution,
    ModerationSettings,
    PersonCard,
    QueuePage,
    QueueView,
    SanctionView,
    WordFilterMode,
    WorkList,
)
from cps.services.orgs.views import SpaceView, TopicPolicy

Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
RequiredReason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)
]
Id = s.Id
Duration = Annotated[int, Field(ge=1, le=sanctions.MAX_DURATION)]

# --- requests -------------------------------------------------------------------


class WordFilterUpdate(s.RequestModel):
    mode: WordFilterMode | None = None
    words: Annotated[
        list[Annotated[str, StringConstraints(max_length=100)]], Field(max_length=500)
    ] | None = None


class SpaceSettingsUpdate(s.RequestModel):
    topic_policy: TopicPolicy | None = None
    flag_threshold: Annotated[int, Field(ge=1, le=100)] | None = None
    word_filter: WordFilterUpdate | None = None
    premoderation_posts: Annotated[int, Field(ge=0, le=100)] | None = None
    slow_mode_seconds: Annotated[int, Field(ge=0, le=86_400)] | None = None
    # Days to answer a question asked from now on (docs/accountability.md).
    response_target_days: Annotated[int, Field(ge=1, le=365)] | None = None


class TopicMove(s.RequestModel):
    space_id: Id


class FlagResolve(s.RequestModel):
    action: Literal["hide", "dismiss"]
    reason: Reason = ""


class BulkRequest(s.RequestModel):
    action: Literal["hide", "dismiss"]
    post_ids: Annotated[list[Id], Field(max_length=100)] = []
    flag_ids: Annotated[list[Id], Field(max_length=100)] = []
    reason: Reason = ""


class RejectRequest(s.RequestModel):
    reason: Reason = ""


class MuteRequest(s.RequestModel):
    user_id: Id
    reason: RequiredReason
    duration_seconds: Duration | None = None
    rule: FlagReason | None = None


class BanRequest(MuteRequest):
    hide_posts: bool = False


class AppealRequest(s.RequestModel):
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


class AppealAnswer(s.RequestModel):
    decision: Literal["uphold", "overturn"]
    reason: RequiredReason


# --- responses ------------------------------------------------------------------


class SettingsEnvelope(BaseModel):
    settings: ModerationSettings


class SpaceSettingsEnvelope(BaseModel):
    space: SpaceView
    settings: ModerationSettings


class ResolutionEnvelope(BaseModel):
    resolution: FlagResolution


class BulkResponse(BaseModel):
    results: list[FlagResolution]


class SanctionEnvelope(BaseModel):
    sanction: SanctionView
    hidden_posts: int = 0


class SanctionList(BaseModel):
    sanctions: list[SanctionView]


class AppealEnvelope(BaseModel):
    appeal: AppealView


# --- handlers -------------------------------------------------------------------


async def update_space_settings(call: Call) -> SpaceSettingsEnvelope:
    body: SpaceSettingsUpdate = call.body
    changes: dict[str, Any] = {
        k: v for k, v in body.model_dump(exclude={"word_filter"}).items() if v is not None
    }
    if body.word_filter is not None:
        if body.word_filter.mode is not None:
            changes["word_filter_mode"] = body.word_filter.mode
        if body.word_filter.words is not None:
            changes["word_filter_words"] = body.word_filter.words
    space, settings = await curation.update_settings(
        call.ctx, call.user, call.path_int("space_id"), changes
    )
    return SpaceSettingsEnvelope(space=space, settings=settings)


async def get_space_settings(call: Call) -> SettingsEnvelope:
    return SettingsEnvelope(
        settings=await curation.get_settings(call.ctx, call.user, call.path_int("space_id"))
    )


async def move_topic(call: Call) -> s.TopicEnvelope:
    body: TopicMove = call.body
    topic = await curation.move_topic(
        call.ctx, call.user, call.path_int("topic_id"), space_id=body.space_id
    )
    return s.TopicEnvelope(topic=topic)


async def get_queue(call: Call) -> QueueView:
    return await queue.of_space(call.ctx, call.user, call.path_int("space_id"))


async def resolve_flag(call: Call) -> ResolutionEnvelope:
    body: FlagResolve = call.body
    result = await flags.resolve_flag(
        call.ctx, call.user, call.path_int("flag_id"), action=body.action, reason=body.reason
    )
    return ResolutionEnvelope(resolution=result)


async def bulk(call: Call) -> BulkResponse:
    body: BulkRequest = call.body
    results = await flags.bulk(
        call.ctx, call.user, call.path_int("space_id"), action=body.action,
        post_ids=body.post_ids, flag_ids=body.flag_ids, reason=body.reason,
    )
    return BulkResponse(results=results)


async def approve_post(call: Call) -> s.PostEnvelope:
    return s.PostEnvelope(
        post=await review.approve(call.ctx, call.user, call.path_int("post_id"))
    )


async def reject_post(call: Call) -> s.PostEnvelope:
    body: RejectRequest = call.body
    return s.PostEnvelope(post=await review.reject(
        call.ctx, call.user, call.path_int("post_id"), reason=body.reason
    ))


async def mute(call: Call) -> SanctionEnvelope:
    body: MuteRequest = call.body
    sanction, _ = await sanctions.impose(
        call.ctx, call.user, call.path_int("space_id"), user_id=body.user_id, kind="mute",
        reason=body.reason, duration_seconds=body.duration_seconds, rule=body.rule,
    )
    return SanctionEnvelope(sanction=sanction)


async def ban(call: Call) -> SanctionEnvelope:
    body: BanRequest = call.body
    sanction, hidden = await sanctions.impose(
        call.ctx, call.user, call.path_int("space_id"), user_id=body.user_id, kind="ban",
        reason=body.reason, duration_seconds=body.duration_seconds, rule=body.rule,
        hide_posts=body.hide_posts,
    )
    return SanctionEnvelope(sanction=sanction, hidden_posts=hidden)


async def unmute(call: Call) -> None:
    await sanctions.lift(call.ctx, call.user, call.path_int("space_id"),
                         call.path_int("user_id"), kind="mute")


async def unban(call: Call) -> None:
    await sanctions.lift(call.ctx, call.user, call.path_int("space_id"),
                         call.path_int("user_id"), kind="ban")


async def list_sanctions(call: Call) -> SanctionList:
    return SanctionList(
        sanctions=await sanctions.in_force(call.ctx, call.user, call.path_int("space_id"))
    )


ACTION = QueryParam("action", "Only this kind of act, e.g. post.hide or user.ban",
                    pattern=s.NO_NUL)
ACTOR = QueryParam.id("actor", "Only acts by this user id")
SINCE = QueryParam.time("since", "Only acts at or after this time")
BEFORE = QueryParam.id("before", "Only entries older than this id (the previous page's "
                       "next_before)")
LIMIT = QueryParam.number("limit", "How many entries", 1, trail.PAGE_MAX)


async def audit_log(call: Call) -> AuditPage:
    return await trail.entries(
        call.ctx, call.user, call.path_int("space_id"),
        action=query_text(call, ACTION),
        actor_id=query_id(call, ACTOR),
        since=query_time(call, SINCE),
        before=query_id(call, BEFORE),
        limit=query_number(call, LIMIT, 50),
    )


async def public_log(call: Call) -> PublicLogPage:
    return await trail.public_log(
        call.ctx, call.actor, call.path_int("space_id"),
        before=query_id(call, BEFORE),
        limit=query_number(call, LIMIT, 50),
    )


async def appeal_post(call: Call) -> AppealEnvelope:
    body: AppealRequest = call.body
    return AppealEnvelope(appeal=await appeals.appeal_post(
        call.ctx, call.user, call.path_int("post_id"), text=body.text
    ))


async def appeal_ban(call: Call) -> AppealEnvelope:
    body: AppealRequest = call.body
    return AppealEnvelope(appeal=await appeals.appeal_ban(
        call.ctx, call.user, call.path_int("space_id"), text=body.text
    ))


async def answer_appeal(call: Call) -> AppealEnvelope:
    body: AppealAnswer = call.body
    return AppealEnvelope(appeal=await appeals.answer(
        call.ctx, call.user, call.path_int("appeal_id"), decision=body.decision,
        reason=body.reason,
    ))


async def get_appeal(call: Call) -> AppealEnvelope:
    return AppealEnvelope(
        appeal=await appeals.get(call.ctx, call.user, call.path_int("appeal_id"))
    )


ORG = QueryParam.id("org_id", "Only this organization's spaces")
SPACE = QueryParam.id("space_id", "Only this space")
CURSOR = QueryParam("cursor", "Where the previous page ended (its next_cursor)",
                    pattern=r"^([0-9]{1,17}\.[0-2]\.[0-9]{1,10})?$")
QUEUE_LIMIT = QueryParam.number("limit", "Items per page", 1, overview.PAGE_MAX)


async def review_queue(call: Call) -> QueuePage:
    return await overview.page(
        call.ctx, call.user, org_id=query_id(call, ORG), space_id=query_id(call, SPACE),
        cursor=query_text(call, CURSOR), limit=query_number(call, QUEUE_LIMIT, 20),
    )


async def moderated_spaces(call: Call) -> WorkList:
    return await overview.work(call.ctx, call.user)


class PersonEnvelope(BaseModel):
    person: PersonCard


async def person_card(call: Call) -> PersonEnvelope:
    return PersonEnvelope(person=await people.card(
        call.ctx, call.user, call.path_int("space_id"), call.path_int("user_id")))


AUDIT_QUERY = (ACTION, ACTOR, SINCE, BEFORE, LIMIT)
LOG_QUERY = (BEFORE, LIMIT)


def endpoints() -> list[Endpoint]:
    conflict = (400, 401, 403, 404, 409, 422)
    return [
        Endpoint("PATCH", "/spaces/{space_id:int}", update_space_settings,
                 "Change the space's moderation settings and its response target for "
                 "questions (moderators). Turning on the word filter, pre-moderation or "
                 "slow mode needs the plus tier (402 otherwise).",
                 request=SpaceSettingsUpdate, response=SpaceSettingsEnvelope, auth="required",
                 entitlement="none", errors=(400, 401, 402, 403, 404, 422)),
        Endpoint("GET", "/spaces/{space_id:int}/moderation/settings", get_space_settings,
                 "The space's moderation settings (moderators)", response=SettingsEnvelope,
                 auth="required"),
        Endpoint("POST", "/topics/{topic_id:int}/move", move_topic,
                 "Move a topic to another space of the same organization (moderators of both)",
                 request=TopicMove, response=s.TopicEnvelope, auth="required",
                 entitlement="none", errors=conflict),
        Endpoint("GET", "/spaces/{space_id:int}/moderation/queue", get_queue,
                 "The moderation queue: flagged posts (staff posts escalated first, then most "
                 "flags, then oldest), posts waiting for approval, open appeals with whether "
                 "you may answer each (moderators)",
                 response=QueueView, auth="required"),
        Endpoint("GET", "/moderation/queue", review_queue,
                 "One review queue across every space you moderate: flagged posts, posts "
                 "held for review and open appeals, oldest first, each naming its space and "
                 "organization; narrowed by organization or space; paged with a cursor. "
                 "Empty for whoever moderates nothing.",
                 response=QueuePage, auth="required",
                 query=(ORG, SPACE, CURSOR, QUEUE_LIMIT)),
        Endpoint("GET", "/moderation/spaces", moderated_spaces,
                 "The spaces you moderate, by organization, with how many flagged posts, "
                 "held posts and open appeals wait in each",
                 response=WorkList, auth="required"),
        Endpoint("GET", "/spaces/{space_id:int}/people/{user_id:int}", person_card,
                 "A person as the space's moderators see them before muting or banning: "
                 "name, handle, stakeholder type, their latest posts and every sanction "
                 "they had in this space, whether they are staff (moderators)",
                 response=PersonEnvelope, auth="required"),
        Endpoint("POST", "/flags/{flag_id:int}/resolve", resolve_flag,
                 "Resolve a flag and every open flag on its post: hide the post or dismiss "
                 "the flags; the flaggers are told (moderators)",
                 request=FlagResolve, response=ResolutionEnvelope, auth="required",
                 entitlement="none", errors=conflict),
        Endpoint("POST", "/spaces/{space_id:int}/moderation/bulk", bulk,
                 "Hide or dismiss many posts of the space at once, by post or by flag "
                 "(moderators)",
                 request=BulkRequest, response=BulkResponse, auth="required",
                 entitlement="none"),
        Endpoint("POST", "/posts/{post_id:int}/approve", approve_post,
                 "Publish a post held for review (moderators)", response=s.PostEnvelope,
                 auth="required", entitlement="none", errors=conflict),
        Endpoint("POST", "/posts/{post_id:int}/reject", reject_post,
                 "Turn down a post held for review, with a reason for its author (moderators)",
                 request=RejectRequest, response=s.PostEnvelope, auth="required",
                 entitlement="none", errors=conflict),
        Endpoint("POST", "/spaces/{space_id:int}/mutes", mute,
                 "Mute a user in the space (may read, may not post), for a time or for good "
                 "(moderators)",
                 request=MuteRequest, response=SanctionEnvelope, status=201, auth="required",
                 entitlement="none"),
        Endpoint("DELETE", "/spaces/{space_id:int}/mutes/{user_id:int}", unmute,
                 "Lift a mute (moderators)", status=204, auth="required", entitlement="none"),
        Endpoint("POST", "/spaces/{space_id:int}/bans", ban,
                 "Ban a user from the space (may not post, react, flag or follow it live), "
                 "for a time or for good, optionally hiding all their posts in it (moderators)",
                 request=BanRequest, response=SanctionEnvelope, status=201, auth="required",
                 entitlement="none"),
        Endpoint("DELETE", "/spaces/{space_id:int}/bans/{user_id:int}", unban,
                 "Lift a ban (moderators)", status=204, auth="required", entitlement="none"),
        Endpoint("GET", "/spaces/{space_id:int}/sanctions", list_sanctions,
                 "The mutes and bans in force in the space (moderators)",
                 response=SanctionList, auth="required"),
        Endpoint("GET", "/spaces/{space_id:int}/moderation/audit", audit_log,
                 "The audit log of every moderation act, newest first (the organization's "
                 "admins and the space's moderators)",
                 response=AuditPage, auth="required", query=AUDIT_QUERY),
        Endpoint("GET", "/spaces/{space_id:int}/moderation/log", public_log,
                 "The public moderation log: kind of act, rule, role, when; newest first",
                 response=PublicLogPage, query=LOG_QUERY),
        Endpoint("POST", "/posts/{post_id:int}/appeal", appeal_post,
                 "Appeal the hiding of your post, once", request=AppealRequest,
                 response=AppealEnvelope, status=201, auth="required", entitlement="none",
                 errors=conflict),
        Endpoint("POST", "/spaces/{space_id:int}/bans/appeal", appeal_ban,
                 "Appeal your ban from the space, once", request=AppealRequest,
                 response=AppealEnvelope, status=201, auth="required", entitlement="none",
                 errors=conflict),
        Endpoint("POST", "/appeals/{appeal_id:int}/answer", answer_appeal,
                 "Uphold or overturn an appeal, with a reason sent to the appellant "
                 "(moderators; never the appellant, 403 own_appeal; not the maker of the "
                 "decision while another moderator or admin could answer, 403 own_decision)",
                 request=AppealAnswer, response=AppealEnvelope, auth="required",
                 entitlement="none", errors=conflict),
        Endpoint("GET", "/appeals/{appeal_id:int}", get_appeal,
                 "An appeal (its appellant and the space's moderators)",
                 response=AppealEnvelope, auth="required"),
    ]
