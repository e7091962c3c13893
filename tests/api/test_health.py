"""/healthz and /readyz."""

from __future__ import annotations

import socket

import httpx
import pytest

from cps.app import create_app
from tests.support import asgi
from tests.support.settings import make_settings

pytestmark = pytest.mark.anyio


async def test_healthz_is_200(http: httpx.AsyncClient) -> None:
    r = await http.get("/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok"


async def test_readyz_is_200_with_the_database_up(http: httpx.AsyncClient) -> None:
    r = await http.get("/readyz")
    assert r.status_code == 200, r.text
    assert r.json()["checks"]["database"] == "ok"


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("port", [1, None])
async def test_readyz_is_503_naming_the_database_when_it_is_unreachable(port: int | None) -> None:
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{port or closed_port()}/cps"
    app = create_app(make_settings(url))
    async with asgi.running(app) as state, asgi.client(app, state) as http:
        r = await http.get("/readyz")
        assert r.status_code == 503, r.text
        body = r.json()
        assert body["checks"]["database"] == "down"
        assert "database" in body["error"]["message"]
        assert body["error"]["code"] == "unavailable"
        # The process itself is alive.
        assert (await http.get("/healthz")).status_code == 200
        # And an API call answers 503 in the envelope, not a 500.
        r = await http.get("/api/v1/orgs")
        assert r.status_code == 503, r.text
        assert r.json()["error"]["code"] == "unavailable"
        assert "Traceback" not in r.text
