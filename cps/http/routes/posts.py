"""/topics/{id}/posts and /posts/{id}."""

from __future__ import annotations

from typing import Annotated, get_args

from pydantic import BaseModel, StringConstraints, ValidationError
from starlette.responses import JSONResponse, Response

from cps.http import schemas as s
from cps.http.api import Call, Endpoint, QueryParam, query_number, query_text
from cps.http.errors import validation_fields
from cps.http.routes.topics import LIMIT
from cps.services.discussion import posts
from cps.services.discussion.views import (
    FlagReason,
    FlagView,
    PostView,
    ReactionKind,
    ReactionState,
    RevisionView,
)
from cps.services.errors import Invalid
from cps.services.moderation import flags, visibility

# A thread's cursor is the tree path of the last post shown: PATH_WIDTH digits a level.
CURSOR = QueryParam("cursor", "Where the previous page ended (its next_cursor)",
                    pattern=rf"^([0-9]{{{posts.PATH_WIDTH}}})*$")
KIND = QueryParam("kind", "The reaction to take back", choices=get_args(ReactionKind))


class PostCreate(s.RequestModel):
    body: s.Body
    parent_id: s.Id | None = None
    client_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    # An official's post in a question waiting for an answer answers it, unless false
    # (docs/accountability.md).
    answers_question: bool = True
    # The language it is written in (BCP 47, e.g. "ko", "pt-BR"); absent or null: detected.
    lang: s.LanguageTag | None = None


class PostUpdate(s.RequestModel):
    # At least one of the two; a new body is detected again unless `lang` was given.
    # `"lang": null` (given, empty): the language is detected from the text again,
    # even one its author had said.
    body: s.Body | None = None
    lang: s.LanguageTag | None = None


class ReactionCreate(s.RequestModel):
    kind: ReactionKind


class FlagCreate(s.RequestModel):
    reason: FlagReason
    note: Annotated[str, StringConstraints(max_length=2000)] = ""


class HideRequest(s.RequestModel):
    reason: Annotated[str, StringConstraints(max_length=2000)] = ""


class PostList(BaseModel):
    posts: list[PostView]
    next_cursor: str | None


class RevisionList(BaseModel):
    revisions: list[RevisionView]


class FlagEnvelope(BaseModel):
    flag: FlagView


async def create_post(call: Call) -> Response:
    body: PostCreate = call.body
    post, created = await posts.create_post(
        call.ctx, call.user, call.path_int("topic_id"),
        body=body.body, parent_id=body.parent_id, client_id=body.client_id,
        answers_question=body.answers_question, lang=body.lang,
    )
    return JSONResponse(
        s.PostEnvelope(post=post).model_dump(mode="json"), status_code=201 if created else 200
    )


async def list_posts(call: Call) -> PostList:
    page = await posts.list_posts(
        call.ctx, call.actor, call.path_int("topic_id"),
        cursor=query_text(call, CURSOR),
        limit=query_number(call, LIMIT, 100),
    )
    return PostList(posts=page.items, next_cursor=page.next_cursor)


async def edit_post(call: Call) -> s.PostEnvelope:
    body: PostUpdate = call.body
    return s.PostEnvelope(
        post=await posts.edit_post(call.ctx, call.user, call.path_int("post_id"), body=body.body,
                                   lang=body.lang,
                                   detect=body.lang is None and "lang" in body.model_fields_set)
    )


async def delete_post(call: Call) -> None:
    await posts.delete_post(call.ctx, call.user, call.path_int("post_id"))


async def list_revisions(call: Call) -> RevisionList:
    return RevisionList(
        revisions=await posts.revisions(call.ctx, call.actor, call.path_int("post_id"))
    )


async def add_reaction(call: Call) -> ReactionState:
    body: ReactionCreate = call.body
    state = await posts.set_reaction(
        call.ctx, call.user, call.path_int("post_id"), kind=body.kind, on=True
    )
    return state


async def remove_reaction(call: Call) -> ReactionState:
    try:
        kind = ReactionCreate.model_validate({"kind": call.params["kind"]}).kind
    except ValidationError as exc:
        raise Invalid(validation_fields(exc)) from None
    state = await posts.set_reaction(
        call.ctx, call.user, call.path_int("post_id"), kind=kind, on=False
    )
    return state


async def flag_post(call: Call) -> FlagEnvelope:
    body: FlagCreate = call.body
    flag = await flags.flag_post(
        call.ctx, call.user, call.path_int("post_id"), reason=body.reason, note=body.note
    )
    return FlagEnvelope(flag=flag)


async def hide_post(call: Call) -> s.PostEnvelope:
    body: HideRequest = call.body
    post = await visibility.set_hidden(
        call.ctx, call.user, call.path_int("post_id"), hidden=True, reason=body.reason or None
    )
    return s.PostEnvelope(post=post)


async def restore_post(call: Call) -> s.PostEnvelope:
    post = await visibility.set_hidden(
        call.ctx, call.user, call.path_int("post_id"), hidden=False, reason=None
    )
    return s.PostEnvelope(post=post)


def endpoints() -> list[Endpoint]:
    with_conflict = (400, 401, 403, 404, 409, 422)
    return [
        Endpoint("POST", "/topics/{topic_id:int}/posts", create_post,
                 "Post in a topic, or reply to a post of it (parent_id). A retry with the "
                 "same client_id answers 200 with the post that already landed.",
                 request=PostCreate, response=s.PostEnvelope, status=201, also_status=200,
                 auth="required",
                 errors=(*with_conflict, 429)),  # posting rate limit and slow mode
        Endpoint("GET", "/topics/{topic_id:int}/posts", list_posts,
                 "The thread in tree order, paginated with a cursor", response=PostList,
                 query=(CURSOR, LIMIT)),
        Endpoint("PATCH", "/posts/{post_id:int}", edit_post, "Edit your post (history kept)",
                 request=PostUpdate, response=s.PostEnvelope, auth="required",
                 errors=with_conflict),
        Endpoint("DELETE", "/posts/{post_id:int}", delete_post, "Delete your post (soft)",
                 status=204, auth="required"),
        Endpoint("GET", "/posts/{post_id:int}/revisions", list_revisions,
                 "Earlier versions of a post, oldest first", response=RevisionList),
        Endpoint("POST", "/posts/{post_id:int}/reactions", add_reaction, "React to a post",
                 request=ReactionCreate, response=ReactionState, auth="required",
                 errors=with_conflict),
        Endpoint("DELETE", "/posts/{post_id:int}/reactions/{kind:str}", remove_reaction,
                 "Take your reaction back", response=ReactionState, auth="required",
                 path_params=(KIND,), errors=with_conflict),
        Endpoint("POST", "/posts/{post_id:int}/flags", flag_post,
                 "Flag a post for the moderators (once per person)",
                 request=FlagCreate, response=FlagEnvelope, status=201, auth="required",
                 errors=with_conflict),
        Endpoint("POST", "/posts/{post_id:int}/hide", hide_post,
                 "Hide a post, with a reason shown to its author (moderators)",
                 request=HideRequest, response=s.PostEnvelope, auth="required"),
        Endpoint("POST", "/posts/{post_id:int}/restore", restore_post,
                 "Restore a hidden post (moderators)", response=s.PostEnvelope,
                 auth="required"),
    ]
