"""Property: no request body makes a 5xx, on any POST/PATCH route.

The app runs in a blocking portal (its own event loop in a thread) so that
hypothesis can drive it from an ordinary test function, one example at a time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cps.app import create_app
from cps.http.api import Endpoint
from cps.http.routes import all_endpoints
from cps.services.context import Context
from tests.support import asgi
from tests.support.api import Api, User
from tests.support.direct import platform_admin, tiers_in
from tests.support.settings import make_settings
from tests.support.world import Builder

WRITES = [ep for ep in all_endpoints() if ep.method in {"POST", "PATCH", "PUT"}]
_PARAM = re.compile(r"{(\w+)(?::\w+)?}")

json_leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-3, max_value=2**31 + 3)
    | st.floats()
    | st.text(max_size=30)
    | st.sampled_from(["", " ", "public", "private", "spam", "like", "plus", "hide",
                       "a@example.org", "x" * 201, "x" * 20_001, "\u0000", "☃"])
)
json_values = st.recursive(
    json_leaves,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=8,
)


SPECIAL_TEXT = st.sampled_from(["", " ", "\u0000", "a\u0000b", "☃", "\u202e", "İ" * 130,
                                 "<script>alert(1)</script>", "a@example.org"])


def for_schema(schema: dict[str, Any], defs: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Mostly well-typed values for one field of a request model's JSON schema,
    with the edges (lengths around the limits, NUL, huge numbers) in the mix."""
    if "$ref" in schema:
        return for_schema(defs[schema["$ref"].rsplit("/", 1)[1]], defs)
    if "anyOf" in schema:
        return st.one_of([for_schema(s, defs) for s in schema["anyOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "const" in schema:
        return st.just(schema["const"])
    kind = schema.get("type")
    if kind == "string":
        limit = schema.get("maxLength", 50)
        # Strings right around the limit, built cheaply (a long random text is slow).
        edge = st.builds(lambda c, n: c * n, st.characters(),
                         st.sampled_from([max(limit - 1, 0), limit, limit + 1]))
        return st.one_of(st.text(max_size=min(limit, 30)), edge, SPECIAL_TEXT, st.emails())
    if kind == "integer":
        return st.integers() | st.integers(min_value=-2, max_value=2**31 + 2) | \
            st.sampled_from([0, 1, 2, 3, 2**31 - 1, 2**31, 2**63, 10**30, -(2**63)])
    if kind == "number":
        return st.floats()
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind == "array":
        return st.lists(for_schema(schema.get("items", {}), defs), max_size=5)
    return json_values


def bodies(ep: Endpoint) -> st.SearchStrategy[Any]:
    if ep.request is None:
        return json_values
    schema = ep.request.model_json_schema()
    defs = schema.get("$defs", {})
    props: dict[str, Any] = schema.get("properties", {})
    fields = sorted(props)
    typed = {name: for_schema(props[name], defs) | json_leaves for name in fields}
    return st.one_of(
        json_values,
        st.dictionaries(st.sampled_from(fields), json_values, max_size=len(fields)),
        st.fixed_dictionaries({}, optional={name: for_schema(props[name], defs)
                                            for name in fields}),
        st.fixed_dictionaries({}, optional=typed),
    )


@dataclass
class Fuzzer:
    portal: BlockingPortal
    api: Api
    user: User
    ids: dict[str, int]

    def path(self, ep: Endpoint) -> str:
        return _PARAM.sub(lambda m: str(self.ids.get(m.group(1), 1)) if m.group(1) != "kind"
                          else "like", ep.path)

    def send(self, ep: Endpoint, body: Any) -> int:
        async def go() -> int:
            r = await self.api.http.request(
                ep.method, "/api/v1" + self.path(ep), content=json.dumps(body).encode(),
                headers={**self.user.auth, "Content-Type": "application/json"})
            assert "Traceback" not in r.text
            return r.status_code

        return self.portal.call(go)


async def _world(api: Api, ctx: Context) -> tuple[User, dict[str, int]]:
    """A platform admin who administers an org on the plus tier with a public and a
    private space, a topic, a post and a flag by someone else, and an upgrade request."""
    root = await platform_admin(ctx, api, "root@example.org")
    build = Builder(api, tiers=tiers_in(ctx))
    org = await build.org(root, tier="plus")
    space = await build.space(root, org["id"])
    await build.space(root, org["id"], "private", name="Private")
    topic = await build.topic(root, space["id"])
    citizen = await api.user("Citizen")
    post = await api.post(citizen, topic["id"], "fuzz me")
    flag = await api.ok("POST", f"/posts/{post['id']}/flags", root, {"reason": "spam"})
    up = await api.ok("POST", f"/orgs/{org['id']}/upgrade-requests", root, {"tier": "premium"})
    return root, {"org_id": org["id"], "space_id": space["id"], "topic_id": topic["id"],
                  "post_id": post["id"], "user_id": citizen.id, "flag_id": flag["flag"]["id"],
                  "request_id": up["upgrade_request"]["id"], "appeal_id": 1}


@pytest.fixture
def fuzzer(database_url: str) -> Iterator[Fuzzer]:
    app = create_app(make_settings(database_url))
    with start_blocking_portal("asyncio") as portal:
        with portal.wrap_async_context_manager(asgi.running(app)) as state:
            with portal.wrap_async_context_manager(asgi.client(app, state)) as http:
                api = Api(http)
                user, ids = portal.call(_world, api, state["ctx"])
                yield Fuzzer(portal, api, user, ids)


FUZZ = settings(max_examples=40, deadline=None, database=None, derandomize=False,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.parametrize("ep", WRITES, ids=[f"{e.method} {e.path}" for e in WRITES])
def test_no_body_makes_a_server_error(fuzzer: Fuzzer, ep: Endpoint) -> None:
    @FUZZ
    @given(body=bodies(ep))
    def check(body: Any) -> None:
        status = fuzzer.send(ep, body)
        assert status < 500, (ep.method, ep.path, body, status)

    check()
