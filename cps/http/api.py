"""Declared endpoints: each says its method, path, request and response schemas,
and entitlement. The declarations build the routes and the OpenAPI document."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from cps.http import auth
from cps.http.errors import (
    MalformedJSON,
    UnsupportedMediaType,
    error_response,
    validation_fields,
)
from cps.http.schemas import ID_MAX
from cps.services.context import Actor, Context
from cps.services.errors import Invalid, NotFound, NotSignedIn

AuthMode = Literal["required", "optional", "none"]


@dataclass
class Call:
    """What a handler gets: the parsed request."""

    request: Request
    ctx: Context
    actor: Actor | None
    body: Any
    params: dict[str, Any]
    query: dict[str, str]

    @property
    def user(self) -> Actor:
        if self.actor is None:
            raise NotSignedIn("Sign in to do this.")
        return self.actor

    def path_int(self, name: str) -> int:
        value = self.params[name]
        assert isinstance(value, int)
        return value

    def client_address(self) -> str:
        return self.request.client.host if self.request.client else "unknown"


Handler = Callable[[Call], Awaitable[Any]]


@dataclass(frozen=True)
class QueryParam:
    name: str
    description: str
    type: Literal["string", "integer"] = "string"
    choices: tuple[str, ...] = ()  # the only values a string parameter takes, if any


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    handler: Handler
    summary: str
    request: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    # Another success status with the same body (e.g. 200 for an idempotent retry).
    also_status: int | None = None
    auth: AuthMode = "optional"
    # The tier capability this endpoint needs, or "none": every endpoint that
    # creates or changes something declares it (checked by a test).
    entitlement: str = "none"
    query: tuple[QueryParam, ...] = ()
    # Other media types the success answer may come in (e.g. "text/csv"), as text.
    also_media: tuple[str, ...] = ()
    errors: tuple[int, ...] = field(default=(400, 401, 403, 404, 422))

    @property
    def changes_state(self) -> bool:
        return self.method in {"POST", "PATCH", "PUT", "DELETE"}

    def route(self) -> Route:
        async def endpoint(request: Request) -> Response:
            return await self._run(request)

        return Route(self.path, endpoint, methods=[self.method], name=self.handler.__name__)

    async def _run(self, request: Request) -> Response:
        ctx: Context = request.state.ctx
        actor = None
        if self.changes_state:
            auth.refuse_cross_site(ctx, request.url.scheme, request.headers)
        if self.auth != "none":
            actor = await auth.resolve(
                ctx,
                method=request.method,
                scheme=request.url.scheme,
                headers=request.headers,
                cookies=request.cookies,
            )
            if self.auth == "required" and actor is None:
                raise NotSignedIn("Sign in to do this.")
        # Ids are 32-bit integers in the database; a path id past that names nothing.
        for value in request.path_params.values():
            if isinstance(value, int) and not 0 < value <= ID_MAX:
                raise NotFound("Nothing is here.")
        body = await _parse_body(request, self.request) if self.request else None
        call = Call(
            request=request,
            ctx=ctx,
            actor=actor,
            body=body,
            params=dict(request.path_params),
            query=dict(request.query_params),
        )
        result = await self.handler(call)
        if isinstance(result, Response):
            return result
        if result is None:
            return Response(status_code=204)
        assert isinstance(result, BaseModel)
        return JSONResponse(result.model_dump(mode="json"), status_code=self.status)


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json"


async def _parse_body(request: Request, model: type[BaseModel]) -> BaseModel:
    # A JSON body must say so: a form or text/plain body is what a foreign page
    # can send without a CORS preflight.
    if not _is_json(request.headers.get("content-type", "")):
        raise UnsupportedMediaType()
    raw = await request.body()
    try:
        data = json.loads(raw) if raw.strip() else None
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: nested deeper than the parser goes.
        raise MalformedJSON() from None
    if not isinstance(data, dict):
        raise Invalid({"body": "Expected a JSON object."})
    # Valid JSON that no column can hold: a NUL character in text, or a number
    # past the database's 32-bit integers (whatever the field's own schema says).
    unstorable = {str(key): problem for key, value in data.items()
                  if (problem := _unstorable(value)) is not None}
    if unstorable:
        raise Invalid(unstorable)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Invalid(validation_fields(exc)) from None


def _unstorable(value: Any) -> str | None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return "Text may not contain the NUL character."
        elif isinstance(item, bool):
            continue
        elif isinstance(item, int):
            if not -ID_MAX - 1 <= item <= ID_MAX:
                return f"Numbers here are between {-ID_MAX - 1} and {ID_MAX}."
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def query_int(call: Call, name: str, default: int, *, low: int, high: int) -> int:
    raw = call.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise Invalid({name: "Expected a whole number."}) from None
    if not low <= value <= high:
        raise Invalid({name: f"Expected a number from {low} to {high}."})
    return value


def not_found_json() -> JSONResponse:
    return error_response(404, "not_found", "Nothing is here.")
