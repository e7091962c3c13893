"""`Api.ok` holds every call to the success status its endpoint declares: a create
that answers 200, or a DELETE that answers 200 with a body, fails the test that makes
it, though both are successes."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from cps.http.api import Endpoint
from cps.http.routes import all_endpoints
from tests.support.api import PREFIX, Api, as_declared, declared_status

pytestmark = pytest.mark.anyio

ORG = {"org": {"id": 7, "name": "City of Seoul", "tier": "free"}}


async def created_with_200(request: Request) -> Response:
    """POST /orgs declares 201: this one answers 200, with the right body."""
    return JSONResponse(ORG, status_code=200)


async def deleted_with_a_body(request: Request) -> Response:
    """DELETE /posts/{id} declares 204: this one answers 200 with a body."""
    return JSONResponse({"deleted": True}, status_code=200)


async def org(request: Request) -> Response:
    return JSONResponse(ORG)


async def moderator_removed(request: Request) -> Response:
    return Response(status_code=204)


WRONG = Starlette(routes=[
    Route(f"{PREFIX}/orgs", created_with_200, methods=["POST"]),
    Route(f"{PREFIX}/orgs/{{org_id:int}}", org, methods=["GET"]),
    Route(f"{PREFIX}/posts/{{post_id:int}}", deleted_with_a_body, methods=["DELETE"]),
    Route(f"{PREFIX}/spaces/{{space_id:int}}/moderators/{{user_id:int}}", moderator_removed,
          methods=["DELETE"]),
    Route(f"{PREFIX}/nowhere", org, methods=["GET"]),
])


@pytest.fixture
async def wrong() -> AsyncIterator[Api]:
    """The client on an app whose answers are successes, some not the declared ones."""
    transport = httpx.ASGITransport(app=WRONG)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield Api(http)


async def test_a_create_answering_200_fails(wrong: Api) -> None:
    with pytest.raises(AssertionError, match=r"'POST', '/orgs', 200, 201"):
        await wrong.ok("POST", "/orgs", json={"name": "City of Seoul"})


async def test_a_delete_answering_200_with_a_body_fails(wrong: Api) -> None:
    with pytest.raises(AssertionError, match=r"'DELETE', '/posts/3', 200, 204"):
        await wrong.ok("DELETE", "/posts/3")


async def test_answers_as_declared_pass(wrong: Api) -> None:
    assert await wrong.ok("GET", "/orgs/7?fields=all") == ORG
    assert await wrong.ok("DELETE", "/spaces/1/moderators/2") is None


async def test_an_explicit_status_is_the_one_expected(wrong: Api) -> None:
    assert await wrong.ok("POST", "/orgs", json={}, status=200) == ORG
    with pytest.raises(AssertionError, match=r"'GET', '/orgs/7', 200, 201"):
        await wrong.ok("GET", "/orgs/7", status=201)


async def test_as_declared_says_the_same_of_a_raw_answer(wrong: Api) -> None:
    assert not as_declared(await wrong.call("POST", "/orgs", json={}))
    assert not as_declared(await wrong.call("DELETE", "/posts/3"))
    assert as_declared(await wrong.call("GET", "/orgs/7"))
    assert as_declared(await wrong.call("DELETE", "/spaces/1/moderators/2"))


async def test_a_call_no_endpoint_declares_fails(wrong: Api) -> None:
    with pytest.raises(AssertionError, match="no declared endpoint serves GET /api/v1/nowhere"):
        await wrong.ok("GET", "/nowhere")
    with pytest.raises(AssertionError, match="no declared endpoint serves PUT /api/v1/orgs/7"):
        await wrong.ok("PUT", "/orgs/7")


async def test_the_real_app_fails_a_declaration_it_does_not_answer(api: Api) -> None:
    """The app's own route, held to a declaration changed to 200: its 201 fails."""
    changed = [dataclasses.replace(ep, status=200)
               if (ep.method, ep.path) == ("POST", "/orgs") else ep for ep in all_endpoints()]
    strict = Api(api.http, endpoints=changed)
    admin = await api.user("Org Admin")
    fields = {"name": "City of Busan", "kind": "local_government", "country": "Korea"}
    with pytest.raises(AssertionError, match=r"'POST', '/orgs', 201, 200"):
        await strict.ok("POST", "/orgs", admin, fields)
    fields["name"] = "City of Daegu"
    assert (await api.ok("POST", "/orgs", admin, fields))["org"]["name"] == "City of Daegu"


def _concrete(ep: Endpoint) -> str:
    """A path `ep` serves: every id 1, a `{kind:str}` its first declared choice."""
    choices = {p.name: p.choices[0] for p in ep.path_params}
    return re.sub(r"{(\w+):(\w+)}",
                  lambda m: "1" if m.group(2) == "int" else choices[m.group(1)], ep.path)


@pytest.mark.parametrize("ep", all_endpoints(), ids=lambda ep: f"{ep.method} {ep.path}")
def test_every_declared_call_is_held_to_its_own_declaration(ep: Endpoint) -> None:
    assert declared_status(ep.method, _concrete(ep)) == ep.status
