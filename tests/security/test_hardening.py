"""Issue 12, "must also decide and build": what a post's images, /metrics, the
response headers and the WebSocket endpoint give away or let one address take.

- Images in posts are links, never embedded (a remote image tracks its readers),
  also for HTML stored before; the CSP allows images only from the site.
- /metrics answers callers on this machine and those with CPS_METRICS_TOKEN.
- HSTS on https (also behind a trusted proxy that says so); no-store on API answers.
- Each client address holds at most CPS_WS_CONNECTIONS_PER_ADDRESS sockets."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from starlette.types import Message
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from cps.app import create_app
from cps.live.endpoint import CLOSE_TRY_LATER
from cps.live.service import LiveService
from cps.storage.models import Post
from tests.support import asgi, databases
from tests.support.api import PREFIX, Api
from tests.support.servers import InProcessServer, in_process
from tests.support.settings import make_settings
from tests.support.waiting import eventually

pytestmark = pytest.mark.anyio

LOCAL = ("127.0.0.1", 50000)
REMOTE = ("203.0.113.9", 50000)  # TEST-NET-3: somewhere else on the internet
PROXY = ("10.0.0.7", 50000)  # a reverse proxy on the private network
HSTS = "max-age=31536000; includeSubDomains"


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """For what does not depend on the database (headers, /metrics, sockets)."""
    return databases.sqlite_copy(sqlite_template, tmp_path)


class Running:
    """An app with its lifespan running, reached by ASGI from any client address."""

    def __init__(self, app: Any, state: dict[str, Any]) -> None:
        self.app = app
        self.state = state

    @asynccontextmanager
    async def client(
        self, address: tuple[str, int] = LOCAL, base_url: str = "http://testserver"
    ) -> AsyncIterator[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=asgi.WithState(self.app, self.state), client=address)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as http:
            yield http


@asynccontextmanager
async def running(database_url: str, **env: str) -> AsyncIterator[Running]:
    app = create_app(make_settings(database_url, **env))
    async with asgi.running(app) as state:
        yield Running(app, state)


def directives(response: httpx.Response) -> dict[str, list[str]]:
    csp = response.headers.get("content-security-policy", "")
    return {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}


# --- images in posts -----------------------------------------------------------------

TRACKER = "https://tracker.example/pixel.png?reader=1"


async def a_topic(api: Api) -> dict[str, Any]:
    """A public space's topic and a participant, as `Api.world` makes them."""
    host = await api.user("Mina Park")
    org = await api.org(host)
    space = await api.space(host, org["id"])
    return {"topic": await api.topic(host, space["id"]), "citizen": await api.user("Jiwoo Kim")}


async def test_an_image_in_a_post_is_a_link_showing_its_alt_text_and_host(api: Api) -> None:
    w = await a_topic(api)
    post = await api.post(w["citizen"], w["topic"]["id"],
                          f"See ![the new route]({TRACKER}) and ![](https://cdn.example/b.png)")
    html = post["html"]
    assert "<img" not in html, html
    assert f'href="{TRACKER.replace("&", "&amp;")}"' in html
    assert "the new route (image on tracker.example)" in html
    assert "Image on cdn.example" in html
    # Read back, the same.
    thread = (await api.ok("GET", f"/topics/{w['topic']['id']}/posts"))["posts"]
    assert all("<img" not in p["html"] for p in thread)


async def test_html_stored_with_embedded_images_is_shown_with_links(api: Api, ctx: Any) -> None:
    """Posts written before images became links keep <img> in the database: the
    thread and the edit history show links instead."""
    w = await a_topic(api)
    post = await api.post(w["citizen"], w["topic"]["id"], "Old post")
    old_html = (f'<p>Look <img src="{TRACKER.replace("&", "&amp;")}" alt="a map" '
                'title="Route"></p>')
    async with ctx.db.write() as tx:
        await tx.session.execute(update(Post).where(Post.id == post["id"]).values(html=old_html))

    thread = (await api.ok("GET", f"/topics/{w['topic']['id']}/posts"))["posts"]
    [shown] = [p for p in thread if p["id"] == post["id"]]
    assert "<img" not in shown["html"], shown["html"]
    assert "a map (image on tracker.example)" in shown["html"]
    assert 'rel="nofollow ugc noopener"' in shown["html"]

    # The edit keeps the old HTML as a revision: shown as a link too.
    await api.ok("PATCH", f"/posts/{post['id']}", w["citizen"], {"body": "New text"})
    [revision] = (await api.ok("GET", f"/posts/{post['id']}/revisions"))["revisions"]
    assert "<img" not in revision["html"], revision["html"]
    assert "a map (image on tracker.example)" in revision["html"]


async def test_the_csp_allows_images_only_from_the_site(sqlite_url: str) -> None:
    async with running(sqlite_url) as app, app.client() as http:
        for path in ("/", "/topics/1", "/static/app.js", f"{PREFIX}/orgs"):
            r = await http.get(path)
            assert directives(r).get("img-src") == ["'self'", "data:"], (path, r.headers)


# --- /metrics ------------------------------------------------------------------------


async def _metrics(app: Running, address: tuple[str, int], **headers: str) -> httpx.Response:
    async with app.client(address) as http:
        return await http.get("/metrics", headers=headers)


def _refused(r: httpx.Response) -> None:
    assert r.status_code == 403, r.text
    assert r.json()["error"]["code"] == "forbidden"
    assert "cps_websocket_connections" not in r.text


async def test_metrics_answer_a_caller_on_this_machine_only(sqlite_url: str) -> None:
    async with running(sqlite_url) as app:
        local = await _metrics(app, LOCAL)
        assert local.status_code == 200, local.text
        assert "cps_websocket_connections" in local.text
        assert (await _metrics(app, ("::1", 50000))).status_code == 200

        _refused(await _metrics(app, REMOTE))
        # A forged header does not make a remote caller local.
        _refused(await _metrics(app, REMOTE, **{"X-Forwarded-For": "127.0.0.1"}))
        _refused(await _metrics(app, REMOTE, **{"X-Real-IP": "127.0.0.1"}))
        # Through a proxy on this machine that is not trusted, the caller is elsewhere.
        _refused(await _metrics(app, LOCAL, **{"X-Forwarded-For": "203.0.113.9"}))
        _refused(await _metrics(app, LOCAL, Forwarded="for=203.0.113.9"))
        # With no token configured, no bearer opens it.
        _refused(await _metrics(app, REMOTE, Authorization="Bearer "))
        _refused(await _metrics(app, REMOTE, Authorization="Bearer anything"))


async def test_metrics_behind_a_trusted_proxy_see_the_real_caller(sqlite_url: str) -> None:
    async with running(sqlite_url, CPS_TRUSTED_PROXIES="10.0.0.0/8,127.0.0.1") as app:
        # The proxy appends the address it saw to whatever the client claimed.
        _refused(await _metrics(app, PROXY, **{"X-Forwarded-For": "127.0.0.1, 203.0.113.9"}))
        _refused(await _metrics(app, PROXY, **{"X-Forwarded-For": "203.0.113.9"}))
        _refused(await _metrics(app, REMOTE, **{"X-Forwarded-For": "127.0.0.1"}))
        # A caller on the machine of a trusted local proxy is local.
        local = await _metrics(app, LOCAL, **{"X-Forwarded-For": "127.0.0.1"})
        assert local.status_code == 200, local.text


async def test_metrics_answer_anyone_with_the_token(sqlite_url: str) -> None:
    token = "scrape-0123456789abcdef"
    async with running(sqlite_url, CPS_METRICS_TOKEN=token) as app:
        r = await _metrics(app, REMOTE, Authorization=f"Bearer {token}")
        assert r.status_code == 200, r.text
        assert "cps_websocket_connections" in r.text
        _refused(await _metrics(app, REMOTE))
        _refused(await _metrics(app, REMOTE, Authorization=f"Bearer {token}x"))
        _refused(await _metrics(app, REMOTE, Authorization=f"Bearer {token[:-1]}"))
        _refused(await _metrics(app, REMOTE, Authorization=token))  # not a bearer
        assert (await _metrics(app, LOCAL)).status_code == 200


# --- HSTS and caching ----------------------------------------------------------------


async def test_hsts_is_sent_over_https_only(sqlite_url: str) -> None:
    async with running(sqlite_url) as app:
        async with app.client(base_url="https://testserver") as https:
            for path in ("/", "/static/app.js", f"{PREFIX}/orgs", "/no/such/page"):
                r = await https.get(path)
                assert r.headers.get("strict-transport-security") == HSTS, path
        async with app.client() as http:
            r = await http.get("/")
            assert "strict-transport-security" not in r.headers
            # X-Forwarded-Proto from a proxy that is not trusted says nothing.
            r = await http.get("/", headers={"X-Forwarded-Proto": "https"})
            assert "strict-transport-security" not in r.headers


async def test_hsts_behind_a_trusted_proxy_that_says_https(sqlite_url: str) -> None:
    async with running(sqlite_url, CPS_TRUSTED_PROXIES="10.0.0.0/8") as app:
        async with app.client(PROXY) as http:
            r = await http.get("/", headers={"X-Forwarded-Proto": "https",
                                             "X-Forwarded-For": "203.0.113.9"})
            assert r.headers.get("strict-transport-security") == HSTS
            r = await http.get("/", headers={"X-Forwarded-Proto": "http"})
            assert "strict-transport-security" not in r.headers
        async with app.client(REMOTE) as http:
            r = await http.get("/", headers={"X-Forwarded-Proto": "https"})
            assert "strict-transport-security" not in r.headers


async def test_api_answers_are_not_stored_and_static_files_stay_cacheable(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url) as app, app.client() as http:
        api = Api(http)
        user = await api.user("Cache Tester")
        r = await http.post(f"{PREFIX}/auth/login",
                            json={"email": user.email, "password": "correct horse battery"})
        assert r.status_code == 200
        assert r.headers.get("cache-control") == "no-store"  # the token is in it
        # Signed in with the cookie the login set, with a bearer token, anonymous.
        assert (await http.get(f"{PREFIX}/me")).headers.get("cache-control") == "no-store"
        http.cookies.clear()
        r = await http.get(f"{PREFIX}/me", headers=user.auth)
        assert r.status_code == 200 and r.headers.get("cache-control") == "no-store"
        for path in (f"{PREFIX}/orgs", f"{PREFIX}/topics/987654", f"{PREFIX}/openapi.json"):
            assert (await http.get(path)).headers.get("cache-control") == "no-store", path
        # The same for everyone: cacheable.
        for path in ("/static/app.js", "/static/app.css", "/"):
            r = await http.get(path)
            assert r.status_code == 200
            assert "no-store" not in r.headers.get("cache-control", ""), path


# --- WebSocket connections per address -----------------------------------------------

CAP = 3


@asynccontextmanager
async def capped_server(database_url: str, **env: str) -> AsyncIterator[InProcessServer]:
    """A server whose addresses hold CAP sockets each; the tests' connections come
    through a "proxy" on 127.0.0.1 that is trusted unless `env` says otherwise."""
    settings = make_settings(database_url, **{
        "CPS_RATE_LIMITS": "on", "CPS_WS_CONNECTIONS_PER_ADDRESS": str(CAP),
        "CPS_TRUSTED_PROXIES": "127.0.0.1", **env})
    async with in_process(create_app(settings), settings=settings) as server:
        yield server


async def _open(server: InProcessServer, address: str | None = None) -> ClientConnection:
    headers = {"X-Forwarded-For": address} if address else {}
    ws = await connect(server.ws_url, additional_headers=headers, open_timeout=5,
                       close_timeout=2)
    await ws.send(json.dumps({"type": "ping"}))
    assert json.loads(await ws.recv()) == {"type": "pong"}
    return ws


async def _refused_with_429(server: InProcessServer, address: str | None = None) -> None:
    with pytest.raises(InvalidStatus) as refused:
        await _open(server, address)
    response = refused.value.response
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    error = json.loads(response.body or b"{}")["error"]
    assert error["code"] == "rate_limited" and str(CAP) in error["message"]


async def test_one_address_holds_at_most_the_cap_and_a_closed_socket_frees_a_place(
    sqlite_url: str,
) -> None:
    async with capped_server(sqlite_url) as server:
        live: LiveService = server.state["live"]
        sockets = [await _open(server) for _ in range(CAP)]
        await _refused_with_429(server)
        await _refused_with_429(server, "127.0.0.1")

        # Another address is not affected, and has a cap of its own.
        others = [await _open(server, "198.51.100.7") for _ in range(CAP)]
        await _refused_with_429(server, "198.51.100.7")

        # A clean close frees a place...
        await sockets.pop().close()
        await eventually(lambda: live.held_by("127.0.0.1") == CAP - 1, 5, "close counted")
        sockets.append(await _open(server))
        await _refused_with_429(server)

        # ... and so does a socket that just drops (no close frame).
        sockets.pop().transport.abort()
        await eventually(lambda: live.held_by("127.0.0.1") == CAP - 1, 5, "drop counted")
        sockets.append(await _open(server))

        for ws in sockets + others:
            await ws.close()
        await eventually(lambda: live.held_by("127.0.0.1") == 0
                         and live.held_by("198.51.100.7") == 0, 5, "all released")


async def test_a_forged_forwarded_address_does_not_escape_the_cap(sqlite_url: str) -> None:
    """X-Forwarded-For counts only from a trusted proxy: here the callers are the
    proxy's clients, and one of them cannot pass for many."""
    async with capped_server(sqlite_url, CPS_TRUSTED_PROXIES="10.0.0.0/8") as server:
        sockets = [await _open(server, f"198.51.100.{n}") for n in range(CAP)]
        await _refused_with_429(server, "198.51.100.99")
        for ws in sockets:
            await ws.close()


async def test_without_rate_limits_the_cap_is_lifted_for_load_tests(sqlite_url: str) -> None:
    async with capped_server(sqlite_url, CPS_RATE_LIMITS="off") as server:
        sockets = [await _open(server) for _ in range(CAP + 2)]
        for ws in sockets:
            await ws.close()


async def test_a_server_without_denial_responses_closes_with_try_again_later(
    sqlite_url: str,
) -> None:
    """Served by an ASGI server that cannot answer a handshake with 429, the
    socket is accepted and closed at once with 1013 and a reason."""
    async with running(sqlite_url, CPS_RATE_LIMITS="on",
                       CPS_WS_CONNECTIONS_PER_ADDRESS="1") as app:
        live: LiveService = app.state["live"]
        assert live.admit(REMOTE[0])  # the address already holds its one socket
        sent: list[Message] = []
        incoming = [{"type": "websocket.connect"}]

        async def receive() -> Message:
            return incoming.pop(0) if incoming else {"type": "websocket.disconnect"}

        async def send(message: Message) -> None:
            sent.append(message)

        scope = {"type": "websocket", "path": "/ws", "root_path": "", "scheme": "ws",
                 "query_string": b"", "headers": [(b"host", b"testserver")],
                 "client": REMOTE, "server": ("testserver", 80), "subprotocols": [],
                 "extensions": {}, "asgi": {"version": "3.0"}, "state": dict(app.state)}
        await app.app(scope, receive, send)
        assert [m["type"] for m in sent] == ["websocket.accept", "websocket.close"]
        assert sent[1]["code"] == CLOSE_TRY_LATER
        assert "too many" in sent[1]["reason"]
        assert live.held_by(REMOTE[0]) == 1  # the refused one was never counted
        live.release(REMOTE[0])
