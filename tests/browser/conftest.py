"""Browser tests: a real `cps serve` process on a temporary SQLite database,
driven through Debian's Chromium by Playwright (never `playwright install`).

Every page a test opens is watched: a console error, an uncaught exception or
a Content-Security-Policy violation fails the test unless the test says it
expects that exact console message."""

from __future__ import annotations

import functools
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    ViewportSize,
    sync_playwright,
)

CHROMIUM = os.environ.get("CPS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "tests" / "screenshots"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
PASSWORD = "correct horse battery"
ADMIN_EMAIL = "secretariat@example.org"
WIDTHS: dict[str, ViewportSize] = {
    "phone": {"width": 375, "height": 812},
    "desktop": {"width": 1280, "height": 900},
}

_n = itertools.count(1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    base_url: str
    process: subprocess.Popen[bytes]
    log: Path


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not Path(CHROMIUM).exists():
        # CI installs it (.ci/run); there a missing browser is a failure, not a skip.
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    workdir = tmp_path_factory.mktemp("browser-server")
    env = {
        **os.environ,
        "CPS_DATABASE_URL": f"sqlite:///{workdir / 'cps.db'}",
        "CPS_PASSWORD_PROFILE": "test",
        "CPS_SECRET_KEY": "browser-test-secret-key-0123456789",
        "CPS_RATE_LIMITS": "off",
    }
    subprocess.run(
        [sys.executable, "-m", "cps", "create-admin", "--email", ADMIN_EMAIL,
         "--password", PASSWORD],
        cwd=workdir, env=env, check=True, capture_output=True, timeout=60,
    )
    port = _free_port()
    log = workdir / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "cps", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base_url}/readyz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"cps serve did not start:\n{log.read_text()}")
        time.sleep(0.1)
    yield Server(base_url, process, log)
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


# ---- the API, for setting up what a test is not about -----------------------


@dataclass
class User:
    id: int
    email: str
    display_name: str
    token: str


class Api:
    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=f"{base_url}/api/v1", timeout=10)

    def call(self, method: str, path: str, user: User | None = None, json: Any = None,
             status: int | None = None) -> Any:
        headers = {"Authorization": f"Bearer {user.token}"} if user else {}
        r = self.http.request(method, path, json=json, headers=headers)
        expected = status or (201 if method == "POST" and r.status_code == 201 else 200)
        assert r.status_code in (expected, 204), (method, path, r.status_code, r.text)
        return r.json() if r.content else None

    def login(self, email: str, password: str = PASSWORD) -> User:
        r = self.http.post("/auth/login", json={"email": email, "password": password})
        assert r.status_code == 200, r.text
        self.http.cookies.clear()
        body = r.json()
        return User(body["user"]["id"], email, body["user"]["display_name"], body["token"])

    def user(self, name: str | None = None, stakeholder_type: str = "citizen") -> User:
        n = next(_n)
        name = name or f"Person {n}"
        email = f"person{n}-{time.monotonic_ns()}@example.org"
        r = self.http.post("/auth/register", json={
            "email": email, "password": PASSWORD, "display_name": name,
            "stakeholder_type": stakeholder_type})
        assert r.status_code == 201, r.text
        return self.login(email)

    def admin(self) -> User:
        return self.login(ADMIN_EMAIL)

    def org(self, admin: User, name: str = "City of Seoul", country: str = "Korea",
            region: str = "") -> Any:
        return self.call("POST", "/orgs", admin,
                         {"name": name, "kind": "local_government", "country": country,
                          "region": region})["org"]

    def space(self, admin: User, org_id: int, name: str = "Mobility",
              visibility: str = "public") -> Any:
        return self.call("POST", f"/orgs/{org_id}/spaces", admin,
                         {"name": name, "description": "Buses, bikes and walking",
                          "visibility": visibility})["space"]

    def topic(self, user: User, space_id: int, title: str = "Where should bike lanes go?",
              body: str = "Tell us which streets need them first.") -> Any:
        return self.call("POST", f"/spaces/{space_id}/topics", user,
                         {"title": title, "body": body})["topic"]

    def post(self, user: User, topic_id: int, body: str, parent_id: int | None = None) -> Any:
        payload: dict[str, Any] = {"body": body}
        if parent_id is not None:
            payload["parent_id"] = parent_id
        return self.call("POST", f"/topics/{topic_id}/posts", user, payload)["post"]

    def posts(self, topic_id: int, user: User | None = None) -> list[Any]:
        return list(self.call("GET", f"/topics/{topic_id}/posts", user)["posts"])

    def world(self) -> dict[str, Any]:
        admin = self.user("Mina Park", "government")
        org = self.org(admin, f"City of Seoul {next(_n)}")
        space = self.space(admin, org["id"])
        topic = self.topic(admin, space["id"])
        return {"admin": admin, "org": org, "space": space, "topic": topic,
                "first_post": self.posts(topic["id"])[0]}


@pytest.fixture(scope="package")
def api(server: Server) -> Iterator[Api]:
    client = Api(server.base_url)
    yield client
    client.http.close()


# ---- the browser -------------------------------------------------------------


@pytest.fixture(scope="package")
def browser(server: Server) -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@dataclass
class Watch:
    """What went wrong on the pages of one context."""

    errors: list[str] = field(default_factory=list)
    expected: list[str] = field(default_factory=list)

    def expect_console(self, fragment: str) -> None:
        """A console error containing `fragment` is part of what the test checks."""
        self.expected.append(fragment)

    def on_console(self, msg: ConsoleMessage) -> None:
        if msg.type not in ("error", "warning"):
            return
        text = msg.text
        if msg.type == "warning" and "Content Security Policy" not in text:
            return
        if any(fragment in text for fragment in self.expected):
            return
        self.errors.append(f"console {msg.type}: {text} ({msg.location.get('url', '')})")


CSP_PROBE = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


class Browsing:
    """Opens watched browser contexts and pages, signed in or not."""

    def __init__(self, browser: Browser, server: Server, api: Api) -> None:
        self.browser = browser
        self.server = server
        self.api = api
        self.contexts: list[tuple[BrowserContext, Watch]] = []

    def context(self, width: str = "desktop", color_scheme: str = "light",
                user: User | None = None) -> tuple[BrowserContext, Watch]:
        ctx = self.browser.new_context(
            base_url=self.server.base_url, viewport=WIDTHS[width],
            color_scheme=color_scheme,  # type: ignore[arg-type]
            reduced_motion="reduce",
        )
        ctx.set_default_timeout(10_000)
        ctx.add_init_script(CSP_PROBE)
        watch = Watch()

        def attach(page: Page) -> None:
            page.on("console", watch.on_console)
            page.on("pageerror", lambda exc: watch.errors.append(f"uncaught: {exc}"))

        ctx.on("page", attach)
        if user is not None:
            self.sign_in(ctx, user)
        self.contexts.append((ctx, watch))
        return ctx, watch

    def page(self, width: str = "desktop", color_scheme: str = "light",
             user: User | None = None) -> tuple[Page, Watch]:
        ctx, watch = self.context(width, color_scheme, user)
        return ctx.new_page(), watch

    def sign_in(self, ctx: BrowserContext, user: User) -> None:
        """The session cookie, the way the login form gets it."""
        r = ctx.request.post("/api/v1/auth/login",
                             data={"email": user.email, "password": PASSWORD})
        assert r.ok, r.text()

    def close(self) -> list[str]:
        problems: list[str] = []
        for ctx, watch in self.contexts:
            for page in ctx.pages:
                try:
                    violations = page.evaluate("window.__cspViolations || []")
                except Exception:  # a closed page has nothing more to say
                    violations = []
                problems.extend(f"CSP violation: {v}" for v in violations)
            problems.extend(watch.errors)
            ctx.close()
        return problems


@pytest.fixture
def browsing(browser: Browser, server: Server, api: Api) -> Iterator[Browsing]:
    b = Browsing(browser, server, api)
    yield b
    problems = b.close()
    assert problems == [], "\n".join(problems)


# ---- accessibility and screenshots -----------------------------------------------


@functools.cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8") + "\n;void 0;"


def axe_violations(page: Page, only: list[str] | None = None) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now
    (every rule, or `only` those)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Not add_script_tag: the page's CSP (rightly) refuses inline scripts.
        # Evaluating through the DevTools protocol is outside the page's CSP.
        page.evaluate(_axe_source())
    result = page.evaluate(
        """async (only) => {
            const options = {resultTypes: ['violations']};
            if (only) options.runOnly = {type: 'rule', values: only};
            const r = await axe.run(document, options);
            return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
              .map(v => ({id: v.id, impact: v.impact, help: v.help,
                          nodes: v.nodes.slice(0, 5)
                            .map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}));
        }""",
        only,
    )
    return list(result)


def assert_accessible(page: Page, only: list[str] | None = None) -> None:
    violations = axe_violations(page, only)
    assert violations == [], json.dumps(violations, indent=1)


def screenshot(page: Page, name: str, *, full_page: bool = True) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def settle(page: Page) -> None:
    """Wait until the page has rendered (the shell drops aria-busy when done)."""
    page.wait_for_selector("main#main:not([aria-busy])", state="attached")


@pytest.fixture(scope="package", autouse=True)
def _clean_screenshots() -> None:
    if SCREENSHOTS.exists():
        shutil.rmtree(SCREENSHOTS, ignore_errors=True)



def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives the web front end in headless Chromium")
