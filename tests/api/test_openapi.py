"""The OpenAPI document describes every route of the API with its schemas."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate
from starlette.routing import Mount, Route

from cps.http.routes import all_endpoints

pytestmark = pytest.mark.anyio

PREFIX = "/api/v1"
_CONVERTER = re.compile(r"{(\w+):\w+}")


def api_routes(app) -> list[tuple[str, str]]:
    """(method, OpenAPI path) of every route the app serves under /api/v1."""
    found = []
    for route in app.routes:
        if isinstance(route, Mount) and route.path == PREFIX:
            for sub in route.routes:
                assert isinstance(sub, Route)
                path = _CONVERTER.sub(r"{\1}", PREFIX + sub.path)
                for method in sub.methods or ():
                    if method != "HEAD":
                        found.append((method.lower(), path))
    return found


@pytest.fixture
async def document(http):
    r = await http.get(f"{PREFIX}/openapi.json")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    return r.json()


async def test_the_document_is_a_valid_openapi_31_document(document):
    assert document["openapi"].startswith("3.1")
    validate(document)


async def test_every_api_route_is_in_the_document(running_app, document):
    app, _ = running_app
    routes = api_routes(app)
    assert len(routes) >= 25
    missing = [(m, p) for m, p in routes if m not in document["paths"].get(p, {})]
    assert missing == []


async def test_the_document_names_no_route_the_app_lacks(running_app, document):
    app, _ = running_app
    routes = set(api_routes(app))
    extra = [(m, p) for p, ops in document["paths"].items() for m in ops if (m, p) not in routes]
    assert extra == []


async def test_the_contract_routes_are_all_there(document):
    contract = [
        ("post", "/auth/register"), ("post", "/auth/login"), ("post", "/auth/logout"),
        ("get", "/me"), ("post", "/orgs"), ("get", "/orgs/{org_id}"),
        ("post", "/orgs/{org_id}/spaces"), ("get", "/orgs/{org_id}/spaces"),
        ("get", "/spaces/{space_id}"), ("post", "/spaces/{space_id}/moderators"),
        ("post", "/spaces/{space_id}/members"), ("post", "/spaces/{space_id}/topics"),
        ("get", "/spaces/{space_id}/topics"), ("get", "/topics/{topic_id}"),
        ("patch", "/topics/{topic_id}"), ("post", "/topics/{topic_id}/posts"),
        ("get", "/topics/{topic_id}/posts"), ("patch", "/posts/{post_id}"),
        ("delete", "/posts/{post_id}"), ("post", "/posts/{post_id}/reactions"),
        ("delete", "/posts/{post_id}/reactions/{kind}"), ("post", "/posts/{post_id}/flags"),
        ("post", "/posts/{post_id}/hide"), ("post", "/posts/{post_id}/restore"),
    ]
    missing = [(m, p) for m, p in contract if m not in document["paths"].get(PREFIX + p, {})]
    assert missing == []


def resolve(document, schema):
    ref = schema.get("$ref")
    if ref is None:
        return schema
    name = ref.rsplit("/", 1)[1]
    return document["components"]["schemas"][name]


async def test_each_operation_has_its_request_and_response_schemas(document):
    by_id = {}
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            by_id[(method, path)] = op
            for param in re.findall(r"{(\w+)}", path):
                assert any(p["name"] == param and p["in"] == "path"
                           for p in op.get("parameters", [])), (method, path, param)
            # Every error answer is described with the envelope.
            for status, answer in op["responses"].items():
                if status.startswith(("4", "5")):
                    schema = answer["content"]["application/json"]["schema"]
                    assert "error" in resolve(document, schema)["properties"]
    for ep in all_endpoints():
        path = _CONVERTER.sub(r"{\1}", PREFIX + ep.path)
        op = by_id[(ep.method.lower(), path)]
        if ep.request is not None:
            body = op["requestBody"]["content"]["application/json"]["schema"]
            props = resolve(document, body)["properties"]
            assert set(ep.request.model_fields) <= set(props), (ep.method, path)
        else:
            assert "requestBody" not in op, (ep.method, path)
        answer = op["responses"][str(ep.status)]
        if ep.response is not None:
            schema = answer["content"]["application/json"]["schema"]
            props = resolve(document, schema)["properties"]
            assert set(ep.response.model_fields) <= set(props), (ep.method, path)
        else:
            assert ep.status == 204, (ep.method, path)
        if ep.auth == "required":
            assert "401" in op["responses"], (ep.method, path)


async def test_the_post_schema_has_the_contract_fields(document):
    post = document["components"]["schemas"]["PostView"]["properties"]
    for field in ("id", "topic_id", "parent_id", "depth", "author", "body", "html",
                  "created_at", "edited_at", "hidden"):
        assert field in post


async def test_the_schemas_say_the_limits(document):
    schemas = document["components"]["schemas"]
    assert schemas["TopicCreate"]["properties"]["title"]["maxLength"] == 200
    assert schemas["PostCreate"]["properties"]["body"]["maxLength"] == 20_000
