"""Searching over the API, as the tests of search do it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from tests.support.api import Api, User


async def find(api: Api, q: str, user: User | None = None, **params: Any) -> list[dict[str, Any]]:
    """Every result of a search (all pages), as `user` (or anyone) sees them."""
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {"q": q, **params, **({"cursor": cursor} if cursor else {})}
        body = await api.ok("GET", "/search?" + urlencode(query), user)
        found += body["results"]
        cursor = body["next_cursor"]
        if not cursor:
            return found


def post_ids(results: list[dict[str, Any]]) -> list[int]:
    return [r["post_id"] for r in results if r["kind"] == "post"]


def topic_ids(results: list[dict[str, Any]]) -> list[int]:
    return [r["topic_id"] for r in results if r["kind"] == "topic"]


async def refused(api: Api, q: str, user: User | None = None, **params: Any) -> dict[str, Any]:
    """The 422 a search answers, in the contract's envelope."""
    r = await api.call("GET", "/search?" + urlencode({"q": q, **params}), user)
    assert r.status_code == 422, r.text
    body: dict[str, Any] = r.json()
    assert body["error"]["code"] == "invalid" and body["error"]["fields"], body
    return body
