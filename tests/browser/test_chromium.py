"""The Chromium the browser tests drive (conftest.launch): a window draws no omnibox
pop-up in a WebUI renderer nobody sees headless (a third of Chromium's CPU in these
tests), and the features Playwright disables stay disabled beside them."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.browser.conftest import QUIET_FEATURES, command_line, launch

pytestmark = pytest.mark.browser


def test_a_window_runs_no_hidden_browser_ui(browser: Browser) -> None:
    ctx = browser.new_context()
    try:
        ctx.new_page().goto("data:text/html,<p>Hello</p>")
        targets = browser.new_browser_cdp_session().send("Target.getTargets")["targetInfos"]
    finally:
        ctx.close()
    assert [t["url"] for t in targets if t["type"] != "page"] == []
    assert [t["url"] for t in targets if t["type"] == "page"] == ["data:text/html,<p>Hello</p>"]


def test_one_disable_features_holds_playwrights_and_ours(browser: Browser) -> None:
    b = launch(browser.browser_type, "--enable-automation")
    try:
        line = command_line(b)
    finally:
        b.close()
    # Chromium reads the last one only: there must be one, with both lists in it.
    flags = [arg for arg in line if arg.startswith("--disable-features=")]
    assert len(flags) == 1, flags
    features = set(flags[0].split("=", 1)[1].split(","))
    assert set(QUIET_FEATURES) <= features
    # Among Playwright's own: the one its screenshots and paint timing rely on.
    assert "PaintHolding" in features, features
