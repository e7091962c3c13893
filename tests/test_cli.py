"""The `cps` command (and the benchmark scripts), run as a user runs them: separate processes."""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from cps.app import create_app
from cps.services.reports import exports
from cps.storage.migrations import head_revision
from tests.support import asgi
from tests.support.settings import make_settings

ROOT = Path(__file__).resolve().parents[1]


def environment(tmp_path: Path, **variables: str) -> dict[str, str]:
    """The process environment without any CPS_* variable of ours, plus `variables`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPS_")}
    env["PYTHONPATH"] = str(ROOT)
    env.setdefault("CPS_PASSWORD_PROFILE", "test")
    env["CPS_DATABASE_URL"] = f"sqlite:///{tmp_path / 'cps.db'}"
    env.update(variables)
    return env


def cps(tmp_path: Path, *args: str, timeout: float = 60,
        **variables: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cps", *args], cwd=tmp_path, env=environment(tmp_path, **variables),
        capture_output=True, text=True, timeout=timeout, check=False,
    )


def revision(db: Path) -> str | None:
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_db_upgrade_migrates_a_new_sqlite_file_to_the_latest_revision(tmp_path: Path) -> None:
    result = cps(tmp_path, "db", "upgrade")

    assert result.returncode == 0, result.stderr
    assert "latest revision" in result.stdout
    assert revision(tmp_path / "cps.db") == head_revision()
    assert cps(tmp_path, "db", "upgrade").returncode == 0  # twice is harmless


def test_without_a_database_url_the_sqlite_file_is_made_in_the_working_directory(tmp_path: Path) -> None:
    env = environment(tmp_path)
    del env["CPS_DATABASE_URL"]
    result = subprocess.run([sys.executable, "-m", "cps", "db", "upgrade"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60, check=False)

    assert result.returncode == 0, result.stderr
    assert revision(tmp_path / "cps.db") == head_revision()
    assert (tmp_path / ".cps-secret").exists()


@pytest.mark.anyio
async def test_create_admin_creates_then_promotes_a_platform_admin_who_can_sign_in(tmp_path: Path) -> None:
    created = cps(tmp_path, "create-admin", "--email", "Chief@Example.org",
                  "--password", "a long passphrase")
    assert created.returncode == 0, created.stderr
    assert "created platform admin chief@example.org" in created.stdout

    again = cps(tmp_path, "create-admin", "--email", "chief@example.org",
                "--password", "another passphrase")
    assert again.returncode == 0, again.stderr
    assert "promoted platform admin chief@example.org" in again.stdout

    app = create_app(make_settings(f"sqlite:///{tmp_path / 'cps.db'}"))
    async with asgi.running(app) as state, asgi.client(app, state) as http:
        old = await http.post("/api/v1/auth/login", json={
            "email": "chief@example.org", "password": "a long passphrase"})
        new = await http.post("/api/v1/auth/login", json={
            "email": "chief@example.org", "password": "another passphrase"})
    assert old.status_code == 401
    assert new.status_code == 200, new.text
    assert new.json()["user"]["is_platform_admin"] is True


def test_create_admin_refuses_a_short_password(tmp_path: Path) -> None:
    result = cps(tmp_path, "create-admin", "--email", "a@example.org", "--password", "short")

    assert result.returncode == 2
    assert "at least 8 characters" in result.stderr
    assert not (tmp_path / "cps.db").exists()


@pytest.mark.parametrize(("variable", "value"), [
    ("CPS_DATABASE_URL", "mysql://x"),
    ("CPS_RATE_LIMITS", "maybe"),
    ("CPS_ALLOWED_ORIGINS", "notanorigin"),
    ("CPS_REDIS_URL", "http://localhost:6379"),
    ("CPS_SECRET_KEY", "short"),
    ("CPS_PASSWORD_PROFILE", "fast"),
    ("CPS_EVENT_RETENTION_DAYS", "-1"),
    ("CPS_PRESENCE_HEARTBEAT_SECONDS", "0.1"),
])
def test_invalid_configuration_stops_with_one_line_naming_the_variable(
    tmp_path: Path, variable: str, value: str
) -> None:
    result = cps(tmp_path, "serve", "--port", str(free_port()), timeout=20, **{variable: value})

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert variable in lines[0]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "cps.db").exists()


def test_serve_with_workers_needs_redis_and_a_server_database(tmp_path: Path) -> None:
    result = cps(tmp_path, "serve", "--workers", "2", "--port", str(free_port()))

    assert result.returncode == 2
    assert "CPS_REDIS_URL" in result.stderr
    assert "CPS_DATABASE_URL=postgresql://" in result.stderr
    assert not (tmp_path / "cps.db").exists()


def test_serve_migrates_answers_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "cps", "serve", "--port", str(port), "--grace", "2"],
        cwd=tmp_path, env=environment(tmp_path),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.communicate()[1]
            try:
                health = httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "cps serve did not answer within 30 s"
                time.sleep(0.1)
        assert health.status_code == 200
        openapi = httpx.get(f"{base}/api/v1/openapi.json", timeout=5)
        assert openapi.status_code == 200
        assert "/api/v1/topics/{topic_id}/posts" in openapi.json()["paths"]
        assert httpx.get(f"{base}/readyz", timeout=5).status_code == 200
        assert revision(tmp_path / "cps.db") == head_revision()

        process.send_signal(signal.SIGTERM)
        _, logs = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    # uvicorn drains, runs the lifespan shutdown, then re-raises the signal.
    assert process.returncode in (0, -signal.SIGTERM), logs
    assert '"cps stopped"' in logs


@pytest.mark.early
def test_demo_fills_the_database_once_with_the_production_password_cost(tmp_path: Path) -> None:
    # How long a demo takes is measured in the README's benchmark table, not here:
    # beside the other tests it took 15 to 46 s.
    first = cps(tmp_path, "demo", "--cities", "1", timeout=600,
                CPS_PASSWORD_PROFILE="production")

    assert first.returncode == 0, first.stderr
    assert "[1/1] Seoul, Korea:" in first.stdout
    assert "demo-admin@cps.example" in first.stdout
    with sqlite3.connect(tmp_path / "cps.db") as conn:
        hashes = {row[0].rsplit("$", 2)[0] for row in conn.execute("SELECT password_hash FROM users")}
    assert hashes == {"$argon2id$v=19$m=65536,t=3,p=4"}, hashes  # every account, at that cost
    second = cps(tmp_path, "demo")
    assert second.returncode == 1
    assert "--force" in second.stderr


def test_the_thread_read_benchmark_smoke_runs(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.thread_read", "--smoke"], cwd=ROOT,
        env=environment(tmp_path), capture_output=True, text=True, timeout=120, check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "machine: " in result.stdout and "SQLite" in result.stdout
    for position in ("start", "middle", "end"):
        assert re.search(rf"^{position}\s+20\s", result.stdout, re.M), result.stdout
    assert re.search(r"statements per page \d+ at every position", result.stdout), result.stdout


@pytest.mark.anyio
async def test_export_writes_a_space_to_a_file_with_progress_on_stderr(tmp_path: Path) -> None:
    import csv
    import json

    from cps.services.context import Actor
    from cps.services.discussion import posts
    from cps.storage.models import Topic
    from tests.support.api import Api

    assert cps(tmp_path, "db", "upgrade").returncode == 0
    app = create_app(make_settings(f"sqlite:///{tmp_path / 'cps.db'}"))
    async with asgi.running(app) as state, asgi.client(app, state) as http:
        api = Api(http)
        admin = await api.user("Mayor")
        org = await api.org(admin)  # free: operators export whatever the tier
        space = await api.space(admin, org["id"], name="Budget, 2025")
        topic = await api.topic(admin, space["id"], "=Cuts", "Where to save?")
        async with state["ctx"].db.write() as tx:
            row = await tx.session.get(Topic, topic["id"])
            actor = Actor(admin.id, "Mayor", "citizen", False)
            for i in range(1199):
                await posts.insert_post(tx, row, actor, body=f"Idea {i}, \"quoted\"\nok",
                                        parent=None, client_id=None)
        r = await api.call("GET", f"/spaces/{space['id']}/export", admin)
        assert r.status_code == 402  # over HTTP the tier still applies

    out = tmp_path / "budget.csv"
    result = cps(tmp_path, "export", "--space", str(space["id"]), "--format", "csv",
                 "--output", str(out))
    assert result.returncode == 0, result.stderr
    # A line per page of the export (exports.PAGE posts), the last with the total.
    assert result.stderr.splitlines() == [
        f"cps export: {min(n, 1200)} / 1200 posts"
        for n in range(exports.PAGE, 1200 + exports.PAGE, exports.PAGE)]
    assert f"1200 posts to {out}" in result.stdout
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 1200
    assert rows[0]["topic_title"] == "'=Cuts"
    assert rows[1]["body"] == 'Idea 0, "quoted"\nok'

    as_json = tmp_path / "budget.json"
    result = cps(tmp_path, "export", "--space", str(space["id"]), "--output", str(as_json))
    assert result.returncode == 0, result.stderr
    doc = json.loads(as_json.read_text(encoding="utf-8"))
    assert doc["space"]["name"] == "Budget, 2025"
    assert len(doc["topics"][0]["posts"]) == 1200

    missing = cps(tmp_path, "export", "--space", "999", "--output", str(tmp_path / "x.csv"))
    assert missing.returncode == 1
    assert "there is no space 999" in missing.stderr
    assert not (tmp_path / "x.csv").exists()
    assert sorted(p.name for p in tmp_path.iterdir() if "partial" in p.name) == []


def _serve_log(tmp_path: Path) -> str:
    """What `cps serve` logs from its start until it answers, then stops."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "cps", "serve", "--port", str(port), "--grace", "1"],
        cwd=tmp_path, env=environment(tmp_path),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 90  # a loaded machine starts slowly
        while True:
            assert process.poll() is None, process.communicate()[1]
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "cps serve did not answer within 90 s"
                time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return out + err


def test_serve_on_an_empty_database_says_how_to_begin(tmp_path: Path) -> None:
    first = _serve_log(tmp_path)
    assert "This instance is empty. To begin, create the platform admin with " \
           "`cps create-admin --email E --password P`" in first, first
    assert "open the first organization from the home page" in first
    assert "or fill sample data with `cps demo`." in first

    made = cps(tmp_path, "create-admin", "--email", "root@example.org",
               "--password", "correct horse battery")
    assert made.returncode == 0, made.stderr
    second = _serve_log(tmp_path)
    assert "This instance has no organization yet. Sign in at http://127.0.0.1:" in second
    assert "as the platform admin and open the first organization" in second
    assert "cps create-admin" not in second
