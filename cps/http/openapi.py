"""The OpenAPI document, built from the endpoint declarations."""

from __future__ import annotations

import functools
import re
import types
import typing
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue, models_json_schema
from pydantic_core import core_schema
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from cps import __version__
from cps.http.api import Endpoint
from cps.http.schemas import NO_NUL
from cps.services.accounts.views import Author, SessionView, UserView
from cps.services.discussion.views import FlagView, PostView, TopicView
from cps.services.moderation.views import AppealView, QueueAppeal
from cps.services.orgs.views import OrgView, SpaceView
from cps.services.polls.views import PollView
from cps.services.upgrades.views import UpgradeRequestView
from cps.storage.types import ID_MAX

PREFIX = "/api/v1"
_PARAM = re.compile(r"{(\w+)(?::(\w+))?}")


class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: dict[str, str] | None = None
    required_tier: str | None = None


class ErrorEnvelope(BaseModel):
    error: ErrorDetail


_REASONS = {
    400: "Malformed JSON", 401: "Not signed in", 402: "Tier or quota", 403: "Not allowed",
    404: "Unknown, or invisible to you", 409: "Conflict", 413: "Body too large",
    415: "The body is not application/json", 422: "Invalid field", 429: "Too many requests",
    503: "A backing service is down",
}


# What pydantic strips (Rust's White_Space), spelled out: JSON Schema's \s differs.
_SPACE = r"\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_SOME_TEXT = rf"^[^\x00]*[^{_SPACE}\x00][^\x00]*$"


class _RequestSchemas(GenerateJsonSchema):
    """Request bodies as the server reads them: besides each field's own rules, text
    holds no NUL and numbers fit the database's 32-bit integers (cps.http.api's
    `_parse_body` refuses the rest with 422)."""

    def str_schema(self, schema: core_schema.StringSchema) -> JsonSchemaValue:
        found = super().str_schema(schema)
        if self.mode == "validation" and "pattern" not in found:
            # Text the server strips must hold more than white space to be non-empty.
            stripped = schema.get("strip_whitespace") and schema.get("min_length", 0) > 0
            found["pattern"] = _SOME_TEXT if stripped else NO_NUL
        return found

    def int_schema(self, schema: core_schema.IntSchema) -> JsonSchemaValue:
        found = super().int_schema(schema)
        if self.mode == "validation":
            found["minimum"] = max(found.get("minimum", -ID_MAX - 1), -ID_MAX - 1)
            found["maximum"] = min(found.get("maximum", ID_MAX), ID_MAX)
        return found


# Path ids are 32-bit in the database; a bigger one names nothing (404, as an unknown one).
ID_SCHEMA: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": ID_MAX}

# An answer that may be a refusal to go faster says when to come back.
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again",
                                "required": True, "schema": {"type": "string",
                                                             "pattern": "^[0-9]+$"}}}


def statuses(ep: Endpoint) -> list[int]:
    """Every error status the endpoint may answer: its own list, 402 where it needs a
    tier capability, 413 and 415 where it takes a body, and 503 (the database is down)."""
    found = {*ep.errors, 503}
    if ep.entitlement != "none":
        found.add(402)
    if ep.request is not None:
        found |= {413, 415}
    return sorted(found)


# The document describes itself too: every route under /api/v1 is in it.
_SELF: dict[str, Any] = {
    "operationId": "openapi_json",
    "summary": "This OpenAPI document",
    "parameters": [],
    "responses": {
        "200": {
            "description": "The OpenAPI 3.1 document of this API",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
    "x-entitlement": "none",
}


def served(endpoints: Sequence[Endpoint]) -> Callable[[Request], Awaitable[Response]]:
    """The handler of GET /openapi.json. The document is made on its first request, not
    when an app is made (about 50 ms of pydantic's schema generation, which every
    worker's start-up and every test's app would otherwise pay), and kept for the
    process: every app made with the same endpoints answers the same bytes."""
    key = tuple(endpoints)

    async def openapi_json(_: Request) -> Response:
        return Response(_rendered(key), media_type="application/json")

    return openapi_json


@functools.lru_cache(maxsize=4)
def _rendered(endpoints: tuple[Endpoint, ...]) -> bytes:
    return bytes(JSONResponse(document(list(endpoints))).body)


def document(endpoints: list[Endpoint]) -> dict[str, Any]:
    models: set[type[BaseModel]] = {ErrorEnvelope}
    for ep in endpoints:
        models.update(m for m in (ep.request, ep.response) if m is not None)
    ordered = sorted(models, key=lambda m: m.__name__)
    refs, defs = models_json_schema(
        [(m, "validation" if m in {e.request for e in endpoints} else "serialization")
         for m in ordered],
        ref_template="#/components/schemas/{model}",
        schema_generator=_RequestSchemas,
    )
    def ref(model: type[BaseModel], mode: str) -> dict[str, Any]:
        return refs[(model, mode)]  # type: ignore[index]

    links = _links(endpoints)
    paths: dict[str, dict[str, Any]] = {}
    for ep in endpoints:
        path = _PARAM.sub(r"{\1}", PREFIX + ep.path)
        declared = {p.name: p for p in ep.path_params}
        params: list[dict[str, Any]] = []
        for name, kind in _PARAM.findall(ep.path):
            if kind == "int":
                params.append({"name": name, "in": "path", "required": True,
                               "schema": ID_SCHEMA})
            else:
                param = declared[name]  # a path parameter that is not an id says what it takes
                params.append({"name": name, "in": "path", "required": True,
                               "description": param.description, "schema": param.schema()})
        params += [
            {"name": q.name, "in": "query", "required": False, "description": q.description,
             "schema": q.schema()}
            for q in ep.query
        ]
        responses: dict[str, Any] = {}
        if ep.response is not None:
            responses[str(ep.status)] = {
                "description": ep.summary,
                "content": {"application/json": {"schema": ref(ep.response, "serialization")},
                            **{media: {"schema": {"type": "string"}} for media in ep.also_media}},
            }
            if ep.also_status is not None:
                responses[str(ep.also_status)] = {
                    "description": "The same, answered again (an idempotent retry)",
                    "content": {
                        "application/json": {"schema": ref(ep.response, "serialization")}
                    },
                }
        else:
            responses[str(ep.status)] = {"description": ep.summary}
        error_schema = {"application/json": {"schema": ref(ErrorEnvelope, "serialization")}}
        for status in statuses(ep):
            responses[str(status)] = {"description": _REASONS[status], "content": error_schema}
            if status == 429:
                responses[str(status)]["headers"] = _RETRY_AFTER
        for success in (ep.status, ep.also_status):
            if success is not None and (found := links.get((ep.method, ep.path))):
                responses[str(success)]["links"] = found
        operation: dict[str, Any] = {
            "operationId": ep.handler.__name__,
            "summary": ep.summary,
            "parameters": params,
            "responses": responses,
            "x-entitlement": ep.entitlement,
        }
        if ep.auth != "none":  # {} is "or anonymously", where signing in is optional
            operation["security"] = [{"bearer": []}, {"cookie": []},
                                     *([{}] if ep.auth == "optional" else [])]
        if ep.request is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": ref(ep.request, "validation")}},
            }
        paths.setdefault(path, {})[ep.method.lower()] = operation
    paths[PREFIX + "/openapi.json"] = {"get": _SELF}
    return {
        "openapi": "3.1.0",
        "info": {"title": "CPS — Civic Participation System", "version": __version__},
        "paths": paths,
        "components": {
            "schemas": defs.get("$defs", {}),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "cps_session"},
            },
        },
    }


# --- links: which answer gives the ids another operation's path needs ----------------

# A view of each kind of thing whose id other paths take.
_ID_OF: dict[type[BaseModel], str] = {
    OrgView: "org_id", SpaceView: "space_id", TopicView: "topic_id", PostView: "post_id",
    PollView: "poll_id", FlagView: "flag_id", AppealView: "appeal_id",
    QueueAppeal: "appeal_id", UpgradeRequestView: "request_id", UserView: "user_id",
    Author: "user_id", SessionView: "session_id",
}


def _models_in(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """The model a field holds (if any), and whether it holds a list of them."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            if arg is not type(None):
                return _models_in(arg)
    if origin is list:
        model, _ = _models_in(typing.get_args(annotation)[0])
        return model, True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    return None, False


def _pointers(model: type[BaseModel], path_params: set[str]) -> dict[str, str]:
    """Path parameter -> JSON pointer into an answer of `model` where a real value of
    it is (the shallowest; the first item of a list)."""
    found: dict[str, str] = {}
    queue: deque[tuple[type[BaseModel], str, int]] = deque([(model, "", 0)])
    while queue:
        current, at, depth = queue.popleft()
        if current in _ID_OF:
            found.setdefault(_ID_OF[current], f"{at}/id")
        for name, field in current.model_fields.items():
            if name in path_params and (depth == 0 or name.endswith("_id")):
                found.setdefault(name, f"{at}/{name}")
            inner, many = _models_in(field.annotation)
            if inner is not None and depth < 3:
                queue.append((inner, f"{at}/{name}/0" if many else f"{at}/{name}", depth + 1))
    return found


def _links(endpoints: list[Endpoint]) -> dict[tuple[str, str], dict[str, Any]]:
    """OpenAPI links from each answer to every other operation whose ids it holds,
    so a stateful client walks from what it created to what it may do with it."""
    wants = {(ep.method, ep.path): dict(_PARAM.findall(ep.path)) for ep in endpoints}
    names = {name for params in wants.values() for name in params}
    links: dict[tuple[str, str], dict[str, Any]] = {}
    for source in endpoints:
        if source.response is None:
            continue
        known = set(wants[(source.method, source.path)])
        have = {name: f"$response.body#{at}"
                for name, at in _pointers(source.response, names).items()}
        for name in known - have.keys():  # what the source's own path named
            have[name] = f"$request.path.{name}"
        for target in endpoints:
            params = wants[(target.method, target.path)]
            ids = {name for name, kind in params.items() if kind == "int"}
            # A link is worth having when it brings a value the source's own path lacked.
            if not ids <= have.keys() or params.keys() <= known:
                continue
            links.setdefault((source.method, source.path), {})[target.handler.__name__] = {
                "operationId": target.handler.__name__,
                "parameters": {name: have[name] for name in params if name in have},
            }
    return links
