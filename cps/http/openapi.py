"""The OpenAPI document, built from the endpoint declarations."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from cps import __version__
from cps.http.api import Endpoint

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


def document(endpoints: list[Endpoint]) -> dict[str, Any]:
    models: set[type[BaseModel]] = {ErrorEnvelope}
    for ep in endpoints:
        models.update(m for m in (ep.request, ep.response) if m is not None)
    ordered = sorted(models, key=lambda m: m.__name__)
    refs, defs = models_json_schema(
        [(m, "validation" if m in {e.request for e in endpoints} else "serialization")
         for m in ordered],
        ref_template="#/components/schemas/{model}",
    )
    def ref(model: type[BaseModel], mode: str) -> dict[str, Any]:
        return refs[(model, mode)]  # type: ignore[index]

    paths: dict[str, dict[str, Any]] = {}
    for ep in endpoints:
        path = _PARAM.sub(r"{\1}", PREFIX + ep.path)
        params: list[dict[str, Any]] = [
            {"name": name, "in": "path", "required": True,
             "schema": {"type": "integer" if kind == "int" else "string"}}
            for name, kind in _PARAM.findall(ep.path)
        ]
        params += [
            {"name": q.name, "in": "query", "required": False, "description": q.description,
             "schema": {"type": q.type, **({"enum": list(q.choices)} if q.choices else {})}}
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
        for status in sorted({*ep.errors, 503}):
            responses[str(status)] = {"description": _REASONS[status], "content": error_schema}
        if ep.request is not None:
            responses.setdefault("413", {"description": _REASONS[413], "content": error_schema})
            responses.setdefault("415", {"description": _REASONS[415], "content": error_schema})
        operation: dict[str, Any] = {
            "operationId": ep.handler.__name__,
            "summary": ep.summary,
            "parameters": params,
            "responses": responses,
            "x-entitlement": ep.entitlement,
        }
        if ep.auth == "required":
            operation["security"] = [{"bearer": []}, {"cookie": []}]
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
