"""Accounts: register, login, logout, /me, password hashing and login throttling."""

from __future__ import annotations

from typing import Literal

import httpx
import pytest
from argon2 import PasswordHasher, Type, extract_parameters
from sqlalchemy import select, update

from cps.config import PRODUCTION_PASSWORDS, TEST_PASSWORDS, load_settings
from cps.services.context import Context
from cps.storage.models import AuthToken, User
from cps.storage.throttle import LocalThrottle
from tests.api.conftest import ClientFactory
from tests.api.helpers import assert_error

pytestmark = pytest.mark.anyio

PASSWORD = "correct horse battery"


def creds(email: str, password: str = PASSWORD, **extra: str) -> dict[str, str]:
    return {"email": email, "password": password, "display_name": "Ana", **extra}


async def register(http: httpx.AsyncClient, email: str, **extra: str) -> httpx.Response:
    return await http.post("/api/v1/auth/register", json=creds(email, **extra))


async def login(http: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return await http.post("/api/v1/auth/login", json={"email": email, "password": password})


async def test_register_answers_201_with_the_user_and_no_secret(http: httpx.AsyncClient) -> None:
    r = await register(http, "Ana@Example.org")
    assert r.status_code == 201, r.text
    user = r.json()["user"]
    assert user["email"] == "ana@example.org"
    assert user["display_name"] == "Ana"
    assert user["stakeholder_type"] == "citizen"
    assert isinstance(user["id"], int)
    assert "password" not in r.text and "argon2" not in r.text


@pytest.mark.parametrize(
    "kind", ["citizen", "business", "civil_society", "academia", "government"]
)
async def test_register_accepts_every_stakeholder_type(http: httpx.AsyncClient, kind: str) -> None:
    r = await register(http, f"{kind}@example.org", stakeholder_type=kind)
    assert r.status_code == 201, r.text
    assert r.json()["user"]["stakeholder_type"] == kind


async def test_register_refuses_an_unknown_stakeholder_type(http: httpx.AsyncClient) -> None:
    error = assert_error(await register(http, "x@example.org", stakeholder_type="alien"), 422)
    assert "stakeholder_type" in error["fields"]


async def test_register_with_a_taken_email_is_409_whatever_its_case(http: httpx.AsyncClient) -> None:
    assert (await register(http, "taken@example.org")).status_code == 201
    assert_error(await register(http, "TAKEN@example.org "), 409, "email_taken")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"password": PASSWORD, "display_name": "Ana"}, "email"),
        ({"email": "not-an-email", "password": PASSWORD, "display_name": "Ana"}, "email"),
        ({"email": "a@example.org", "password": "short", "display_name": "Ana"}, "password"),
        ({"email": "a@example.org", "password": PASSWORD, "display_name": "   "}, "display_name"),
        ({"email": "a@example.org", "password": 12345678, "display_name": "Ana"}, "password"),
        ({"email": "a@example.org", "password": PASSWORD, "display_name": "x" * 81},
         "display_name"),
        ({"email": "a@" + "b" * 250 + ".org", "password": PASSWORD, "display_name": "A"},
         "email"),
    ],
)
async def test_register_bad_fields_are_422_naming_the_field(http: httpx.AsyncClient, payload: dict[str, object], field: str) -> None:
    error = assert_error(await http.post("/api/v1/auth/register", json=payload), 422)
    assert field in error["fields"]


async def test_an_email_longer_than_the_column_once_lowercased_is_422(http: httpx.AsyncClient) -> None:
    # "İ" lowercases to two characters: 254 before, 255 after.
    email = "İ" + "a" * 241 + "@example.org"
    assert len(email) == 254
    error = assert_error(await register(http, email), 422)
    assert "email" in error["fields"]


async def test_login_answers_the_user_a_token_and_session_cookies(http: httpx.AsyncClient) -> None:
    await register(http, "ana@example.org")
    r = await login(http, "ana@example.org")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["user"]["email"] == "ana@example.org"
    assert isinstance(body["token"], str) and len(body["token"]) >= 32
    cookies = r.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("cps_session="))
    assert "HttpOnly" in session
    assert "SameSite=lax" in session or "SameSite=Lax" in session
    assert "Secure" not in session  # plain http here
    assert session.split(";")[0] == f"cps_session={body['token']}"
    csrf = next(c for c in cookies if c.startswith("cps_csrf="))
    assert csrf.split(";")[0] == f"cps_csrf={body['csrf_token']}"
    assert "HttpOnly" not in csrf  # the page's script reads it


async def test_session_cookie_is_secure_over_https(client_for: ClientFactory) -> None:
    async with client_for(base_url="https://testserver") as https:
        await register(https, "ana@example.org")
        r = await login(https, "ana@example.org")
    assert r.status_code == 200, r.text
    for cookie in r.headers.get_list("set-cookie"):
        assert "Secure" in cookie, cookie
        assert "SameSite=lax" in cookie.replace("Lax", "lax")


async def test_the_token_is_stored_only_as_a_hash(http: httpx.AsyncClient, ctx: Context) -> None:
    await register(http, "ana@example.org")
    token = (await login(http, "ana@example.org")).json()["token"]
    async with ctx.db.read() as session:
        stored = (await session.scalars(select(AuthToken.token_hash))).all()
    assert len(stored) == 1
    assert stored[0] != token and token not in stored[0]


async def test_me_answers_the_signed_in_user_with_bearer_or_cookie(http: httpx.AsyncClient) -> None:
    await register(http, "ana@example.org")
    body = (await login(http, "ana@example.org")).json()
    # The client kept the cookie: /me works with it alone.
    r = await http.get("/api/v1/me")
    assert r.status_code == 200 and r.json()["user"]["email"] == "ana@example.org"
    http.cookies.clear()
    r = await http.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert r.status_code == 200 and r.json()["user"]["id"] == body["user"]["id"]


async def test_me_anonymous_is_401_and_a_bad_token_is_401(http: httpx.AsyncClient) -> None:
    assert_error(await http.get("/api/v1/me"), 401)
    assert_error(
        await http.get("/api/v1/me", headers={"Authorization": "Bearer nope"}), 401, "invalid_token"
    )


async def test_logout_revokes_the_token(http: httpx.AsyncClient) -> None:
    await register(http, "ana@example.org")
    token = (await login(http, "ana@example.org")).json()["token"]
    http.cookies.clear()
    auth = {"Authorization": f"Bearer {token}"}
    r = await http.post("/api/v1/auth/logout", headers=auth)
    assert r.status_code == 204, r.text
    assert_error(await http.get("/api/v1/me", headers=auth), 401)
    assert_error(await http.post("/api/v1/auth/logout", headers=auth), 401)


async def test_logout_with_the_cookie_clears_it_and_revokes_it(http: httpx.AsyncClient) -> None:
    await register(http, "ana@example.org")
    body = (await login(http, "ana@example.org")).json()
    old_cookie = http.cookies["cps_session"]
    r = await http.post("/api/v1/auth/logout", headers={"X-CSRF-Token": body["csrf_token"]})
    assert r.status_code == 204, r.text
    cleared = [c for c in r.headers.get_list("set-cookie") if c.startswith("cps_session=")]
    assert cleared and ('Max-Age=0' in cleared[0] or "expires=Thu, 01 Jan 1970" in cleared[0])
    assert "cps_session" not in http.cookies
    # The old cookie value no longer signs anyone in.
    http.cookies.set("cps_session", old_cookie)
    assert_error(await http.get("/api/v1/me"), 401)
    http.cookies.clear()
    assert_error(
        await http.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"}), 401
    )


async def test_logout_anonymous_is_401(http: httpx.AsyncClient) -> None:
    assert_error(await http.post("/api/v1/auth/logout"), 401)


async def test_logout_revokes_only_that_session(http: httpx.AsyncClient) -> None:
    await register(http, "ana@example.org")
    first = (await login(http, "ana@example.org")).json()["token"]
    second = (await login(http, "ana@example.org")).json()["token"]
    http.cookies.clear()
    await http.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {first}"})
    r = await http.get("/api/v1/me", headers={"Authorization": f"Bearer {second}"})
    assert r.status_code == 200


async def test_unknown_email_and_wrong_password_answer_the_same(http: httpx.AsyncClient) -> None:
    await register(http, "ana@example.org")
    wrong = await login(http, "ana@example.org", "not the password")
    unknown = await login(http, "nobody@example.org", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "invalid_credentials"
    assert "set-cookie" not in wrong.headers and "set-cookie" not in unknown.headers


@pytest.mark.parametrize(
    "payload", [{}, {"email": "a@example.org"}, {"email": 5, "password": "x"}, {"password": []}]
)
async def test_login_bad_fields_are_422(http: httpx.AsyncClient, payload: dict[str, object]) -> None:
    assert_error(await http.post("/api/v1/auth/login", json=payload), 422)


async def test_failures_lock_only_the_attacking_address_never_the_owner(http: httpx.AsyncClient, client_for: ClientFactory, ctx: Context) -> None:
    """Failures count per (account, address): five wrong passwords from anywhere
    used to lock the real owner out; now they lock only the addresses that failed."""
    await register(http, "ana@example.org")
    limit = ctx.settings.login_attempts_per_window
    async with client_for(client=("10.1.0.1", 1000)) as attacker:
        for _ in range(limit):
            assert (await login(attacker, "ana@example.org", "wrong password")).status_code == 401
        r = await login(attacker, "ana@example.org")  # even the right password now waits
        error = assert_error(r, 429, "rate_limited")
        assert int(r.headers["Retry-After"]) >= 1
        assert error["retry_after"] == int(r.headers["Retry-After"])
        # The attacking address may still sign in to another account.
        await register(http, "bo@example.org")
        assert (await login(attacker, "bo@example.org")).status_code == 200
    # The owner, from an address with no failures, is not refused.
    async with client_for(client=("10.1.1.1", 1000)) as owner:
        assert (await login(owner, "ana@example.org")).status_code == 200


async def test_failures_spread_over_many_addresses_do_not_lock_the_owner(http: httpx.AsyncClient, client_for: ClientFactory, ctx: Context) -> None:
    await register(http, "ana@example.org")
    for i in range(3 * ctx.settings.login_attempts_per_window):
        async with client_for(client=(f"10.9.0.{i + 1}", 1000)) as c:
            assert (await login(c, "ana@example.org", "wrong password")).status_code == 401
    async with client_for(client=("10.9.1.1", 1000)) as owner:
        assert (await login(owner, "ana@example.org")).status_code == 200


async def test_the_lock_grows_with_repeated_failures(http: httpx.AsyncClient, client_for: ClientFactory, ctx: Context) -> None:
    """Past the first stage (5 in 5 minutes) the next failures lock for an hour."""
    now = [1000.0]
    ctx.throttle = LocalThrottle(clock=lambda: now[0])
    await register(http, "ana@example.org")
    limit = ctx.settings.login_attempts_per_window
    window = ctx.settings.login_window_seconds
    async with client_for(client=("10.8.0.1", 1000)) as attacker:
        for _ in range(limit):
            await login(attacker, "ana@example.org", "wrong password")
        r = await login(attacker, "ana@example.org")
        assert_error(r, 429, "rate_limited")
        assert int(r.headers["Retry-After"]) <= window
        now[0] += window + 1  # the first lock ends
        for _ in range(limit):
            assert (await login(attacker, "ana@example.org", "wrong")).status_code == 401
        r = await login(attacker, "ana@example.org")
        assert_error(r, 429, "rate_limited")
        assert int(r.headers["Retry-After"]) > window  # now the hour stage
    async with client_for(client=("10.8.0.2", 1000)) as owner:
        assert (await login(owner, "ana@example.org")).status_code == 200


async def test_login_is_throttled_per_client_address(http: httpx.AsyncClient, client_for: ClientFactory, ctx: Context) -> None:
    limit = ctx.settings.login_attempts_per_address
    await register(http, "ana@example.org")
    async with client_for(client=("10.2.0.1", 1000)) as c:
        for i in range(limit):
            assert (await login(c, f"guess{i}@example.org", "wrong password")).status_code == 401
        r = await login(c, "ana@example.org")
        assert_error(r, 429, "rate_limited")
        assert int(r.headers["Retry-After"]) >= 1
    async with client_for(client=("10.2.0.2", 1000)) as other:
        assert (await login(other, "ana@example.org")).status_code == 200


async def test_a_successful_login_resets_the_account_counter(http: httpx.AsyncClient, client_for: ClientFactory, ctx: Context) -> None:
    limit = ctx.settings.login_attempts_per_window
    await register(http, "ana@example.org")
    async with client_for(client=("10.3.0.1", 1)) as c:
        for _ in range(2):
            for _ in range(limit - 1):
                assert (await login(c, "ana@example.org", "wrong password")).status_code == 401
            assert (await login(c, "ana@example.org")).status_code == 200


async def test_stored_password_hashes_are_argon2id(http: httpx.AsyncClient, ctx: Context) -> None:
    await register(http, "ana@example.org")
    async with ctx.db.read() as session:
        stored = await session.scalar(select(User.password_hash))
    assert stored is not None and stored.startswith("$argon2id$")
    assert PASSWORD not in stored


async def test_a_hash_with_weaker_parameters_is_upgraded_on_login(http: httpx.AsyncClient, ctx: Context) -> None:
    await register(http, "ana@example.org")
    weak = PasswordHasher(time_cost=1, memory_cost=256, parallelism=1, type=Type.ID).hash(PASSWORD)
    async with ctx.db.write() as tx:
        await tx.session.execute(update(User).values(password_hash=weak))
    assert ctx.passwords.needs_rehash(weak)
    r = await login(http, "ana@example.org")
    assert r.status_code == 200, r.text
    async with ctx.db.read() as session:
        stored = await session.scalar(select(User.password_hash))
    assert stored is not None and stored != weak and stored.startswith("$argon2id$")
    params = extract_parameters(stored)
    assert params.memory_cost == TEST_PASSWORDS.memory_cost_kib
    assert params.time_cost == TEST_PASSWORDS.time_cost
    assert not ctx.passwords.needs_rehash(stored)
    # Still the same password.
    assert (await login(http, "ana@example.org")).status_code == 200


def test_the_production_password_profile_meets_owasp() -> None:
    assert PRODUCTION_PASSWORDS.memory_cost_kib >= 19 * 1024
    assert PRODUCTION_PASSWORDS.time_cost >= 2
    assert PRODUCTION_PASSWORDS.parallelism >= 1
    # And it is what a server gets unless the test profile is asked for.
    settings = load_settings({"CPS_DATABASE_URL": "sqlite:///x.db",
                              "CPS_SECRET_KEY": "0123456789abcdef0123"})
    assert settings.passwords == PRODUCTION_PASSWORDS


async def test_an_unknown_email_costs_one_full_verification_too(http: httpx.AsyncClient, ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    """Same cost whether or not the email exists: an unknown one is verified against
    a dummy hash of the same parameters (counted, not timed, to stay reliable)."""
    await register(http, "ana@example.org")
    verified: list[str] = []

    class Counting(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
            verified.append(str(hash))
            return super().verify(hash, password)

    p = TEST_PASSWORDS
    monkeypatch.setattr(ctx.passwords, "_hasher", Counting(
        time_cost=p.time_cost, memory_cost=p.memory_cost_kib, parallelism=p.parallelism,
        type=Type.ID))
    assert (await login(http, "nobody@example.org", "wrong password")).status_code == 401
    assert (await login(http, "ana@example.org", "wrong password")).status_code == 401
    assert len(verified) == 2
    unknown, known = (extract_parameters(h) for h in verified)
    assert unknown == known
