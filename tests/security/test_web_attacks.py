"""What a hostile page, client or author can try over the web, against a real
server (uvicorn on a socket): headers on every page, Secure cookies over https,
cross-site WebSocket handshakes, stolen or forged credentials on /ws, XSS
payloads everywhere text goes, oversized bodies and frames, frame floods."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Origin

from cps.app import PAGES
from cps.live.endpoint import FRAME_BURST
from tests.security.conftest import Site
from tests.support.api import PREFIX, User
from tests.support.world import Builder, tiers_over_api

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
async def tcp(site: Site) -> AsyncIterator[httpx.AsyncClient]:
    """HTTP over a real socket to the module's uvicorn."""
    async with httpx.AsyncClient(base_url=site.server.base_url, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
async def places(site: Site) -> dict[str, Any]:
    """A world on plus (tests/support/world.py), and a private space of its org."""
    tiers = tiers_over_api(site.api, await site.platform_admin(), "private spaces")
    build = Builder(site.api, tiers=tiers)
    w = await build.world(tier="plus")
    private = await build.space(w["admin"], w["org"]["id"], "private", name="Council")
    return {**w, "private": private}


# --- headers on every page -----------------------------------------------------------


def _pages(places: dict[str, Any]) -> list[str]:
    ids = {"orgs": places["org"]["id"], "spaces": places["space"]["id"],
           "topics": places["topic"]["id"]}
    paths = []
    for page in PAGES:
        kind = page.split("/")[1]
        paths.append(page.replace("{id:int}", str(ids.get(kind, 1))))
        if "{id:int}" in page:
            paths.append(page.replace("{id:int}", "987654"))  # "not found", as a page
    return paths


def _check_security_headers(response: httpx.Response) -> None:
    csp = response.headers.get("content-security-policy", "")
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    assert directives.get("script-src") == ["'self'"], csp
    assert directives.get("object-src") == ["'none'"], csp
    assert directives.get("frame-ancestors") == ["'none'"], csp
    assert directives.get("base-uri") == ["'none'"], csp
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert response.headers.get("x-content-type-options") == "nosniff"
    assert response.headers.get("referrer-policy") in {"same-origin", "no-referrer",
                                                       "strict-origin-when-cross-origin"}


async def test_every_html_page_carries_csp_nosniff_and_referrer_policy(
    tcp: httpx.AsyncClient, places: dict[str, Any]
) -> None:
    for path in _pages(places):
        r = await tcp.get(path)
        assert r.status_code == 200, path
        assert r.headers["content-type"].startswith("text/html"), path
        _check_security_headers(r)


async def test_assets_errors_and_api_answers_carry_the_headers_too(
    tcp: httpx.AsyncClient,
) -> None:
    for path in ("/static/app.js", "/static/app.css", "/no/such/page", f"{PREFIX}/orgs",
                 f"{PREFIX}/topics/987654", "/healthz"):
        r = await tcp.get(path)
        assert r.headers.get("x-content-type-options") == "nosniff", path
        assert "content-security-policy" in r.headers, path


# --- cookies -----------------------------------------------------------------------


async def _login(client: httpx.AsyncClient, site: Site, **headers: str) -> httpx.Response:
    user = await site.api.user("Cookie Monster")
    r = await client.post(f"{PREFIX}/auth/login", headers=headers,
                          json={"email": user.email, "password": "correct horse battery"})
    assert r.status_code == 200, r.text
    return r


def _cookies(response: httpx.Response) -> dict[str, str]:
    return {c.split("=", 1)[0]: c for c in response.headers.get_list("set-cookie")}


async def test_cookies_are_secure_behind_an_https_proxy(tcp: httpx.AsyncClient,
                                                        site: Site) -> None:
    """X-Forwarded-Proto from the proxy on 127.0.0.1 (uvicorn's proxy headers)."""
    cookies = _cookies(await _login(tcp, site, **{"X-Forwarded-Proto": "https"}))
    session, csrf = cookies["cps_session"], cookies["cps_csrf"]
    for cookie in (session, csrf):
        assert "; secure" in cookie.lower(), cookie
        assert "samesite=lax" in cookie.lower() or "samesite=strict" in cookie.lower()
    assert "httponly" in session.lower()
    tcp.cookies.clear()


async def test_cookies_are_secure_over_https(site: Site) -> None:
    async with httpx.AsyncClient(transport=site.transport,
                                 base_url="https://testserver") as https:
        cookies = _cookies(await _login(https, site))
    assert all("; secure" in c.lower() for c in cookies.values()), cookies


async def test_cookies_over_plain_http_work_on_localhost(tcp: httpx.AsyncClient,
                                                         site: Site) -> None:
    cookies = _cookies(await _login(tcp, site))
    assert "; secure" not in cookies["cps_session"].lower()
    tcp.cookies.clear()


# --- WebSocket handshakes and credentials --------------------------------------------


async def _handshake(site: Site, origin: str | None, **headers: str) -> int:
    try:
        async with connect(site.ws_url, origin=Origin(origin) if origin else None,
                           additional_headers=headers, open_timeout=5):
            return 101
    except InvalidStatus as exc:
        return exc.response.status_code


async def test_a_websocket_from_a_foreign_origin_is_refused_with_403(site: Site) -> None:
    served = site.server.base_url
    assert await _handshake(site, "https://evil.example") == 403
    assert await _handshake(site, "null") == 403
    assert await _handshake(site, served.replace("127.0.0.1", "127.0.0.1.evil.example")) == 403
    assert await _handshake(site, served) == 101
    assert await _handshake(site, None) == 101  # not a browser


async def test_foreign_origin_is_refused_even_with_valid_credentials(
    site: Site, places: dict[str, Any]
) -> None:
    admin: User = places["admin"]
    assert await _handshake(site, "https://evil.example",
                            Authorization=f"Bearer {admin.token}") == 403
    assert await _handshake(site, "https://evil.example", Cookie=f"cps_session={admin.token}") \
        == 403


async def _answers(site: Site, channels: list[str], **headers: str) -> dict[str, str]:
    async with connect(site.ws_url, additional_headers=headers, open_timeout=5) as ws:
        for channel in channels:
            await ws.send(json.dumps({"type": "subscribe", "channel": channel}))
        answers: dict[str, str] = {}
        while len(answers) < len(channels):
            frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
            if frame["type"] == "subscribed":
                answers[frame["channel"]] = "subscribed"
            elif frame["type"] == "error":
                answers[frame["channel"]] = frame["code"]
        return answers


@pytest.mark.parametrize("credentials", ["none", "forged bearer", "forged cookie",
                                          "forged query token", "revoked token"])
async def test_without_valid_credentials_only_public_channels(
    site: Site, places: dict[str, Any], credentials: str
) -> None:
    admin: User = places["admin"]
    headers: dict[str, str] = {}
    if credentials == "forged bearer":
        headers["Authorization"] = "Bearer " + admin.token[:-4] + "AAAA"
    elif credentials == "forged cookie":
        headers["Cookie"] = "cps_session=" + "x" * 43
    elif credentials == "revoked token":
        user = await site.api.user("Leaver")
        await site.api.ok("POST", f"/spaces/{places['private']['id']}/members", admin,
                          {"user_id": user.id}, status=201)
        await site.api.ok("POST", "/auth/logout", user, status=204)
        headers["Authorization"] = f"Bearer {user.token}"
    url_suffix = "?token=not-a-token" if credentials == "forged query token" else ""
    site_url = site.ws_url + url_suffix
    channels = [f"space:{places['space']['id']}", f"topic:{places['topic']['id']}",
                f"space:{places['private']['id']}", f"user:{admin.id}"]
    if credentials in {"forged bearer", "forged query token", "revoked token"}:
        # A token that is not valid is refused outright, as over HTTP.
        with pytest.raises(InvalidStatus) as refused:
            async with connect(site_url, additional_headers=headers, open_timeout=5):
                pass
        assert refused.value.response.status_code == 401
        assert json.loads(refused.value.response.body)["error"]["code"] == "invalid_token"
        return
    async with connect(site_url, additional_headers=headers, open_timeout=5) as ws:
        for channel in channels:
            await ws.send(json.dumps({"type": "subscribe", "channel": channel}))
        answers: dict[str, str] = {}
        while len(answers) < len(channels):
            frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
            if frame["type"] in {"subscribed", "error"}:
                answers[frame["channel"]] = frame.get("code", "subscribed")
    assert answers == {
        channels[0]: "subscribed", channels[1]: "subscribed",
        channels[2]: "not_found", channels[3]: "forbidden",
    }
    # The same channels with the admin's own token: all of them.
    assert set((await _answers(site, channels, Authorization=f"Bearer {admin.token}"))
               .values()) == {"subscribed"}


# --- XSS payloads ---------------------------------------------------------------------

XSS = [
    "<script>alert(1)</script>",
    "<ScRiPt>alert(document.cookie)</sCrIpT>",
    "<script src=https://evil.example/x.js></script>",
    "\"><script>alert(1)</script>",
    "'><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<img src=\"x\" onerror=\"alert('xss')\">",
    "<img src=javascript:alert(1)>",
    "<img/src=x/onerror=alert(1)>",
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><a xlink:href=\"javascript:alert(1)\"><text x=0 y=20>x</text></a></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<body onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "<object data=javascript:alert(1)></object>",
    "<embed src=javascript:alert(1)>",
    "<a href=\"javascript:alert(1)\">click</a>",
    "<a href=\"JaVaScRiPt:alert(1)\">click</a>",
    "<a href=\"&#x6A;avascript:alert(1)\">click</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
    "<a href=\"vbscript:msgbox(1)\">x</a>",
    "[click me](javascript:alert(1))",
    "[click me](JAVASCRIPT:alert(1))",
    "[x](data:text/html,<script>alert(1)</script>)",
    "![x](javascript:alert(1))",
    "![x](x\" onerror=\"alert(1))",
    "[a](https://ok.example \"title\" onmouseover=alert(1))",
    "<div onmouseover=\"alert(1)\">hover me</div>",
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>",
    "<form action=javascript:alert(1)><button>go</button></form>",
    "<button formaction=javascript:alert(1)>go</button>",
    "<style>@import 'https://evil.example/x.css';</style>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<p style=\"width: expression(alert(1))\">x</p>",
    "<link rel=stylesheet href=https://evil.example/x.css>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<base href=\"https://evil.example/\">",
    "<table background=\"javascript:alert(1)\"><tr><td>x</td></tr></table>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>alert(1);//<</script>",
    "<!--<img src=\"--><img src=x onerror=alert(1)//\">",
    "<template><script>alert(1)</script></template>",
    "<isindex type=image src=1 onerror=alert(1)>",
    "{{constructor.constructor('alert(1)')()}}",
    "${alert(1)}",
    "javascript:alert(1)",
    "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "<x onclick=alert(1)>click",
]

SAFE_TAGS = {"p", "br", "hr", "em", "strong", "del", "s", "code", "pre", "blockquote", "ul",
             "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody",
             "tr", "th", "td", "img"}
URL_ATTRIBUTES = {"href", "src"}


class _Inspector(HTMLParser):
    """Collects whatever in rendered HTML could run script."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in SAFE_TAGS:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name in {"style", "srcdoc", "formaction"}:
                self.problems.append(f"attribute {name}")
            if name in URL_ATTRIBUTES and value is not None:
                scheme = re.sub(r"[\s\x00-\x1f]", "", value).split(":", 1)
                if len(scheme) == 2 and scheme[0].lower() not in {"http", "https", "mailto"} \
                        and "/" not in scheme[0]:
                    self.problems.append(f"{name}={value!r}")


def inert(html: str) -> list[str]:
    inspector = _Inspector()
    inspector.feed(html)
    inspector.close()
    return inspector.problems


def test_the_inspector_catches_what_it_must() -> None:
    assert inert("<p>hello <a href=\"https://ok.example\">x</a></p>") == []
    assert inert("<script>alert(1)</script>")
    assert inert("<img src=x onerror=alert(1)>")
    assert inert("<a href=\" java\tscript:alert(1)\">x</a>")
    assert len(XSS) >= 50 and len(set(XSS)) == len(XSS)


@pytest.mark.parametrize("payload", XSS)
async def test_a_payload_comes_back_inert_everywhere_text_goes(
    site: Site, tcp: httpx.AsyncClient, payload: str
) -> None:
    api = site.api
    name = payload[:80].strip()
    # A display name and an organization name: plain strings, returned verbatim.
    r = await site.http.post(f"{PREFIX}/auth/register", json={
        "email": f"xss-{uuid.uuid4().hex}@example.org", "password": "correct horse battery",
        "display_name": name})
    assert r.status_code == 201, r.text
    assert r.json()["user"]["display_name"] == name
    author = await api.user(name)
    # Organization names may not look alike (payloads differing in punctuation do): a number.
    org_name = f"{payload[:190]} #{XSS.index(payload)}"
    org = await api.org(author, org_name)
    assert org["name"] == org_name.strip()
    space = await api.space(author, org["id"], name=payload[:200])
    assert space["name"] == payload[:200].strip()
    # A topic title (plain) and post bodies (markdown, rendered and sanitized).
    topic = await api.topic(author, space["id"], title=payload[:200], body=payload)
    assert topic["title"] == payload[:200].strip()
    post = await api.post(author, topic["id"], payload)
    assert post["body"] == payload
    assert inert(post["html"]) == [], (payload, post["html"])
    thread = (await api.ok("GET", f"/topics/{topic['id']}/posts"))["posts"]
    for p in thread:
        assert inert(p["html"]) == [], (payload, p["html"])
        assert p["author"]["display_name"] == name
    edited = (await api.ok("PATCH", f"/posts/{post['id']}", author,
                           {"body": f"edited {payload}"}))["post"]
    assert inert(edited["html"]) == []
    # The pages are a static shell: they never render what people wrote.
    for page in (f"/topics/{topic['id']}", f"/orgs/{org['id']}", f"/spaces/{space['id']}"):
        html = (await tcp.get(page)).text
        assert payload not in html and name not in html


# --- bodies, frames, floods -----------------------------------------------------------


async def _raw_post(site: Site, headers: dict[str, str], body_pieces: list[bytes],
                    path: str) -> tuple[int, dict[str, Any]]:
    """POST over a raw socket, sending the body piece by piece and stopping as soon
    as the server answers; answers the status and the JSON body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", site.server.port)
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n" + "".join(
        f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    writer.write(head.encode())
    answer = asyncio.ensure_future(reader.read(65536))
    try:
        for piece in body_pieces:
            if answer.done():
                break
            writer.write(piece)
            await writer.drain()
            await asyncio.sleep(0)
        raw = await asyncio.wait_for(answer, 10)
    finally:
        writer.close()
    status_line, _, rest = raw.partition(b"\r\n")
    body = rest.split(b"\r\n\r\n", 1)[1]
    if b"transfer-encoding: chunked" in rest.lower():
        body = body.split(b"\r\n", 1)[1].rsplit(b"\r\n0\r\n", 1)[0]
    return int(status_line.split()[1]), json.loads(body)


async def test_a_body_over_the_limit_is_413_with_or_without_content_length(
    tcp: httpx.AsyncClient, places: dict[str, Any], site: Site
) -> None:
    limit = site.ctx.settings.max_body_bytes
    admin: User = places["admin"]
    path = f"{PREFIX}/topics/{places['topic']['id']}/posts"
    big = json.dumps({"body": "x" * (limit + 10)}).encode()
    pieces = [big[i:i + 64 * 1024] for i in range(0, len(big), 64 * 1024)]
    base = {**admin.auth, "Content-Type": "application/json"}
    # Declared too big: refused before a byte of the body is read.
    status, body = await _raw_post(site, {**base, "Content-Length": str(len(big))}, [], path)
    assert (status, body["error"]["code"]) == (413, "body_too_large")
    # Chunked, no length announced: refused as soon as it passes the limit.
    chunked = [f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in pieces] + [b"0\r\n\r\n"]
    status, body = await _raw_post(site, {**base, "Transfer-Encoding": "chunked"}, chunked,
                                   path)
    assert (status, body["error"]["code"]) == (413, "body_too_large")
    # Nothing was stored, and a normal post still works.
    posts = (await tcp.get(f"{path}?limit=100")).json()["posts"]
    assert all(len(p["body"]) < limit for p in posts)
    ok = await tcp.post(path, json={"body": "small"}, headers=admin.auth)
    assert ok.status_code == 201


async def test_a_websocket_frame_over_64_kib_closes_with_1009(site: Site) -> None:
    limit = site.ctx.settings.ws_max_frame_bytes
    assert limit == 64 * 1024
    async with connect(site.ws_url, max_size=None) as ws:
        await ws.send(json.dumps({"type": "ping", "pad": "x" * (limit - 100)}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "pong"
        await ws.send(json.dumps({"type": "ping", "pad": "x" * (limit + 1)}))
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


async def test_a_flood_of_frames_is_rate_limited_then_cut_off(site: Site) -> None:
    pongs = limited = 0
    code = None
    async with connect(site.ws_url) as ws:
        for _ in range(int(FRAME_BURST * 6)):
            await ws.send('{"type":"ping"}')
        try:
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
                if frame["type"] == "pong":
                    pongs += 1
                elif frame.get("code") == "rate_limited":
                    limited += 1
        except ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd else None
    assert pongs <= FRAME_BURST + 10, pongs
    assert limited > 0
    assert code == 1008
    # Other sockets are not affected.
    async with connect(site.ws_url) as other:
        await other.send('{"type":"ping"}')
        assert json.loads(await asyncio.wait_for(other.recv(), 5))["type"] == "pong"
