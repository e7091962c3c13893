"""Browser tests: a real `cps serve` process (tests/support) on a temporary SQLite database,
driven through Debian's Chromium by Playwright (never `playwright install`).

Every page a test opens is watched: a console error, an uncaught exception or
a Content-Security-Policy violation fails the test unless the test says it
expects that exact console message."""

from __future__ import annotations

import fcntl
import functools
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    BrowserType,
    ConsoleMessage,
    Locator,
    Page,
    ViewportSize,
    sync_playwright,
)

from tests.support import databases
from tests.support.api import PASSWORD, User
from tests.support.blocking import BlockingApi
from tests.support.servers import AppServer
from tests.support.world import Names

__all__ = ["AXE", "PASSWORD", "Api", "Browsing", "User", "assert_accessible", "main_nav",
           "screenshot", "settle"]

CHROMIUM = os.environ.get("CPS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
# Chromium 156 gives every window (each browser context is one) two omnibox pop-ups,
# drawn in WebUI renderers of their own (chrome://omnibox-popup.top-chrome/), which
# nobody sees headless: they were a third of Chromium's CPU in the browser tests
# (2026-12-07, test_frictions: 89 CPU-seconds with them, 60 without).
QUIET_FEATURES = ("WebUIOmniboxPopup", "WebUIOmniboxAimPopup")
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "tests" / "screenshots"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
ADMIN_EMAIL = "secretariat@example.org"
WIDTHS: dict[str, ViewportSize] = {
    "phone": {"width": 375, "height": 812},
    "desktop": {"width": 1280, "height": 900},
}


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """`cps serve` (tests/support/servers.py) on a SQLite file, with a platform admin
    made by `cps create-admin` before it starts."""
    if not Path(CHROMIUM).exists():
        # CI installs it (.ci/run); there a missing browser is a failure, not a skip.
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    workdir = tmp_path_factory.mktemp("browser-server")
    app = AppServer(workdir, database_url=f"sqlite:///{workdir / 'cps.db'}")
    app.create_admin(ADMIN_EMAIL)
    databases.run_sync(app.start())
    yield app
    app.stop()


# ---- the API, for setting up what a test is not about -----------------------

# What the worlds' people and things are called on the pages (and in the screenshots).
NAMES = Names(admin="Mina Park", admin_type="government",
              description="Buses, bikes and walking", title="Where should bike lanes go?",
              body="Tell us which streets need them first.")


class Api(BlockingApi):
    """The API client of tests/support, answering synchronously, and the browser
    server's platform admin."""

    def admin(self) -> User:
        return self.login(ADMIN_EMAIL)


@pytest.fixture(scope="package")
def api(server: AppServer) -> Iterator[Api]:
    client = Api(server.base_url, names=NAMES)
    yield client
    client.close()


# ---- the browser -------------------------------------------------------------


@pytest.fixture(scope="package")
def browser(server: AppServer) -> Iterator[Browser]:
    with sync_playwright() as p:
        b = launch(p.chromium)
        yield b
        b.close()


def launch(chromium: BrowserType, *extra: str) -> Browser:
    """Chromium with CHROMIUM_ARGS (and `extra`), and QUIET_FEATURES disabled beside
    the features Playwright disables. Chromium reads only the last
    `--disable-features`, so the two lists are merged into one: Playwright's is read
    from the command line of a first launch."""
    probe = chromium.launch(executable_path=CHROMIUM, headless=True,
                            args=[*CHROMIUM_ARGS, "--enable-automation"])
    try:
        theirs = [arg for arg in command_line(probe) if arg.startswith("--disable-features=")]
    finally:
        probe.close()
    features = [f for arg in theirs for f in arg.split("=", 1)[1].split(",") if f]
    merged = ",".join(dict.fromkeys([*features, *QUIET_FEATURES]))
    return chromium.launch(executable_path=CHROMIUM, headless=True,
                           args=[*CHROMIUM_ARGS, *extra, f"--disable-features={merged}"],
                           ignore_default_args=theirs)


def command_line(b: Browser) -> list[str]:
    """The browser process's arguments (it tells only when started with
    `--enable-automation`)."""
    line: list[str] = b.new_browser_cdp_session().send(
        "Browser.getBrowserCommandLine")["arguments"]
    return line


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

    def __init__(self, browser: Browser, server: AppServer, api: Api) -> None:
        self.browser = browser
        self.server = server
        self.api = api
        self.contexts: list[tuple[BrowserContext, Watch]] = []

    def context(self, width: str = "desktop", color_scheme: str = "light",
                user: User | None = None, locale: str | None = None,
                touch: bool = False) -> tuple[BrowserContext, Watch]:
        """`locale` ("ko"): the browser's language (Accept-Language, navigator.languages);
        `touch`: a touch screen (`locator.tap()`)."""
        ctx = self.browser.new_context(
            base_url=self.server.base_url, viewport=WIDTHS[width],
            color_scheme=color_scheme,  # type: ignore[arg-type]
            reduced_motion="reduce", locale=locale, has_touch=touch,
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
             user: User | None = None, locale: str | None = None,
             touch: bool = False) -> tuple[Page, Watch]:
        ctx, watch = self.context(width, color_scheme, user, locale, touch)
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
                    problems.extend(csp_violations(page))
                except Exception:  # a closed page has nothing more to say
                    pass
            problems.extend(watch.errors)
            ctx.close()
        return problems


def csp_violations(page: Page) -> list[str]:
    """The CSP violations `page` recorded (CSP_PROBE) since last asked: taken, so they
    are told once."""
    return [f"CSP violation: {v}" for v in
            page.evaluate("window.__cspViolations ? window.__cspViolations.splice(0) : []")]


@pytest.fixture
def browsing(browser: Browser, server: AppServer, api: Api) -> Iterator[Browsing]:
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


def assert_axe_clean(page: Page) -> None:
    """No axe-core violation of any impact, minor and moderate included."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    violations: list[dict[str, Any]] = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .map(v => ({id: v.id, impact: v.impact,
                        nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}))""")
    assert violations == [], json.dumps(violations, indent=1)


def screenshot(page: Page, name: str, *, full_page: bool = True) -> None:
    """The page as a person sees it, into tests/screenshots/NAME.png, for the people
    who change the front end to look at (`CPS_SCREENSHOTS=1`). No test reads them:
    left off, the browser tests take a sixth less of Chromium's time (2026-12-07:
    test_pages and test_frictions, 153 CPU-seconds with screenshots, 125 without)."""
    if os.environ.get("CPS_SCREENSHOTS", "") in ("", "0"):
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def main_nav(page: Page) -> Locator:
    """The main navigation, unfolded: on a phone, a signed-in person's header folds it
    behind its menu button (web/static/nav-menu.js)."""
    toggle = page.locator(".site-header .nav-toggle")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false":
        toggle.click()
    return page.get_by_role("navigation", name="Main")


def settle(page: Page) -> None:
    """Wait until the page has rendered (index.html's main starts aria-busy, and the
    shell drops it when the page is drawn)."""
    page.wait_for_selector("main#main:not([aria-busy])", state="attached")


@pytest.fixture(scope="package", autouse=True)
def _clean_screenshots(request: pytest.FixtureRequest) -> None:
    """Last run's screenshots go before this run's first (with screenshots off too, so
    none are left that show an older front end): once per run, whichever
    worker comes first (`-n 3` runs three of these packages; the run's id, the same in
    all, marks the folder as cleaned, under a lock)."""
    workerinput = getattr(request.config, "workerinput", None)
    run = workerinput["testrunuid"] if workerinput else uuid.uuid4().hex
    SCREENSHOTS.parent.mkdir(parents=True, exist_ok=True)
    with open(SCREENSHOTS.parent / ".screenshots.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        marker = SCREENSHOTS / f".run-{run}"
        if not marker.exists():
            shutil.rmtree(SCREENSHOTS, ignore_errors=True)
            SCREENSHOTS.mkdir()
            marker.touch()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives the web front end in headless Chromium")
