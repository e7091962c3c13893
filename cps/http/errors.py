"""One place that turns errors into the contract's envelope; never a stack trace."""

from __future__ import annotations

import logging
import re
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from cps.edge.envelope import error_body
from cps.edge.language import localized_error, request_locale
from cps.services.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    NotSignedIn,
    QuotaExceeded,
    RateLimited,
    TierRequired,
    Unavailable,
)
from cps.services.languages.catalogues import N_, N_plural

log = logging.getLogger("cps.http")


class BodyTooLarge(Exception):
    """The request body is over the limit (raised while it is being received)."""


class MalformedJSON(Exception):
    pass


class UnsupportedMediaType(Exception):
    """A JSON endpoint was sent a body that is not `application/json`."""


_STATUS: dict[type[DomainError], int] = {
    NotSignedIn: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    Invalid: 422,
    TierRequired: 402,
    QuotaExceeded: 402,
    RateLimited: 429,
    Unavailable: 503,
}

_HTTP_CODES = {
    400: "bad_request",
    401: "not_signed_in",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    503: "unavailable",
}


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None,
    *, locale: str = "en", **extra: Any,
) -> JSONResponse:
    """The envelope, its message (and fields) in `locale` (docs/languages.md)."""
    body = error_body(code, message, **extra)
    if locale != "en":
        body = localized_error(body, locale)
    return JSONResponse(body, status_code=status, headers=headers)


# The message of every 422 whose fields say the rest (cps/services/errors.py's Invalid
# takes it as a default argument, which the extraction does not read): marked here.
INVALID_MESSAGE = N_("Some fields are invalid.")


# The 422 `fields` texts for pydantic's errors, by pydantic's error `type`: the errors
# CPS's strict request bodies can raise (cps/http/schemas.py), in words the catalogues
# translate (docs/languages.md); each {name} is filled from the error's context. An
# error of our own (`PydanticCustomError`) carries its own catalogue text; any other
# type keeps pydantic's English.
_PYDANTIC: dict[str, str | tuple[str, str]] = {
    "missing": N_("Field required"),
    "string_type": N_("Input should be a valid string"),
    "int_type": N_("Input should be a valid integer"),
    "int_from_float": N_("Input should be a valid integer, got a number with a fractional part"),
    "float_type": N_("Input should be a valid number"),
    "finite_number": N_("Input should be a finite number"),
    "bool_type": N_("Input should be a valid boolean"),
    "list_type": N_("Input should be a valid list"),
    "dict_type": N_("Input should be an object"),
    "model_type": N_("Input should be an object"),
    "model_attributes_type": N_("Input should be an object"),
    "none_required": N_("Input should be null"),
    "literal_error": N_("Input should be one of: {expected}"),
    "enum": N_("Input should be one of: {expected}"),
    "greater_than": N_("Input should be greater than {gt}"),
    "greater_than_equal": N_("Input should be greater than or equal to {ge}"),
    "less_than": N_("Input should be less than {lt}"),
    "less_than_equal": N_("Input should be less than or equal to {le}"),
    "multiple_of": N_("Input should be a multiple of {multiple_of}"),
    "string_too_short": N_plural("String should have at least {min_length} character",
                                 "String should have at least {min_length} characters"),
    "string_too_long": N_plural("String should have at most {max_length} character",
                                "String should have at most {max_length} characters"),
    "string_pattern_mismatch": N_("String should match pattern '{pattern}'"),
    "too_short": N_plural("Should have at least {min_length} item, not {actual_length}",
                          "Should have at least {min_length} items, not {actual_length}"),
    "too_long": N_plural("Should have at most {max_length} item, not {actual_length}",
                         "Should have at most {max_length} items, not {actual_length}"),
    "extra_forbidden": N_("Extra inputs are not permitted"),
}
# The numbers that choose the form of a text with a count.
_COUNTED = ("min_length", "max_length")


def _choices(expected: object) -> str:
    """pydantic's "'a', 'b' or 'c'" as a list without an English word in it."""
    return ", ".join(re.split(r", | or ", str(expected)))


def validation_message(err: ErrorDetails) -> str:
    """The English 422 text for one pydantic error (translated with the envelope)."""
    template = _PYDANTIC.get(err["type"])
    if template is None:
        return err["msg"]
    context = {key: str(value) for key, value in (err.get("ctx") or {}).items()}
    if "expected" in context:
        context["expected"] = _choices(context["expected"])
    if isinstance(template, tuple):
        count = next((int(context[name]) for name in _COUNTED if name in context), 0)
        template = template[0] if count == 1 else template[1]
    try:
        return template.format_map(context)
    except (KeyError, ValueError):  # a context other than pydantic's documented one
        return err["msg"]


def validation_fields(exc: ValidationError) -> dict[str, str]:
    fields: dict[str, str] = {}
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"]) or "body"
        fields.setdefault(loc, validation_message(err))
    return fields


def domain_response(exc: DomainError, locale: str = "en") -> JSONResponse:
    status = next((s for cls, s in _STATUS.items() if isinstance(exc, cls)), 400)
    extra: dict[str, Any] = {}
    headers: dict[str, str] | None = None
    if isinstance(exc, Invalid):
        extra["fields"] = exc.fields
    elif isinstance(exc, TierRequired):
        extra["required_tier"] = exc.required_tier
    elif isinstance(exc, QuotaExceeded):
        extra.update(
            quota=exc.quota, limit=exc.limit, usage=exc.usage, required_tier=exc.required_tier
        )
    elif isinstance(exc, RateLimited):
        headers = {"Retry-After": str(exc.retry_after)}
        extra["retry_after"] = exc.retry_after
    return error_response(status, exc.code, exc.message, headers, locale=locale, **extra)


async def on_domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return domain_response(exc, request_locale(request))


async def on_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    if exc.status_code == 404:
        message = "Nothing is here."
    return error_response(exc.status_code, code, message, dict(exc.headers or {}),
                          locale=request_locale(request))


async def on_body_too_large(request: Request, __: Exception) -> Response:
    return error_response(413, "body_too_large", "The request body is larger than 1 MiB.",
                          locale=request_locale(request))


async def on_malformed_json(request: Request, __: Exception) -> Response:
    return error_response(400, "malformed_json", "The request body is not valid JSON.",
                          locale=request_locale(request))


async def on_unsupported_media_type(request: Request, __: Exception) -> Response:
    return error_response(
        415, "unsupported_media_type", "Send the request body as application/json.",
        locale=request_locale(request),
    )


async def on_database_down(request: Request, exc: Exception) -> Response:
    log.warning(
        "database unavailable", extra={"path": request.url.path, "error": type(exc).__name__}
    )
    return error_response(
        503, "unavailable", "The database does not answer; try again shortly.",
        {"Retry-After": "2"}, locale=request_locale(request),
    )


async def on_unexpected(request: Request, exc: Exception) -> Response:
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return await on_database_down(request, exc)
    log.exception("unexpected error", extra={"path": request.url.path})
    return error_response(500, "internal", "Something went wrong on our side.",
                          locale=request_locale(request))


HANDLERS: dict[Any, Any] = {
    DomainError: on_domain_error,
    HTTPException: on_http_exception,
    BodyTooLarge: on_body_too_large,
    MalformedJSON: on_malformed_json,
    UnsupportedMediaType: on_unsupported_media_type,
    OperationalError: on_database_down,
    InterfaceError: on_database_down,
    PoolTimeout: on_database_down,
    # asyncpg's command timeout (a statement waited on a lock or a slow server).
    TimeoutError: on_database_down,
    ConnectionRefusedError: on_database_down,
    Exception: on_unexpected,
}
