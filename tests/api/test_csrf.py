"""The CSRF defence for cookie-authenticated unsafe requests."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.helpers import assert_error

pytestmark = pytest.mark.anyio

ORG = {"name": "City of Lyon", "kind": "local_government", "country": "France"}


async def signed_in_with_cookie(http: httpx.AsyncClient) -> dict[str, Any]:
    """Register and sign in; the client keeps the session and CSRF cookies."""
    await http.post("/api/v1/auth/register", json={
        "email": "ana@example.org", "password": "correct horse battery", "display_name": "Ana"})
    r = await http.post("/api/v1/auth/login",
                        json={"email": "ana@example.org", "password": "correct horse battery"})
    assert r.status_code == 200
    assert "cps_session" in http.cookies and "cps_csrf" in http.cookies
    body: dict[str, Any] = r.json()
    return body


async def test_cookie_request_without_the_csrf_header_is_403(http: httpx.AsyncClient) -> None:
    await signed_in_with_cookie(http)
    assert_error(await http.post("/api/v1/orgs", json=ORG), 403, "csrf_failed")


async def test_cookie_request_with_a_wrong_csrf_header_is_403(http: httpx.AsyncClient) -> None:
    await signed_in_with_cookie(http)
    r = await http.post("/api/v1/orgs", json=ORG, headers={"X-CSRF-Token": "0" * 64})
    assert_error(r, 403, "csrf_failed")


async def test_cookie_request_with_the_token_from_the_login_response_passes(http: httpx.AsyncClient) -> None:
    body = await signed_in_with_cookie(http)
    r = await http.post("/api/v1/orgs", json=ORG, headers={"X-CSRF-Token": body["csrf_token"]})
    assert r.status_code == 201, r.text
    assert r.json()["org"]["is_admin"] is True


async def test_cookie_request_with_the_token_from_the_csrf_cookie_passes(http: httpx.AsyncClient) -> None:
    await signed_in_with_cookie(http)
    r = await http.post("/api/v1/orgs", json=ORG,
                        headers={"X-CSRF-Token": http.cookies["cps_csrf"]})
    assert r.status_code == 201, r.text


async def test_the_csrf_token_of_another_session_does_not_pass(http: httpx.AsyncClient) -> None:
    other = await signed_in_with_cookie(http)
    r = await http.post("/api/v1/auth/login",
                        json={"email": "ana@example.org", "password": "correct horse battery"})
    assert r.json()["csrf_token"] != other["csrf_token"]
    # The client now holds the second session's cookie.
    r = await http.post("/api/v1/orgs", json=ORG, headers={"X-CSRF-Token": other["csrf_token"]})
    assert_error(r, 403, "csrf_failed")


async def test_a_foreign_origin_is_refused_even_with_the_token(http: httpx.AsyncClient) -> None:
    body = await signed_in_with_cookie(http)
    r = await http.post("/api/v1/orgs", json=ORG, headers={
        "X-CSRF-Token": body["csrf_token"], "Origin": "https://evil.example"})
    assert_error(r, 403, "csrf_failed")


async def test_the_served_origin_passes(http: httpx.AsyncClient) -> None:
    body = await signed_in_with_cookie(http)
    r = await http.post("/api/v1/orgs", json=ORG, headers={
        "X-CSRF-Token": body["csrf_token"], "Origin": "http://testserver"})
    assert r.status_code == 201, r.text


async def test_a_cross_site_fetch_is_refused_even_with_the_token(http: httpx.AsyncClient) -> None:
    body = await signed_in_with_cookie(http)
    r = await http.post("/api/v1/orgs", json=ORG, headers={
        "X-CSRF-Token": body["csrf_token"], "Sec-Fetch-Site": "cross-site"})
    assert_error(r, 403, "csrf_failed")


async def test_every_unsafe_method_is_checked(http: httpx.AsyncClient) -> None:
    body = await signed_in_with_cookie(http)
    csrf = {"X-CSRF-Token": body["csrf_token"]}
    org = (await http.post("/api/v1/orgs", json=ORG, headers=csrf)).json()["org"]
    space = (await http.post(f"/api/v1/orgs/{org['id']}/spaces", headers=csrf, json={
        "name": "Parks", "visibility": "public"})).json()["space"]
    topic = (await http.post(f"/api/v1/spaces/{space['id']}/topics", headers=csrf, json={
        "title": "Trees", "body": "More trees"})).json()["topic"]
    post = (await http.get(f"/api/v1/topics/{topic['id']}/posts")).json()["posts"][0]
    assert_error(await http.patch(f"/api/v1/topics/{topic['id']}", json={"pinned": True}), 403)
    assert_error(await http.patch(f"/api/v1/posts/{post['id']}", json={"body": "x"}), 403)
    assert_error(await http.delete(f"/api/v1/posts/{post['id']}"), 403)
    assert_error(await http.delete(f"/api/v1/posts/{post['id']}/reactions/like"), 403)
    assert_error(await http.post("/api/v1/auth/logout"), 403)
    # Nothing of that happened.
    r = await http.get(f"/api/v1/topics/{topic['id']}/posts")
    assert r.json()["posts"][0]["body"] == "More trees"
    assert (await http.get("/api/v1/me")).status_code == 200


async def test_safe_requests_with_the_cookie_need_no_token(http: httpx.AsyncClient) -> None:
    await signed_in_with_cookie(http)
    assert (await http.get("/api/v1/me")).status_code == 200


async def test_bearer_requests_are_not_subject_to_csrf(http: httpx.AsyncClient) -> None:
    body = await signed_in_with_cookie(http)
    http.cookies.clear()
    r = await http.post("/api/v1/orgs", json=ORG, headers={
        "Authorization": f"Bearer {body['token']}", "Origin": "https://evil.example",
        "Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 201, r.text


async def test_allowed_origins_from_the_settings_are_honoured(database_url: str) -> None:
    from cps.app import create_app
    from tests.support import asgi
    from tests.support.settings import make_settings

    settings = make_settings(database_url, CPS_ALLOWED_ORIGINS="https://civic.example")
    app = create_app(settings)
    async with asgi.running(app) as state, asgi.client(app, state) as http:
        body = await signed_in_with_cookie(http)
        csrf = body["csrf_token"]
        r = await http.post("/api/v1/orgs", json=ORG,
                            headers={"X-CSRF-Token": csrf, "Origin": "https://civic.example"})
        assert r.status_code == 201, r.text
        r = await http.post("/api/v1/orgs", json=ORG,
                            headers={"X-CSRF-Token": csrf, "Origin": "http://testserver"})
        assert_error(r, 403, "csrf_failed")
