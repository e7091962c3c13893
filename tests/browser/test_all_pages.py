"""Every page at 375 px and 1280 px, light and dark (issue 17): axe-core with no
violation of any impact, no page wider than its viewport, at most 6 API requests
whatever the number of organizations and spaces, and (CPS_SCREENSHOTS=1) a screenshot
of each kept in tests/screenshots."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Request, expect

from tests.browser.conftest import (
    Api,
    Browsing,
    Watch,
    assert_axe_clean,
    csp_violations,
    screenshot,
    settle,
)
from tests.support.servers import AppServer

pytestmark = pytest.mark.browser

MAX_API_REQUESTS = 6
CITIES = 8  # each with two spaces: the request count must not grow with them


@pytest.fixture(scope="module")
def site(api: Api) -> Iterator[dict[str, Any]]:
    """Many organizations with spaces and topics, a premium one with a moderator."""
    root = api.admin()
    w = api.world()
    org_id = w["org"]["id"]
    api.ok("POST", f"/admin/orgs/{org_id}/tier", root, {"tier": "premium", "reason": "Paid"})
    for n in range(CITIES):
        mayor = api.user(f"Mayor Kim {n}")
        org = api.org(mayor, f"City of Gwangju {n}")
        for name in ("Parks", "Transit"):
            space = api.ok("POST", f"/orgs/{org['id']}/spaces", mayor,
                           {"name": name, "description": f"{name} in the city",
                            "visibility": "public"})["space"]
            api.ok("POST", f"/spaces/{space['id']}/topics", mayor,
                   {"title": f"{name} plan {n}", "body": "What should come first?"})
    # The thread has replies, one in markdown, one nested under it.
    reply = api.post(w["admin"], w["topic"]["id"], "A reply with **markdown**", w["first_post"]["id"])
    api.post(w["admin"], w["topic"]["id"], "A reply to the reply", reply["id"])
    handle = api.ok("GET", "/me", w["citizen"])["user"]["handle"]
    # A question reads its history too: still within the limit.
    question = api.ok("POST", f"/spaces/{w['space']['id']}/topics", w["citizen"],
                      {"title": "When do the night buses start?", "body": "Asking for the city.",
                       "kind": "question"})["topic"]
    yield {**w, "root": root, "handle": handle, "question": question}


def _pages(site: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(name, path, who): who is "anyone", "citizen", "admin" (the org's) or "root"."""
    org, space, topic = site["org"]["id"], site["space"]["id"], site["topic"]["id"]
    return [
        ("home", "/", "anyone"),
        ("org", f"/orgs/{org}", "admin"),
        ("space", f"/spaces/{space}", "citizen"),
        ("topic", f"/topics/{topic}", "citizen"),
        ("question", f"/topics/{site['question']['id']}", "citizen"),
        ("login", "/login", "anyone"),
        ("signup", "/signup", "anyone"),
        ("profile", "/profile", "citizen"),
        ("moderation", "/moderation", "admin"),
        ("admin", "/admin", "root"),
        ("analytics", f"/orgs/{org}?view=analytics", "admin"),
        ("responsiveness", "/responsiveness", "anyone"),
        ("org-responsiveness", f"/orgs/{org}?view=responsiveness", "anyone"),
        ("space-responsiveness", f"/spaces/{space}?view=responsiveness", "citizen"),
        ("notifications", "/notifications", "citizen"),
        ("search", "/search?q=bike", "anyone"),
        ("plans", "/plans", "admin"),
        ("person", f"/u/{site['handle']}", "anyone"),
        ("not-found", "/topics/987654", "citizen"),
    ]


class Tabs:
    """One tab per reader, width and scheme, kept for the module and sent from page to
    page. Each page is a full load (the app starts again; the front end keeps nothing
    in the browser but its cookie), so a tab checks what a new one would, without
    Chromium starting a renderer and the reader signing in for each of the 76 pages
    (most of this module's time, with a new context per page)."""

    def __init__(self, browsing: Browsing, site: dict[str, Any]) -> None:
        self.browsing = browsing
        self.site = site
        self.tabs: dict[tuple[str, str, str], tuple[Page, Watch, list[str]]] = {}
        self.last: dict[tuple[str, str, str], str] = {}  # the path each tab showed last

    def _tab(self, key: tuple[str, str, str]) -> tuple[Page, Watch, list[str]]:
        if key not in self.tabs:
            who, width, scheme = key
            user = {"anyone": None, "citizen": self.site["citizen"], "admin": self.site["admin"],
                    "root": self.site["root"]}[who]
            page, watch = self.browsing.page(width, scheme, user=user)
            calls: list[str] = []

            def count(request: Request) -> None:
                if "/api/" in request.url:
                    calls.append(request.url.split("/api/v1", 1)[-1])

            page.on("request", count)
            self.tabs[key] = (page, watch, calls)
        return self.tabs[key]

    @staticmethod
    def _said(page: Page, watch: Watch) -> list[str]:
        """The console errors and CSP violations of the tab since last asked (taken)."""
        said = csp_violations(page) + watch.errors
        watch.errors.clear()
        return said

    @contextmanager
    def visit(self, who: str, width: str, scheme: str, path: str
              ) -> Iterator[tuple[Page, Watch, list[str]]]:
        """The tab, its watch and the API requests it makes from now on, for one page:
        what the page says in the console or breaks of the CSP fails it, whether its
        checks passed or not, and what it said after (late) fails the next."""
        key = (who, width, scheme)
        page, watch, calls = self._tab(key)
        late = self._said(page, watch)
        assert late == [], f"{self.last[key]}, after its test: {late}"
        self.last[key] = path
        watch.expected.clear()
        calls.clear()
        try:
            yield page, watch, calls
        finally:
            said = self._said(page, watch)
            if said:
                raise AssertionError(f"{path}: " + "\n".join(said))


@pytest.fixture(scope="module")
def tabs(browser: Browser, server: AppServer, api: Api, site: dict[str, Any]) -> Iterator[Tabs]:
    browsing = Browsing(browser, server, api)
    yield Tabs(browsing, site)
    problems = browsing.close()  # what the tabs' last pages said after their tests
    assert problems == [], "\n".join(problems)


PAGES = ["home", "org", "space", "topic", "question", "login", "signup", "profile", "moderation",
         "admin", "analytics", "responsiveness", "org-responsiveness", "space-responsiveness",
         "notifications", "search", "plans", "person", "not-found"]


@pytest.mark.parametrize("width", ["phone", "desktop"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", PAGES)
def test_the_page_is_clean_fits_and_asks_little(
    tabs: Tabs, site: dict[str, Any], name: str, width: str, scheme: str
) -> None:
    [(path, who)] = [(path, who) for n, path, who in _pages(site) if n == name]
    with tabs.visit(who, width, scheme, path) as (page, watch, calls):
        if name == "not-found":
            watch.expect_console("status of 404")  # the page asks for a topic that is not there
        page.goto(path)
        settle(page)
        drawn = time.monotonic()
        expect(page.locator("main h1")).to_be_visible()
        if who != "anyone":  # the bell's count is drawn, so axe and the screenshot see it
            page.wait_for_selector(".site-header .bell[data-unread]", state="attached")
        screenshot(page, f"all-{name}-{width}-{scheme}")
        problems: list[str] = []
        viewport = page.viewport_size["width"]  # type: ignore[index]
        wide = page.evaluate("document.documentElement.scrollWidth")
        if wide > viewport:
            culprits = page.evaluate("""() => [...document.querySelectorAll('main *')]
                .filter((e) => e.getBoundingClientRect().right > innerWidth + 1)
                .slice(0, 4).map((e) => `${e.tagName.toLowerCase()}.${e.className.baseVal ?? e.className}`)""")
            problems.append(f"{wide} px wide in {viewport} px: {culprits}")
        try:
            assert_axe_clean(page)
        except AssertionError as exc:
            problems.append(f"axe {exc}")
        # What a page asks once drawn (the bell's count) counts too: half a second of it.
        page.wait_for_timeout(max(0.0, 0.5 - (time.monotonic() - drawn)) * 1000)
        if len(calls) > MAX_API_REQUESTS:
            problems.append(f"{len(calls)} API requests (at most {MAX_API_REQUESTS}): {calls}")
        assert problems == [], "\n".join(problems)
