"""Declared endpoints: each says its method, path, request and response schemas,
and entitlement. The declarations build the routes and the OpenAPI document."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from cps.edge import credentials, language
from cps.http import auth
from cps.http.errors import (
    MalformedJSON,
    UnsupportedMediaType,
    error_response,
    validation_fields,
)
from cps.http.schemas import TIME_PATTERN, YEAR_MAX, YEAR_MIN, parse_time
from cps.services.context import Actor, Context
from cps.services.errors import Invalid, NotFound, NotSignedIn
from cps.storage.types import ID_MAX

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
    """A query parameter: its declaration in the OpenAPI document and the bounds the
    `query_*` readers below enforce are the same fields, so they cannot differ."""

    name: str
    description: str
    type: Literal["string", "integer"] = "string"
    choices: tuple[str, ...] = ()  # the only values a string parameter takes, if any
    minimum: int | None = None  # bounds of an integer parameter (both are required)
    maximum: int | None = None
    pattern: str | None = None  # what a string parameter must match, if anything
    hint: str | None = None  # the 422 message for a value the pattern refuses, for a person
    format: str | None = None  # e.g. "date-time"

    @classmethod
    def number(cls, name: str, description: str, low: int, high: int) -> QueryParam:
        return cls(name, f"{description}: {low} to {high}", "integer", minimum=low, maximum=high)

    @classmethod
    def id(cls, name: str, description: str) -> QueryParam:
        """An id: 1 to ID_MAX, as the database stores them."""
        return cls(name, description, "integer", minimum=1, maximum=ID_MAX)

    @classmethod
    def time(cls, name: str, description: str) -> QueryParam:
        return cls(name, f"{description} (RFC 3339 with its offset, a year from {YEAR_MIN} "
                   f"to {YEAR_MAX})", pattern=TIME_PATTERN, format="date-time")

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": self.type}
        optional = {"enum": list(self.choices) or None, "minimum": self.minimum,
                    "maximum": self.maximum, "pattern": self.pattern, "format": self.format}
        schema.update({key: value for key, value in optional.items() if value is not None})
        return schema


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
    # The path's parameters other than `{name:int}` ids (which are 1 to ID_MAX, 404 past it).
    path_params: tuple[QueryParam, ...] = ()
    # Other media types the success answer may come in (e.g. "text/csv"), as text.
    also_media: tuple[str, ...] = ()
    errors: tuple[int, ...] = field(default=(400, 401, 403, 404, 422))

    @property
    def changes_state(self) -> bool:
        return self.method in {"POST", "PATCH", "PUT", "DELETE"}

    async def _run(self, request: Request) -> Response:
        ctx: Context = request.state.ctx
        actor = None
        if self.changes_state and credentials.bearer(request.headers) is None:
            # A bearer token cannot ride along with a browser's cross-site request;
            # anything else (cookies, or nothing: sign-in, sign-up) can.
            auth.refuse_cross_site(ctx, request.url.scheme, request.headers)
        if self.auth != "none":
            actor = await auth.resolve(
                ctx,
                method=request.method,
                scheme=request.url.scheme,
                headers=request.headers,
                cookies=request.cookies,
            )
            if actor is not None:
                language.remember_account_locale(request, actor.locale)
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
        data = json.loads(raw, parse_float=_json_number) if raw.strip() else None
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: nested deeper than the parser goes.
        raise MalformedJSON() from None
    if not isinstance(data, dict):
        raise Invalid({"body": "Expected a JSON object."})
    try:
        body = model.model_validate(data)
    except ValidationError as exc:
        raise Invalid(validation_fields(exc)) from None
    # Valid input that no column can hold: a NUL character in text, or a number
    # past the database's 32-bit integers (whatever the field's own schema says;
    # the OpenAPI document declares both). Only what the model read is checked:
    # properties it does not declare are ignored, whatever they hold.
    unstorable = {key: problem for key, value in body.model_dump().items()
                  if (problem := _unstorable(value)) is not None}
    if unstorable:
        raise Invalid(unstorable)
    return body


def _json_number(text: str) -> int | float:
    """A JSON number with a fraction or exponent: a whole one (7.0, 1e3) is an integer,
    as JSON Schema counts it, so `"user_id": 7.0` is read as 7."""
    value = float(text)
    return int(value) if value.is_integer() and abs(value) <= 2**53 else value


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


def routes(endpoints: Sequence[Endpoint]) -> list[Route]:
    """One route per path, serving every method declared on it: a method the path
    lacks is answered 405 with all of the path's methods in `Allow`."""
    by_path: dict[str, dict[str, Endpoint]] = {}
    for ep in endpoints:
        methods = by_path.setdefault(ep.path, {})
        assert ep.method not in methods, f"{ep.method} {ep.path} is declared twice"
        methods[ep.method] = ep
    return [_path_route(path, methods) for path, methods in by_path.items()]


def _path_route(path: str, methods: dict[str, Endpoint]) -> Route:
    async def endpoint(request: Request) -> Response:
        # Starlette answers 405 itself for a method not in `methods`; HEAD is GET's.
        ep = methods["GET" if request.method == "HEAD" else request.method]
        return await ep._run(request)

    name = "|".join(ep.handler.__name__ for ep in methods.values())
    return Route(path, endpoint, methods=list(methods), name=name)


_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,20}")


def query_int(call: Call, name: str, default: int, *, low: int, high: int) -> int:
    raw = call.query.get(name)
    if raw is None:
        return default
    if not _WHOLE_NUMBER.fullmatch(raw):
        raise Invalid({name: "Expected a whole number."})
    value = int(raw)
    if not low <= value <= high:
        raise Invalid({name: f"Expected a number from {low} to {high}."})
    return value


def _bounds(param: QueryParam) -> tuple[int, int]:
    assert param.type == "integer" and param.minimum is not None and param.maximum is not None
    return param.minimum, param.maximum


def query_number(call: Call, param: QueryParam, default: int) -> int:
    """An integer parameter within its declared bounds (422 otherwise); `default` when absent."""
    low, high = _bounds(param)
    return query_int(call, param.name, default, low=low, high=high)


def query_id(call: Call, param: QueryParam) -> int | None:
    """An optional id (a `QueryParam.id`): None when absent, 422 past what ids can be."""
    if param.name not in call.query:
        return None
    low, high = _bounds(param)
    return query_int(call, param.name, 0, low=low, high=high)


def query_time(call: Call, param: QueryParam) -> datetime | None:
    """An optional time (a `QueryParam.time`), in UTC; 422 unless RFC 3339 in range."""
    raw = call.query.get(param.name)
    if raw is None:
        return None
    try:
        return parse_time(raw)
    except ValueError as exc:
        raise Invalid({param.name: str(exc)}) from None


def query_text(call: Call, param: QueryParam) -> str | None:
    """An optional string parameter: None when absent or empty, 422 unless it matches
    the declared pattern (if any)."""
    raw = call.query.get(param.name)
    if not raw:
        return None
    if param.pattern is not None and not re.fullmatch(param.pattern, raw):
        if param.hint is not None:
            raise Invalid({param.name: param.hint})
        raise Invalid({param.name: f"Expected a value matching {param.pattern}."})
    return raw


def query_choice(call: Call, param: QueryParam) -> str | None:
    """An optional parameter that takes one of its declared choices; 422 otherwise."""
    raw = call.query.get(param.name)
    if raw is None:
        return None
    if raw not in param.choices:
        raise Invalid({param.name: f"Expected one of: {', '.join(param.choices)}."})
    return raw


def not_found_json() -> JSONResponse:
    return error_response(404, "not_found", "Nothing is here.")
