"""scripts/audit.sh: a known vulnerability in an installed dependency fails the
build; a vulnerability service that cannot be reached is said, not hidden.

The script runs against a stand-in OSV service on localhost, so what it does
with each answer is checked without the network; CI runs it for real against
PyPI's vulnerability data (scripts/test.sh)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "audit.sh"
VULNERABLE = "anyio"  # installed here; the stand-in says this version is vulnerable


def _osv_answer(package: str, version: str) -> dict[str, object]:
    if package != VULNERABLE:
        return {}
    return {"vulns": [{
        "id": "GHSA-test-0000-0000", "aliases": ["CVE-2099-0001"],
        "summary": "A vulnerability the stand-in made up",
        "affected": [{"package": {"name": package, "ecosystem": "PyPI"},
                      "ranges": [{"type": "ECOSYSTEM",
                                  "events": [{"introduced": "0"}, {"fixed": "999.0"}]}]}],
    }]}


class _Osv(BaseHTTPRequestHandler):
    vulnerable = True

    def do_POST(self) -> None:
        query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        answer = _osv_answer(query["package"]["name"], query["version"]) \
            if self.vulnerable else {}
        body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def osv() -> Iterator[tuple[str, type[_Osv]]]:
    handler = type("Osv", (_Osv,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1/query", handler
    server.shutdown()


def _audit(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, timeout=300,
                          cwd=ROOT, env={**os.environ, "PY": sys.executable, **env})


def test_a_known_vulnerability_fails_the_audit(osv: tuple[str, type[_Osv]]) -> None:
    url, _ = osv
    run = _audit(CPS_AUDIT_SERVICE="osv", CPS_AUDIT_OSV_URL=url)
    assert run.returncode == 1, run.stderr
    assert "GHSA-test-0000-0000" in run.stderr and VULNERABLE in run.stderr
    assert "FAIL" in run.stderr


def test_an_accepted_vulnerability_can_be_ignored_by_id(osv: tuple[str, type[_Osv]]) -> None:
    url, _ = osv
    run = _audit(CPS_AUDIT_SERVICE="osv", CPS_AUDIT_OSV_URL=url,
                 CPS_AUDIT_IGNORE="GHSA-test-0000-0000")
    assert run.returncode == 0, run.stderr


def test_no_known_vulnerability_passes(osv: tuple[str, type[_Osv]]) -> None:
    url, handler = osv
    handler.vulnerable = False
    run = _audit(CPS_AUDIT_SERVICE="osv", CPS_AUDIT_OSV_URL=url)
    assert run.returncode == 0, run.stderr
    assert "OK" in run.stderr and "packages checked" in run.stderr


def test_an_unreachable_service_is_said_and_only_fails_when_strict() -> None:
    closed = "http://127.0.0.1:9/v1/query"  # the discard port: nothing listens
    run = _audit(CPS_AUDIT_SERVICE="osv", CPS_AUDIT_OSV_URL=closed)
    assert run.returncode == 0, run.stderr
    assert "could not be reached" in run.stderr
    strict = _audit(CPS_AUDIT_SERVICE="osv", CPS_AUDIT_OSV_URL=closed, CPS_AUDIT_STRICT="1")
    assert strict.returncode == 2
