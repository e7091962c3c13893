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
from typing import Any

import httpx
from starlette.routing import compile_path

from cps.http.api import Endpoint
from cps.http.routes import all_endpoints

_counter = itertools.count(1)
PREFIX = "/api/v1"


@dataclass
class User:
    id: int
    email: str
    token: str
    display_name: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Place:
    admin: User
    org_id: int
    space_id: int
    topic_ids: list[int]


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

    async def user(self, name: str | None = None, stakeholder_type: str = "citizen") -> User:
        n = next(_counter)
        name = name or f"User {n}"
        email = f"user{n}-{id(self)}@example.org"
        r = await self.http.post(f"{PREFIX}/auth/register", json={
            "email": email, "password": "correct horse battery", "display_name": name,
            "stakeholder_type": stakeholder_type})
        assert r.status_code == 201, r.text
        r = await self.http.post(f"{PREFIX}/auth/login",
                                 json={"email": email, "password": "correct horse battery"})
        assert r.status_code == 200, r.text
        self.http.cookies.clear()
        body = r.json()
        return User(body["user"]["id"], email, body["token"], name)

    async def org(self, admin: User, name: str | None = None) -> dict[str, Any]:
        """An organization; by default "City of Seoul N", a name of its own (a second
        organization named like a member is refused)."""
        name = name or f"City of Seoul {next(_counter)}"
        body = await self.ok("POST", "/orgs", admin,
                             {"name": name, "kind": "local_government", "country": "Korea"},
                             status=201)
        return body["org"]

    async def space(self, admin: User, org_id: int, visibility: str = "public",
                    name: str = "Mobility", description: str = "Buses and bikes",
                    ) -> dict[str, Any]:
        body = await self.ok("POST", f"/orgs/{org_id}/spaces", admin,
                             {"name": name, "description": description,
                              "visibility": visibility}, status=201)
        return body["space"]

    async def topic(self, user: User, space_id: int, title: str = "Bike lanes",
                    body: str = "Where should they go?") -> dict[str, Any]:
        r = await self.ok("POST", f"/spaces/{space_id}/topics", user,
                          {"title": title, "body": body}, status=201)
        return r["topic"]

    async def post(self, user: User, topic_id: int, body: str = "A reply",
                   parent_id: int | None = None) -> dict[str, Any]:
        payload: dict[str, Any] = {"body": body}
        if parent_id is not None:
            payload["parent_id"] = parent_id
        r = await self.ok("POST", f"/topics/{topic_id}/posts", user, payload, status=201)
        return r["post"]

    async def world(self) -> dict[str, Any]:
        """An org admin, an org, a public space with a topic, and a participant."""
        admin = await self.user("Org Admin")
        org = await self.org(admin)
        space = await self.space(admin, org["id"])
        topic = await self.topic(admin, space["id"])
        citizen = await self.user("Citizen")
        return {"admin": admin, "org": org, "space": space, "topic": topic, "citizen": citizen}

    async def place(self, topics: int = 1) -> Place:
        """An org admin, an org, a public space and `topics` topics in it."""
        admin = await self.user("Org Admin")
        org = await self.org(admin, "City of Faults")
        space = await self.space(admin, org["id"], name="Resilience", description="")
        topic_ids = [(await self.topic(admin, space["id"], f"Topic {n}", "First post"))["id"]
                     for n in range(topics)]
        return Place(admin, org["id"], space["id"], topic_ids)

    async def post_ids(self, topic_id: int) -> list[int]:
        """The post ids of a thread, as anyone reads it (all pages)."""
        ids: list[int] = []
        cursor = None
        while True:
            path = f"/topics/{topic_id}/posts?limit=100" + (f"&cursor={cursor}" if cursor else "")
            body = await self.ok("GET", path)
            ids += [p["id"] for p in body["posts"]]
            cursor = body["next_cursor"]
            if not cursor:
                return ids
