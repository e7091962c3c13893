"""Login CSRF and JSON bodies (issue 12, item 5): a foreign page's `text/plain`
form signed a victim's browser into the attacker's account. Every JSON endpoint
now requires `application/json` (415), and sign-in and sign-up refuse foreign
Origins and cross-site fetches, as every other unsafe request does."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.api.helpers import assert_error
from tests.support.api import PREFIX, Api

pytestmark = pytest.mark.anyio

PASSWORD = "correct horse battery"
ATTACKER = {"email": "attacker@example.org", "password": PASSWORD}


async def test_a_text_plain_form_cannot_sign_a_browser_in(http: httpx.AsyncClient, api: Api) -> None:
    await api.user()
    await http.post(f"{PREFIX}/auth/register", json={**ATTACKER, "display_name": "Mallory"})
    r = await http.post(f"{PREFIX}/auth/login", content=json.dumps(ATTACKER),
                        headers={"Content-Type": "text/plain"})
    assert_error(r, 415, "unsupported_media_type")
    assert "set-cookie" not in r.headers


@pytest.mark.parametrize("content_type", [
    None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
    "application/jsonx", "text/json",
])
async def test_every_json_endpoint_requires_application_json(
    http: httpx.AsyncClient, api: Api, content_type: str | None
) -> None:
    me = await api.user()
    headers = {**me.auth}
    if content_type is not None:
        headers["Content-Type"] = content_type
    body = json.dumps({"name": "City of Lyon", "kind": "local_government", "country": "France"})
    r = await http.post(f"{PREFIX}/orgs", content=body, headers=headers)
    assert_error(r, 415, "unsupported_media_type")
    orgs = (await api.ok("GET", "/orgs", me))["orgs"]
    assert orgs == []  # nothing was written


async def test_application_json_with_a_charset_is_json(http: httpx.AsyncClient, api: Api) -> None:
    me = await api.user()
    body = json.dumps({"name": "City of Lyon", "kind": "local_government", "country": "France"})
    r = await http.post(f"{PREFIX}/orgs", content=body,
                        headers={**me.auth, "Content-Type": "application/json; charset=utf-8"})
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("path", ["/auth/login", "/auth/register"])
@pytest.mark.parametrize("headers", [
    {"Origin": "https://evil.example"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Origin": "null"},
])
async def test_sign_in_and_sign_up_refuse_foreign_pages(
    http: httpx.AsyncClient, path: str, headers: dict[str, str]
) -> None:
    body = {**ATTACKER, "display_name": "Mallory"}
    await http.post(f"{PREFIX}/auth/register", json=body)
    r = await http.post(PREFIX + path, json=body, headers=headers)
    assert_error(r, 403, "csrf_failed")
    assert "set-cookie" not in r.headers


async def test_sign_in_from_the_site_itself_still_works(http: httpx.AsyncClient) -> None:
    body = {**ATTACKER, "display_name": "Mallory"}
    r = await http.post(f"{PREFIX}/auth/register", json=body,
                        headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 201, r.text
    r = await http.post(f"{PREFIX}/auth/login", json=ATTACKER,
                        headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 200, r.text
