"""Input limits: body size, malformed JSON, odd strings and ids, unknown routes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.api.helpers import assert_error
from tests.support.api import Api

pytestmark = pytest.mark.anyio

MIB = 1024 * 1024


async def test_a_body_over_1_mib_with_content_length_is_413(api: Api) -> None:
    w = await api.world()
    body = json.dumps({"body": "x" * (MIB + 10)}).encode()
    r = await api.http.post(f"/api/v1/topics/{w['topic']['id']}/posts", content=body,
                            headers={**w["citizen"].auth, "Content-Type": "application/json"})
    assert_error(r, 413, "body_too_large")


async def test_a_content_length_over_1_mib_is_refused_even_anonymous(http: httpx.AsyncClient) -> None:
    r = await http.post("/api/v1/auth/register", content=b"{" + b" " * MIB + b"}")
    assert_error(r, 413, "body_too_large")


async def test_a_chunked_body_over_1_mib_is_413(api: Api) -> None:
    w = await api.world()
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"body": "'
        for _ in range(40):  # 40 x 64 KiB = 2.5 MiB, more than is needed
            sent += 1
            yield b"x" * (64 * 1024)
        yield b'"}'

    r = await api.http.post(f"/api/v1/topics/{w['topic']['id']}/posts", content=chunks(),
                            headers={**w["citizen"].auth, "Content-Type": "application/json"})
    assert "content-length" not in r.request.headers
    assert r.request.headers.get("transfer-encoding") == "chunked"
    assert_error(r, 413, "body_too_large")
    posts = (await api.ok("GET", f"/topics/{w['topic']['id']}/posts"))["posts"]
    assert len(posts) == 1


async def test_a_chunked_body_under_1_mib_passes(api: Api) -> None:
    w = await api.world()

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"body": "'
        for _ in range(4):
            yield b"y" * 1000
        yield b'"}'

    r = await api.http.post(f"/api/v1/topics/{w['topic']['id']}/posts", content=chunks(),
                            headers={**w["citizen"].auth, "Content-Type": "application/json"})
    assert r.status_code == 201, r.text
    assert r.json()["post"]["body"] == "y" * 4000


@pytest.mark.parametrize("raw", [b"{", b"{'body': 'x'}", b'{"body": "x",}', b"nope",
                                 b'{"body": "x"} trailing', b"\xff\xfe\x00garbage",
                                 b'{"body": "\xc3\x28"}', b"[" * 100_000 + b"]" * 100_000,
                                 b'{"a":' * 50_000 + b"1" + b"}" * 50_000])
async def test_malformed_json_is_400(api: Api, raw: bytes) -> None:
    w = await api.world()
    r = await api.http.post(f"/api/v1/topics/{w['topic']['id']}/posts", content=raw,
                            headers={**w["citizen"].auth, "Content-Type": "application/json"})
    assert_error(r, 400, "malformed_json")


@pytest.mark.parametrize("raw", [b"", b"[]", b'"body"', b"42", b"null", b"[{\"body\": \"x\"}]"])
async def test_a_body_that_is_not_an_object_is_422(api: Api, raw: bytes) -> None:
    w = await api.world()
    r = await api.http.post(f"/api/v1/topics/{w['topic']['id']}/posts", content=raw,
                            headers={**w["citizen"].auth, "Content-Type": "application/json"})
    assert_error(r, 422)


@pytest.mark.parametrize("text", ["nul \u0000 inside", "\ud800 lone surrogate", "\udfff"])
async def test_strings_no_database_can_store_are_422(api: Api, text: str) -> None:
    w = await api.world()
    # json.dumps escapes them: the JSON is valid, the string is not storable text.
    raw = json.dumps({"body": text}).encode()
    r = await api.http.post(f"/api/v1/topics/{w['topic']['id']}/posts", content=raw,
                            headers={**w["citizen"].auth, "Content-Type": "application/json"})
    assert "body" in assert_error(r, 422)["fields"]
    r = await api.http.post("/api/v1/auth/register", content=json.dumps({
        "email": "a@example.org", "password": "long enough " + text,
        "display_name": text}).encode(), headers={"Content-Type": "application/json"})
    assert_error(r, 422)
    r = await api.http.post("/api/v1/auth/login", content=json.dumps({
        "email": text + "@example.org", "password": text}).encode(),
        headers={"Content-Type": "application/json"})
    assert_error(r, 422)


async def test_unknown_fields_are_ignored(api: Api) -> None:
    w = await api.world()
    r = await api.call("POST", f"/topics/{w['topic']['id']}/posts", w["citizen"],
                       {"body": "x", "html": "<script>alert(1)</script>", "author_id": 1})
    assert r.status_code == 201
    assert r.json()["post"]["html"] == "<p>x</p>\n"


@pytest.mark.parametrize("path", ["/orgs/99999999999999999999", "/orgs/2147483648",
                                  "/spaces/99999999999999999999", "/topics/2147483648/posts",
                                  "/posts/99999999999999999999/revisions", "/orgs/0",
                                  "/topics/0"])
async def test_ids_beyond_the_database_range_are_404(api: Api, path: str) -> None:
    assert_error(await api.call("GET", path), 404)


async def test_ids_beyond_the_database_range_in_writes_are_404(api: Api) -> None:
    w = await api.world()
    u = w["admin"]
    big = 2**31
    for method, path, body in [
        ("POST", f"/topics/{big}/posts", {"body": "x"}),
        ("PATCH", f"/posts/{big}", {"body": "x"}),
        ("DELETE", f"/posts/{big}", None),
        ("POST", f"/posts/{big}/reactions", {"kind": "like"}),
        ("DELETE", f"/posts/{big}/reactions/like", None),
        ("POST", f"/posts/{big}/flags", {"reason": "spam"}),
        ("POST", f"/posts/{big}/hide", {}),
        ("DELETE", f"/spaces/{w['space']['id']}/members/{big}", None),
        ("DELETE", f"/spaces/{w['space']['id']}/moderators/{big}", None),
    ]:
        assert_error(await api.call(method, path, u, body), 404)
    r = await api.call("POST", f"/spaces/{w['space']['id']}/moderators", u, {"user_id": big})
    assert "user_id" in assert_error(r, 422)["fields"]


async def test_unknown_routes_and_methods_answer_in_the_envelope(http: httpx.AsyncClient) -> None:
    assert_error(await http.get("/api/v1/nothing-here"), 404)
    assert_error(await http.get("/api/v1/orgs/abc"), 404)
    r = await http.put("/api/v1/orgs")
    assert_error(r, 405)


async def test_no_stack_trace_ever_reaches_a_body(api: Api) -> None:
    w = await api.world()
    r = await api.http.post(f"/api/v1/topics/{w['topic']['id']}/posts",
                            content=b'{"body": ' + b"9" * 5000 + b"}",
                            headers={**w["citizen"].auth, "Content-Type": "application/json"})
    assert r.status_code in (400, 422)
    assert "Traceback" not in r.text and "File \"" not in r.text


async def test_every_route_with_a_body_answers_400_and_422_in_the_envelope(api: Api) -> None:
    import re

    from cps.http.routes import all_endpoints

    user = await api.user()
    with_body = [ep for ep in all_endpoints() if ep.request is not None]
    assert len(with_body) >= 14
    for ep in with_body:
        path = re.sub(r"{kind(:\w+)?}", "like", ep.path)
        path = re.sub(r"{\w+(:\w+)?}", "1", path)
        as_json = {"Content-Type": "application/json"}
        r = await api.call(ep.method, path, user, content=b'{"oops": ', headers=as_json)
        assert_error(r, 400, "malformed_json")
        r = await api.call(ep.method, path, user, content=b"[1, 2]", headers=as_json)
        assert "body" in assert_error(r, 422)["fields"]
        r = await api.call(ep.method, path, user, content=b"{}",
                           headers={"Content-Type": "text/plain"})
        assert_error(r, 415, "unsupported_media_type")


@pytest.mark.parametrize("number", [2**31, -(2**31) - 1, 2**63, 10**40])
async def test_numbers_past_32_bits_are_422_in_any_body(api: Api, number: int) -> None:
    w = await api.world()
    r = await api.call("POST", f"/topics/{w['topic']['id']}/posts", w["citizen"],
                       {"body": "x", "parent_id": number})
    assert "parent_id" in assert_error(r, 422)["fields"]
    r = await api.call("POST", f"/spaces/{w['space']['id']}/moderators", w["admin"],
                       {"user_id": [number]})
    assert "user_id" in assert_error(r, 422)["fields"]
