"""Passwords as production stores them: argon2id at OWASP strength or more, old
hashes upgraded at the next sign-in, no oracle for which emails exist, and
hashing that never stalls the server. Against a `cps serve` started the way
production starts it (CPS_PASSWORD_PROFILE unset)."""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher, Type, extract_parameters
from argon2.low_level import Type as LowType
from argon2.profiles import get_default_parameters

from cps.config import PRODUCTION_PASSWORDS, ConfigError, load_settings
from cps.services.accounts.passwords import Passwords
from tests.support.api import PREFIX
from tests.support.databases import sqlite_copy
from tests.support.servers import AppServer

pytestmark = pytest.mark.anyio

PASSWORD = "correct horse battery"
OWASP_MEMORY_KIB = 19 * 1024
OWASP_TIME = 2
CONCURRENT_LOGINS = 20
HEALTHZ_UNDER = 0.100


def _strong_enough(stored: str) -> None:
    assert stored.startswith("$argon2id$"), stored
    params = extract_parameters(stored)
    assert params.type is LowType.ID
    assert params.memory_cost >= OWASP_MEMORY_KIB, params
    assert params.time_cost >= OWASP_TIME, params


async def test_the_default_settings_hash_with_argon2id_at_owasp_strength() -> None:
    settings = load_settings({"CPS_DATABASE_URL": "sqlite:///unused.db",
                              "CPS_SECRET_KEY": "0123456789abcdef0123"})
    assert settings.passwords == PRODUCTION_PASSWORDS
    assert settings.passwords.memory_cost_kib >= OWASP_MEMORY_KIB
    assert settings.passwords.time_cost >= OWASP_TIME
    _strong_enough(await Passwords(settings.passwords, 1).hash(PASSWORD))
    # Stronger than what argon2-cffi itself recommends today, never weaker.
    default = get_default_parameters()
    assert settings.passwords.memory_cost_kib >= min(default.memory_cost, 64 * 1024)
    with pytest.raises(ConfigError, match="CPS_PASSWORD_PROFILE"):
        load_settings({"CPS_DATABASE_URL": "sqlite:///unused.db",
                       "CPS_SECRET_KEY": "0123456789abcdef0123",
                       "CPS_PASSWORD_PROFILE": "fast"})


@pytest.fixture(scope="module")
async def production(sqlite_template: Path,
                     tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AppServer]:
    folder = tmp_path_factory.mktemp("production")
    server = AppServer(folder / "serve", database_url=sqlite_copy(sqlite_template, folder),
                   production_passwords=True)
    await server.start()
    yield server
    server.stop()


def _db_file(server: AppServer) -> str:
    return server.env["CPS_DATABASE_URL"].split(":///", 1)[1]


def _stored_hash(server: AppServer, email: str) -> str:
    with sqlite3.connect(_db_file(server)) as db:
        row = db.execute("SELECT password_hash FROM users WHERE email = ?", (email,)).fetchone()
    return str(row[0])


@pytest.fixture(scope="module")
async def http(production: AppServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=production.base_url, timeout=120) as client:
        yield client


@pytest.fixture(scope="module")
async def account(http: httpx.AsyncClient, production: AppServer) -> str:
    email = "citizen@example.org"
    r = await http.post(f"{PREFIX}/auth/register", json={
        "email": email, "password": PASSWORD, "display_name": "Citizen"})
    assert r.status_code == 201, r.text
    return email


def _from(address: str) -> dict[str, str]:
    """Each caller its own address (the test servers trust X-Forwarded-For from 127.0.0.1), so
    the per-address sign-in throttle stays out of the way."""
    return {"X-Forwarded-For": address}


async def test_a_production_server_stores_argon2id_at_owasp_strength(
    production: AppServer, account: str
) -> None:
    _strong_enough(_stored_hash(production, account))


async def test_a_weaker_hash_is_upgraded_by_the_sign_in_itself(
    http: httpx.AsyncClient, production: AppServer
) -> None:
    email = "old-timer@example.org"
    r = await http.post(f"{PREFIX}/auth/register", json={
        "email": email, "password": PASSWORD, "display_name": "Old timer"})
    assert r.status_code == 201
    weak = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID)
    with sqlite3.connect(_db_file(production)) as db:
        db.execute("UPDATE users SET password_hash = ? WHERE email = ?",
                   (weak.hash(PASSWORD), email))
    r = await http.post(f"{PREFIX}/auth/login", json={"email": email, "password": PASSWORD},
                        headers=_from("10.9.0.1"))
    assert r.status_code == 200, r.text
    upgraded = _stored_hash(production, email)  # no other request in between
    _strong_enough(upgraded)
    assert extract_parameters(upgraded).memory_cost == PRODUCTION_PASSWORDS.memory_cost_kib
    http.cookies.clear()
    again = await http.post(f"{PREFIX}/auth/login", json={"email": email, "password": PASSWORD},
                            headers=_from("10.9.0.2"))
    assert again.status_code == 200
    http.cookies.clear()


async def test_unknown_email_and_wrong_password_are_indistinguishable(
    http: httpx.AsyncClient, account: str
) -> None:
    answers: dict[str, list[httpx.Response]] = {"wrong password": [], "unknown email": []}
    took: dict[str, list[float]] = {"wrong password": [], "unknown email": []}
    for n in range(3):
        for case, email in (("wrong password", account),
                            ("unknown email", f"nobody{n}@example.org")):
            started = time.monotonic()
            r = await http.post(f"{PREFIX}/auth/login",
                                json={"email": email, "password": "not the password"},
                                headers=_from(f"10.8.{n}.{len(case)}"))
            took[case].append(time.monotonic() - started)
            answers[case].append(r)
    wrong, unknown = answers["wrong password"][0], answers["unknown email"][0]
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.headers.get("set-cookie") is None and unknown.headers.get("set-cookie") is None
    # Both verify an argon2id hash of the same cost: no timing oracle either.
    slow, fast = (statistics.median(took["wrong password"]),
                  statistics.median(took["unknown email"]))
    assert 0.5 < slow / fast < 2.0, took


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def test_20_concurrent_sign_ins_leave_the_server_responsive(
    http: httpx.AsyncClient, production: AppServer, account: str
) -> None:
    """Hashing runs in threads behind a CapacityLimiter: /healthz keeps answering
    under 100 ms (nine probes in ten: a hash on the event loop would hold every
    probe for a whole hash, ~0.4 s here; a lone slow probe is this test's own
    process pausing, e.g. for its garbage collector), and memory stays at a
    couple of argon2 blocks, not twenty."""
    rss_before = _rss_mib(production.pid)
    peak = rss_before
    latencies: list[float] = []
    done = asyncio.Event()

    limits = httpx.Limits(max_connections=CONCURRENT_LOGINS + 1)
    # Clients made up front: making one loads the CA bundle, which would stall
    # this process's loop and count against the server.
    async with (
        httpx.AsyncClient(base_url=production.base_url, timeout=5) as probe,
        httpx.AsyncClient(base_url=production.base_url, timeout=120, limits=limits) as client,
    ):
        async def watch() -> None:
            nonlocal peak
            while not done.is_set():
                started = time.monotonic()
                r = await probe.get("/healthz")
                latencies.append(time.monotonic() - started)
                assert r.status_code == 200
                peak = max(peak, _rss_mib(production.pid))
                await asyncio.sleep(0.02)

        async def sign_in(n: int) -> int:
            r = await client.post(f"{PREFIX}/auth/login",
                                  json={"email": account, "password": PASSWORD},
                                  headers=_from(f"10.7.0.{n + 1}"))
            return r.status_code

        await probe.get("/healthz")
        watcher = asyncio.create_task(watch())
        await asyncio.sleep(0.1)
        started = time.monotonic()
        statuses = await asyncio.gather(*(sign_in(n) for n in range(CONCURRENT_LOGINS)))
        elapsed = time.monotonic() - started
        done.set()
        await watcher
    ordered = sorted(latencies)
    worst = ordered[-1]
    p90 = ordered[int(len(ordered) * 0.9)]
    print(f"{CONCURRENT_LOGINS} sign-ins in {elapsed:.1f} s; /healthz p50 "
          f"{ordered[len(ordered) // 2] * 1000:.0f} ms, p90 {p90 * 1000:.0f} ms, worst "
          f"{worst * 1000:.0f} ms over {len(latencies)} probes; RSS {rss_before:.0f} -> "
          f"peak {peak:.0f} MiB")
    assert statuses == [200] * CONCURRENT_LOGINS
    assert len(latencies) >= 20
    assert p90 < HEALTHZ_UNDER, f"/healthz p90 {p90 * 1000:.0f} ms"
    per_hash = PRODUCTION_PASSWORDS.memory_cost_kib / 1024
    assert peak - rss_before < per_hash * 5, "hashing is capped, not one per request"
