"""The OpenAPI document describes every route of the API with its schemas."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate
from starlette.applications import Starlette
from starlette.routing import Mount, Route

from cps.http.routes import all_endpoints
from cps.services.context import Context
from tests.support.api import Api, User

pytestmark = pytest.mark.anyio

PREFIX = "/api/v1"
_CONVERTER = re.compile(r"{(\w+):\w+}")


def api_routes(app: Starlette) -> list[tuple[str, str]]:
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
async def document(http: httpx.AsyncClient) -> dict[str, Any]:
    r = await http.get(f"{PREFIX}/openapi.json")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    doc: dict[str, Any] = r.json()
    return doc


async def test_the_document_is_a_valid_openapi_31_document(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1")
    validate(document)


async def test_every_api_route_is_in_the_document(running_app: tuple[Any, dict[str, Any]], document: dict[str, Any]) -> None:
    app, _ = running_app
    routes = api_routes(app)
    assert len(routes) >= 25
    missing = [(m, p) for m, p in routes if m not in document["paths"].get(p, {})]
    assert missing == []


async def test_the_document_names_no_route_the_app_lacks(running_app: tuple[Any, dict[str, Any]], document: dict[str, Any]) -> None:
    app, _ = running_app
    routes = set(api_routes(app))
    extra = [(m, p) for p, ops in document["paths"].items() for m in ops if (m, p) not in routes]
    assert extra == []


async def test_the_contract_routes_are_all_there(document: dict[str, Any]) -> None:
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


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    name = ref.rsplit("/", 1)[1]
    named: dict[str, Any] = document["components"]["schemas"][name]
    return named


async def test_each_operation_has_its_request_and_response_schemas(document: dict[str, Any]) -> None:
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


async def test_the_post_schema_has_the_contract_fields(document: dict[str, Any]) -> None:
    post = document["components"]["schemas"]["PostView"]["properties"]
    for field in ("id", "topic_id", "parent_id", "depth", "author", "body", "html",
                  "created_at", "edited_at", "hidden"):
        assert field in post


async def test_the_schemas_say_the_limits(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert schemas["TopicCreate"]["properties"]["title"]["maxLength"] == 200
    assert schemas["PostCreate"]["properties"]["body"]["maxLength"] == 20_000


# --- the document promises exactly what the server does ---------------------------------

METHODS = ("get", "post", "put", "patch", "delete")


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            yield method, path, op


async def test_every_endpoint_that_needs_a_capability_declares_402(document: dict[str, Any]) -> None:
    gated = [ep for ep in all_endpoints() if ep.entitlement != "none"]
    assert len(gated) >= 6
    for ep in gated:
        op = document["paths"][_CONVERTER.sub(r"{\1}", PREFIX + ep.path)][ep.method.lower()]
        assert "402" in op["responses"], (ep.method, ep.path)
        assert op["x-entitlement"] == ep.entitlement


async def test_posting_declares_429_with_retry_after(document: dict[str, Any]) -> None:
    for path in ("/topics/{topic_id}/posts", "/spaces/{space_id}/topics"):
        answer = document["paths"][PREFIX + path]["post"]["responses"]["429"]
        assert answer["headers"]["Retry-After"]["required"] is True


async def test_a_method_a_path_lacks_is_405_naming_every_method_it_has(http: httpx.AsyncClient, document: dict[str, Any]) -> None:
    checked = 0
    for path, ops in document["paths"].items():
        declared = {m.upper() for m in ops}
        url = re.sub(r"{\w+}", "1", path).replace("{kind}", "like")
        for method in [m.upper() for m in METHODS if m not in ops] + ["OPTIONS"]:
            r = await http.request(method, url)
            assert r.status_code == 405, (method, path, r.status_code)
            allowed = {m.strip() for m in r.headers["allow"].split(",")} - {"HEAD"}
            assert allowed == declared, (method, path, r.headers["allow"])
            assert r.json()["error"]["code"] == "method_not_allowed"
            checked += 1
    assert checked > 150


async def test_every_integer_parameter_declares_its_bounds(document: dict[str, Any]) -> None:
    for method, path, op in operations(document):
        for param in op["parameters"]:
            schema = param["schema"]
            if schema["type"] == "integer":
                assert {"minimum", "maximum"} <= set(schema), (method, path, param["name"])
            elif param["in"] == "path":  # a path parameter that is not an id
                assert schema.get("enum"), (method, path, param["name"])


async def test_path_ids_are_declared_up_to_what_the_database_holds(document: dict[str, Any]) -> None:
    ids = [p["schema"] for _, _, op in operations(document) for p in op["parameters"]
           if p["in"] == "path" and p["schema"]["type"] == "integer"]
    assert len(ids) > 40
    assert all((s["minimum"], s["maximum"]) == (1, 2**31 - 1) for s in ids)


async def world_ids(api: Api, ctx: Context) -> tuple[dict[str, int], User]:
    """Real ids for every kind of path parameter, on a premium organization, and its admin."""
    from tests.support.direct import set_tier

    w = await api.world()
    await set_tier(ctx, w["org"]["id"], "premium")
    post = await api.post(w["citizen"], w["topic"]["id"])
    return {"org_id": w["org"]["id"], "space_id": w["space"]["id"],
            "topic_id": w["topic"]["id"], "post_id": post["id"],
            "user_id": w["citizen"].id}, w["admin"]


def fill(path: str, ids: dict[str, int], kind: str = "like") -> str:
    url = path.removeprefix(PREFIX).replace("{kind}", kind)
    return re.sub(r"{(\w+)}", lambda m: str(ids.get(m.group(1), 1)), url)


async def test_declared_query_bounds_are_the_ones_the_server_enforces(api: Api, ctx: Context, document: dict[str, Any]) -> None:
    """For each declared integer query parameter: min-1 and max+1 are 422 naming it,
    min and max are not; for each declared choice, another value is 422."""
    ids, admin = await world_ids(api, ctx)
    checked = 0
    for method, path, op in operations(document):
        if method != "get":
            continue
        url = fill(path, ids)
        for param in (p for p in op["parameters"] if p["in"] == "query"):
            name, schema = param["name"], param["schema"]
            if schema["type"] == "integer":
                refused = [schema["minimum"] - 1, schema["maximum"] + 1]
                accepted = [schema["minimum"], schema["maximum"]]
            elif "enum" in schema:
                refused, accepted = ["not-" + schema["enum"][0], ""], schema["enum"]
            else:
                continue
            for value in refused:
                r = await api.call("GET", url, admin, params={name: str(value)})
                assert r.status_code == 422, (path, name, value, r.text)
                assert name in r.json()["error"]["fields"], (path, name, value)
            for value in accepted:
                r = await api.call("GET", url, admin, params={name: str(value)})
                assert r.status_code != 422 and r.status_code < 500, (path, name, value, r.text)
            checked += 1
    assert checked >= 10


async def test_path_ids_past_the_declared_maximum_are_404(api: Api, ctx: Context, document: dict[str, Any]) -> None:
    ids, admin = await world_ids(api, ctx)
    for method, path, op in operations(document):
        for param in op["parameters"]:
            if param["in"] == "path" and param["schema"]["type"] == "integer":
                big = {**ids, param["name"]: param["schema"]["maximum"] + 1}
                body: dict[str, Any] | None = {} if method in {"post", "put", "patch"} else None
                r = await api.call(method.upper(), fill(path, big), admin, body)
                assert r.status_code == 404, (method, path, param["name"], r.text)


async def test_links_lead_to_real_operations_with_their_path_parameters(document: dict[str, Any]) -> None:
    by_id = {op["operationId"]: (path, op) for _, path, op in operations(document)}
    count = 0
    for method, path, op in operations(document):
        for status, answer in op["responses"].items():
            for name, link in answer.get("links", {}).items():
                assert status.startswith("2"), (method, path, status)
                target_path, _ = by_id[link["operationId"]]
                wanted = set(re.findall(r"{(\w+)}", target_path))
                assert set(link["parameters"]) <= wanted, (method, path, name)
                ids = {p for p in wanted if p.endswith("_id")}
                assert ids <= set(link["parameters"]), (method, path, name)
                for expression in link["parameters"].values():
                    assert expression.startswith(("$response.body#/", "$request.path.")), name
                count += 1
    assert count > 100


async def test_a_created_organization_links_to_its_spaces_and_a_space_to_its_topics(document: dict[str, Any]) -> None:
    created = document["paths"][PREFIX + "/orgs"]["post"]["responses"]["201"]["links"]
    assert created["create_space"]["parameters"] == {"org_id": "$response.body#/org/id"}
    space = document["paths"][PREFIX + "/orgs/{org_id}/spaces"]["post"]["responses"]["201"]
    assert space["links"]["create_topic"]["parameters"] == {
        "space_id": "$response.body#/space/id"}
    post = document["paths"][PREFIX + "/topics/{topic_id}/posts"]["post"]["responses"]["201"]
    assert post["links"]["flag_post"]["parameters"] == {"post_id": "$response.body#/post/id"}


def request_schemas(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Every request body schema, with the schemas it refers to."""
    found: list[dict[str, Any]] = []
    for _, _, op in operations(document):
        if "requestBody" in op:
            found.append(resolve(document, op["requestBody"]["content"]["application/json"]
                                 ["schema"]))
    return found


def leaves(document: dict[str, Any], schema: dict[str, Any],
           seen: set[str] | None = None) -> Iterator[dict[str, Any]]:
    """Every string and integer schema inside `schema`."""
    seen = set() if seen is None else seen
    if "$ref" in schema:
        if schema["$ref"] in seen:
            return
        seen.add(schema["$ref"])
        schema = resolve(document, schema)
    if schema.get("type") in {"string", "integer"}:
        yield schema
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, []):
            yield from leaves(document, sub, seen)
    for sub in schema.get("properties", {}).values():
        yield from leaves(document, sub, seen)
    if isinstance(schema.get("items"), dict):
        yield from leaves(document, schema["items"], seen)


async def test_request_bodies_declare_what_the_server_refuses_in_any_field(document: dict[str, Any]) -> None:
    """Text without NUL and integers within 32 bits, as `_parse_body` checks."""
    strings = integers = 0
    for body in request_schemas(document):
        for leaf in leaves(document, body):
            if leaf["type"] == "integer":
                assert -(2**31) <= leaf["minimum"] <= leaf["maximum"] <= 2**31 - 1, leaf
                integers += 1
            elif "enum" not in leaf and "const" not in leaf:
                assert "pattern" in leaf, leaf
                assert not re.fullmatch(leaf["pattern"], "a\x00"), leaf
                strings += 1
    assert strings > 30 and integers > 10
