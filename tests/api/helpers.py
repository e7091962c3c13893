"""Helpers shared by the API tests."""

from __future__ import annotations

from typing import Any

import httpx


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
