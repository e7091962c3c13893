"""schemathesis against the OpenAPI document of a running `cps serve`, as `schemathesis
run` with every check it has and every phase: the examples, the coverage phase (each
declared bound and its neighbours, every undeclared method of each path, negative
data), fuzzing (positive and negative) and a stateful run that follows the
document's links from what it creates. Signed in as a platform admin, over a world
where every small id names something. No answer may be a 5xx, and every answer must
be what the document says: status, headers, content type, body, bounds, `Allow`.

Depth: `CPS_SCHEMATHESIS_EXAMPLES` examples per operation and mode in fuzzing
(default 12; 60 is the deep run of the issue-12 audit); `CPS_SCHEMATHESIS_SECONDS`
makes fuzzing go on until that many seconds are spent (unset: it stops at its
examples); the stateful run takes `CPS_SCHEMATHESIS_STATEFUL_SECONDS` (default 20). The hooks and the configuration are
tests/security/schemathesis_hooks.py and tests/security/schemathesis.toml."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cps.http.openapi import document
from cps.http.routes import all_endpoints
from tests.support.api import PREFIX, Api
from tests.support.databases import run_sync, sqlite_copy
from tests.support.servers import AppServer

pytestmark = pytest.mark.long

EXAMPLES = int(os.environ.get("CPS_SCHEMATHESIS_EXAMPLES", "12"))
SECONDS = int(os.environ.get("CPS_SCHEMATHESIS_SECONDS", "0"))
STATEFUL_SECONDS = int(os.environ.get("CPS_SCHEMATHESIS_STATEFUL_SECONDS", "20"))
ROOT = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).with_name("schemathesis.toml")
ADMIN_EMAIL = "secretariat@example.org"
ADMIN_PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def live(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    folder = tmp_path_factory.mktemp("schemathesis")
    # The hooks sign out from addresses of their own (X-Forwarded-For), which the
    # server believes only from a trusted proxy.
    server = AppServer(folder / "serve", database_url=sqlite_copy(sqlite_template, folder),
                       env={"CPS_TRUSTED_PROXIES": "127.0.0.1"})
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


def test_the_server_serves_the_document_of_the_declarations(live: AppServer) -> None:
    assert httpx.get(f"{live.base_url}{PREFIX}/openapi.json").json() == document(all_endpoints())


def schemathesis_run(live: AppServer, token: str, folder: Path, *options: str) -> None:
    """One `schemathesis run` with every check; fails with its report of failures."""
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "run",
        f"{live.base_url}{PREFIX}/openapi.json", "--checks", "all",
        # Replaced by the hooks' `positive_data_accepted` (see schemathesis.toml).
        "--exclude-checks", "positive_data_acceptance",
        "--max-examples", str(EXAMPLES), "--generation-deterministic",
        "--report", "junit", "--report-dir", str(folder), *options,
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CPS_ST_TOKEN": token,
           "CPS_ST_BASE_URL": live.base_url}
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=SECONDS + STATEFUL_SECONDS + 840, check=False)
    report = run.stdout + run.stderr
    (folder / "schemathesis.txt").write_text(report)
    failures = report[report.find("FAILURES"):report.find("WARNINGS")]
    assert run.returncode == 0, (failures or report)[:30_000] + report[-3_000:]


@pytest.mark.timeout(SECONDS + STATEFUL_SECONDS + 900)
def test_schemathesis_finds_nothing_the_document_does_not_promise(
    live: AppServer, token: str, tmp_path: Path
) -> None:
    # Each operation on its own: the examples, every bound and method (coverage), fuzzing.
    (tmp_path / "operations").mkdir()
    schemathesis_run(live, token, tmp_path / "operations",
                     "--phases", "examples,coverage,fuzzing",
                     *(["--max-time", str(SECONDS)] if SECONDS else []))
    # Then scenarios that follow the links for a while (they stop at their time).
    (tmp_path / "stateful").mkdir()
    schemathesis_run(live, token, tmp_path / "stateful",
                     "--phases", "stateful", "--max-time", str(STATEFUL_SECONDS))
