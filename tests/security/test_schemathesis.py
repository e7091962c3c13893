"""schemathesis against the OpenAPI document of a running `cps serve`: for every
operation, bounded generated requests (as a signed-in user, over a world with
real ids) must never get a 5xx, and every answer must match what the document
says: its status code, content type, headers and body schema.

`CPS_SCHEMATHESIS_EXAMPLES` sets the examples per operation (default 12, which keeps
the whole suite near 20 minutes on a 2-core machine; 100 for a deeper run)."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cps.http.openapi import document
from cps.http.routes import all_endpoints
from tests.support.api import PREFIX, Api
from tests.support.databases import run_sync, sqlite_copy
from tests.support.servers import AppServer

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("CPS_SCHEMATHESIS_EXAMPLES", "12"))
WORLD_IDS = 6  # ids 1..6 of every kind exist (or nearly)
ADMIN_EMAIL = "secretariat@example.org"
ADMIN_PASSWORD = "correct horse battery"
_turn = itertools.count()


def _fresh_token(live: AppServer) -> str:
    """A session of its own to sign out (from an address of its own: the fuzzed
    sign-ins may have the test's address throttled)."""
    n = next(_turn)
    email = f"leaving{n}@example.org"
    with httpx.Client(base_url=f"{live.base_url}{PREFIX}",
                      headers={"X-Forwarded-For": f"10.77.{n // 250}.{n % 250 + 1}"}) as http:
        http.post("/auth/register", json={"email": email, "password": ADMIN_PASSWORD,
                                          "display_name": "Leaving"})
        r = http.post("/auth/login", json={"email": email, "password": ADMIN_PASSWORD})
        return str(r.json()["token"])


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def live(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    folder = tmp_path_factory.mktemp("schemathesis")
    server = AppServer(folder / "serve", database_url=sqlite_copy(sqlite_template, folder))
    run_sync(server.start())
    yield server
    server.stop()


@pytest.fixture(scope="module")
def token(live: AppServer) -> str:
    """A platform admin, over a world where every small id names something: orgs,
    spaces (public and private), topics, posts, a flag, an appeal, an upgrade request."""
    subprocess.run([sys.executable, "-m", "cps", "create-admin", "--email", ADMIN_EMAIL,
                    "--password", ADMIN_PASSWORD], cwd=live.workdir, env=live.env, check=True,
                   capture_output=True)

    async def build() -> str:
        async with httpx.AsyncClient(base_url=live.base_url, timeout=30) as http:
            r = await http.post(f"{PREFIX}/auth/login", json={"email": ADMIN_EMAIL,
                                                     "password": ADMIN_PASSWORD})
            admin = {"Authorization": f"Bearer {r.json()['token']}"}
            http.cookies.clear()
            api = Api(http)
            place = await api.place(topics=3)
            other = await api.user("Someone else")
            await http.post(f"{PREFIX}/admin/orgs/{place.org_id}/tier", headers=admin,
                            json={"tier": "plus", "reason": "schemathesis"})
            private = (await http.post(f"{PREFIX}/orgs/{place.org_id}/spaces", headers=admin, json={
                "name": "Council", "visibility": "private"})).json()["space"]
            await http.post(f"{PREFIX}/spaces/{private['id']}/topics", headers=admin,
                            json={"title": "Closed", "body": "Members only"})
            posts = []
            for topic in place.topic_ids:
                r = await http.post(f"{PREFIX}/topics/{topic}/posts", headers=other.auth,
                                    json={"body": "A reply to aim at"})
                posts.append(r.json()["post"]["id"])
            await http.post(f"{PREFIX}/posts/{posts[0]}/flags", headers=place.admin.auth,
                            json={"reason": "spam"})
            await http.post(f"{PREFIX}/posts/{posts[1]}/hide", headers=admin, json={"reason": "x"})
            await http.post(f"{PREFIX}/posts/{posts[1]}/appeal", headers=other.auth,
                            json={"text": "Please"})
            org = (await http.post(f"{PREFIX}/orgs", headers=other.auth, json={
                "name": "Other City", "kind": "institution", "country": "Chile"})).json()["org"]
            await http.post(f"{PREFIX}/orgs/{org['id']}/upgrade-requests", headers=other.auth,
                            json={"tier": "plus"})
            return str(admin["Authorization"].split()[1])

    return run_sync(build())


# The document the app serves, loaded at collection time (the test below checks
# that the running server serves exactly this one).
DOCUMENT = document(all_endpoints())
schema = schemathesis.openapi.from_dict(DOCUMENT)


def test_the_server_serves_this_document(live: AppServer) -> None:
    assert httpx.get(f"{live.base_url}/api/v1/openapi.json").json() == DOCUMENT


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case: Any, live: AppServer, token: str) -> None:
    # Aim the generated ids (mostly 0) at things that exist, so answers are more
    # than 404s; malformed ids (negative testing) are left as they are.
    for name, value in (case.path_parameters or {}).items():
        if name.endswith("_id") and str(value).isdigit():
            case.path_parameters[name] = str((int(value) + next(_turn)) % WORLD_IDS + 1)
    if case.path == f"{PREFIX}/auth/logout":  # it must not sign out the token we use
        case.call_and_validate(base_url=live.base_url, checks=CHECKS, timeout=10,
                               headers={"Authorization": f"Bearer {_fresh_token(live)}"})
        return
    case.call_and_validate(base_url=live.base_url,
                           headers={"Authorization": f"Bearer {token}"}, checks=CHECKS,
                           timeout=10)
