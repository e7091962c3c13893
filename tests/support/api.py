"""A small client for the public API, so tests read like what a user does.

`Api.ok` makes a call that must succeed, and succeed with the status the endpoint
declares (`cps/http/routes`: a create answers 201, a DELETE 204, the rest 200): a
route answering another success status fails the test that calls it."""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
from starlette.routing import compile_path

from cps.http.api import Endpoint
from cps.http.routes import all_endpoints

if TYPE_CHECKING:
    from tests.support.world import Place, World

_counter = itertools.count(1)
PREFIX = "/api/v1"
PASSWORD = "correct horse battery"


@dataclass
class User:
    id: int
    email: str
    token: str
    display_name: str
    platform_admin: bool = False

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


# --- what each call must answer ------------------------------------------------------

# The API's own description: served beside the declared endpoints, not one of them.
_UNDECLARED = {("GET", "/openapi.json"): 200}


@functools.cache
def _declared(endpoints: tuple[Endpoint, ...]) -> list[tuple[re.Pattern[str], dict[str, int]]]:
    """Each declared path's pattern and the success status of each of its methods, in
    the order the app routes them (cps/http/api.py `routes`)."""
    by_path: dict[str, dict[str, int]] = {}
    for ep in endpoints:
        by_path.setdefault(ep.path, {})[ep.method] = ep.status
    return [(compile_path(path)[0], methods) for path, methods in by_path.items()]


def declared_status(method: str, path: str,
                    endpoints: Sequence[Endpoint] | None = None) -> int:
    """The success status the endpoint serving `method path` (under PREFIX, a query
    string allowed) declares; an AssertionError when no endpoint serves it."""
    method = "GET" if method.upper() == "HEAD" else method.upper()
    path = path.split("?", 1)[0]
    if (method, path) in _UNDECLARED:
        return _UNDECLARED[(method, path)]
    for pattern, methods in _declared(tuple(endpoints or all_endpoints())):
        if method in methods and pattern.match(path):
            return methods[method]
    raise AssertionError(f"no declared endpoint serves {method} {PREFIX}{path}")


def as_declared(response: httpx.Response) -> bool:
    """Whether `response` (to a call under PREFIX) has the success status its endpoint
    declares: for a test that holds a call made with `Api.call` to what `Api.ok` checks."""
    request = response.request
    path = request.url.path.removeprefix(PREFIX)
    return response.status_code == declared_status(request.method, path)


class Api:
    """Calls the API under PREFIX; `endpoints` are the declarations `ok` holds the
    answers to (the app's own unless a test gives others)."""

    def __init__(self, http: httpx.AsyncClient,
                 endpoints: Sequence[Endpoint] | None = None) -> None:
        self.http = http
        self.endpoints = tuple(endpoints) if endpoints is not None else None

    async def call(
        self, method: str, path: str, user: User | None = None, json: Any = None, **kw: Any
    ) -> httpx.Response:
        """The answer, whatever it is."""
        headers = dict(kw.pop("headers", {}))
        if user is not None:
            headers.update(user.auth)
        return await self.http.request(method, PREFIX + path, json=json, headers=headers, **kw)

    async def ok(self, method: str, path: str, user: User | None = None, json: Any = None,
                 status: int | None = None, **kw: Any) -> Any:
        """The answer's JSON (None when it has no body); the call must answer `status`,
        by default the success status its endpoint declares."""
        expected = status if status is not None else declared_status(method, path,
                                                                      self.endpoints)
        r = await self.call(method, path, user, json, **kw)
        assert r.status_code == expected, (method, path, r.status_code, expected, r.text)
        return r.json() if r.content else None

    # --- accounts -----------------------------------------------------------------------

    async def login(self, email: str, password: str = PASSWORD) -> User:
        """Sign in with a bearer token (the session cookie the answer sets is dropped)."""
        body = await self.ok("POST", "/auth/login", json={"email": email, "password": password})
        self.http.cookies.clear()
        account = body["user"]
        return User(account["id"], email, body["token"], account["display_name"],
                    account["is_platform_admin"])

    async def user(self, name: str | None = None, stakeholder_type: str = "citizen") -> User:
        """A new account, signed in."""
        n = next(_counter)
        name = name or f"User {n}"
        email = f"user{n}-{id(self)}@example.org"
        await self.ok("POST", "/auth/register", json={
            "email": email, "password": PASSWORD, "display_name": name,
            "stakeholder_type": stakeholder_type})
        self.http.cookies.clear()
        return await self.login(email)

    # --- one thing each -----------------------------------------------------------------

    async def org(self, admin: User, name: str | None = None, country: str = "Korea",
                  region: str = "") -> dict[str, Any]:
        """An organization; by default "City of Seoul N", a name of its own (a second
        organization named like a member is refused)."""
        name = name or f"City of Seoul {next(_counter)}"
        body = await self.ok("POST", "/orgs", admin, {"name": name, "kind": "local_government",
                                                     "country": country, "region": region})
        return dict(body["org"])

    async def space(self, admin: User, org_id: int, visibility: str = "public",
                    name: str = "Mobility", description: str = "Buses and bikes",
                    ) -> dict[str, Any]:
        body = await self.ok("POST", f"/orgs/{org_id}/spaces", admin,
                             {"name": name, "description": description,
                              "visibility": visibility})
        return dict(body["space"])

    async def topic(self, user: User, space_id: int, title: str = "Bike lanes",
                    body: str = "Where should they go?") -> dict[str, Any]:
        r = await self.ok("POST", f"/spaces/{space_id}/topics", user,
                          {"title": title, "body": body})
        return dict(r["topic"])

    async def post(self, user: User, topic_id: int, body: str = "A reply",
                   parent_id: int | None = None) -> dict[str, Any]:
        payload: dict[str, Any] = {"body": body}
        if parent_id is not None:
            payload["parent_id"] = parent_id
        r = await self.ok("POST", f"/topics/{topic_id}/posts", user, payload)
        return dict(r["post"])

    async def posts(self, topic_id: int, user: User | None = None) -> list[dict[str, Any]]:
        """The posts of a thread as `user` (or anyone) reads it, all pages."""
        found: list[dict[str, Any]] = []
        cursor = None
        while True:
            path = f"/topics/{topic_id}/posts?limit=100" + (f"&cursor={cursor}" if cursor else "")
            body = await self.ok("GET", path, user)
            found += body["posts"]
            cursor = body["next_cursor"]
            if not cursor:
                return found

    async def post_ids(self, topic_id: int) -> list[int]:
        """The post ids of a thread, as anyone reads it (all pages)."""
        return [p["id"] for p in await self.posts(topic_id)]

    # --- worlds (tests/support/world.py builds them) ------------------------------------

    async def world(self) -> World:
        """An org admin, an org, a public space with a topic, and a participant."""
        from tests.support.world import Builder  # world.py builds over this client

        return await Builder(self).world()

    async def place(self, topics: int = 1) -> Place:
        """An org admin, an org, a public space and `topics` topics in it."""
        from tests.support.world import Builder

        return await Builder(self).place(topics)
