"""Helpers shared by the API tests."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.api import Api, User

# An id that names nothing in a test's database.
FORGED_ID = 999_999


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is an error in the contract's envelope; answers its `error`."""
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert set(body) >= {"error"}, body
    error = body["error"]
    assert isinstance(error["code"], str) and error["code"], body
    assert isinstance(error["message"], str) and error["message"], body
    assert "Traceback" not in response.text
    if code is not None:
        assert error["code"] == code, body
    if status == 422:
        assert isinstance(error.get("fields"), dict) and error["fields"], body
    return dict(error)


async def assert_as_if_missing(api: Api, method: str, path: str, real: int, user: User | None,
                               body: Any, message: str) -> None:
    """`path` (its id a `{}`) answers `user` about `real` exactly as about an id that
    names nothing: a 404 that says `message`. What a hidden thing looks like to
    someone who may not know it exists."""
    seen = assert_error(await api.call(method, path.format(real), user, body), 404)
    forged = assert_error(await api.call(method, path.format(FORGED_ID), user, body), 404)
    assert seen == forged, (method, path)
    assert seen["message"] == message, (method, path)
