"""The pages an email leads to, in a browser, against a `cps serve` that sends to a
real SMTP server the test started: a forgotten password reset from the sign-in page
through the emailed link; an address verified by its link; changing the password
and asking for the verification link again on the profile; stopping notification
emails from a link. At 375 and 1280 px, axe-clean, no sideways scroll."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import NAMES, Api, Browsing, assert_axe_clean, screenshot, settle
from tests.mail.smtp_server import Inbox, link_in
from tests.support import databases
from tests.support.api import PASSWORD, User
from tests.support.servers import AppServer
from tests.support.settings import SECRET_KEY

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture(scope="module")
def inbox() -> Iterator[Inbox]:
    server = Inbox()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def mail_server(tmp_path_factory: pytest.TempPathFactory, inbox: Inbox,
                browser: Browser) -> Iterator[AppServer]:
    workdir = tmp_path_factory.mktemp("email-pages")
    app = AppServer(workdir, database_url=f"sqlite:///{workdir / 'cps.db'}",
                    env={"CPS_SMTP_URL": inbox.url, "CPS_MAIL_POLL_SECONDS": "0.1"})
    databases.run_sync(app.start())
    yield app
    app.stop()


@pytest.fixture(scope="module")
def mail_api(mail_server: AppServer) -> Iterator[Api]:
    client = Api(mail_server.base_url, names=NAMES)
    yield client
    client.close()


@pytest.fixture
def pages(browser: Browser, mail_server: AppServer, mail_api: Api) -> Iterator[Browsing]:
    b = Browsing(browser, mail_server, mail_api)
    yield b
    problems = b.close()
    assert problems == [], "\n".join(problems)


def _mail(inbox: Inbox, to: str, subject: str, timeout: float = 10.0) -> EmailMessage:
    deadline = time.monotonic() + timeout
    while not (found := inbox.matching(to=to, subject=subject)):
        assert time.monotonic() < deadline, f"no email to {to} about {subject!r}"
        time.sleep(0.05)
    return found[-1]


def _fits(page: Page) -> None:
    viewport = page.viewport_size
    assert viewport is not None
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"] + 1


def _path(link: str) -> str:
    """The emailed link on the test's server (CPS_PUBLIC_URL defaults to localhost)."""
    parts = urlsplit(link)
    return parts.path + (f"?{parts.query}" if parts.query else "") + (
        f"#{parts.fragment}" if parts.fragment else "")


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_a_forgotten_password_is_reset_from_the_sign_in_page(
        pages: Browsing, mail_api: Api, inbox: Inbox, width: str) -> None:
    user = mail_api.user("Hana Forgetful")
    page, watch = pages.page(width=width)
    page.goto("/login")
    settle(page)
    page.get_by_role("link", name="Forgot your password?").click()
    settle(page)
    expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()
    page.get_by_label("Your account's email").fill(user.email)
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("status")).to_contain_text("on its way")
    _fits(page)
    assert_axe_clean(page)
    screenshot(page, f"reset-request-{width}")

    link = link_in(_mail(inbox, user.email, "Reset your CPS password"), "/reset-password")
    page.goto("/")  # the link opens as a new page does, not as a jump within this one
    page.goto(_path(link))
    settle(page)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    _fits(page)
    assert_axe_clean(page)
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set the new password").click()
    expect(page.get_by_role("heading", name="Your password is changed")).to_be_visible()
    assert "token" not in page.url
    assert_axe_clean(page)
    screenshot(page, f"reset-done-{width}")
    assert mail_api.login(user.email, NEW_PASSWORD).id == user.id

    # The same link again: refused in words, with the way to a new one.
    page.goto("/")
    page.goto(_path(link))
    settle(page)
    page.get_by_label("New password").fill("yet another passphrase")
    watch.expect_console("status of 422")
    page.get_by_role("button", name="Set the new password").click()
    expect(page.get_by_role("alert")).to_contain_text("already used")
    expect(page.get_by_role("link", name="Ask for a new one")).to_be_visible()


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_the_profile_changes_the_password_and_verifies_the_address(
        pages: Browsing, mail_api: Api, inbox: Inbox, width: str) -> None:
    user = mail_api.user("Joon Careful")
    page, _ = pages.page(width=width, user=user)
    page.goto("/profile")
    settle(page)
    card = page.get_by_role("region", name="Password and email")
    expect(card).to_contain_text("not verified yet")
    card.get_by_role("button", name="Email me the link again").click()
    expect(card.get_by_role("status").first).to_contain_text("on its way")
    card.get_by_label("Current password").fill(PASSWORD)
    card.get_by_label("New password").fill(NEW_PASSWORD)
    card.get_by_role("button", name="Change password").click()
    expect(card).to_contain_text("Password changed")
    _fits(page)
    assert_axe_clean(page)
    screenshot(page, f"profile-password-{width}")

    link = link_in(_mail(inbox, user.email, "Confirm your email address"), "/verify-email")
    page.goto(_path(link))
    settle(page)
    expect(page.get_by_text("your email address is verified")).to_be_visible()
    assert_axe_clean(page)
    page.goto("/profile")
    settle(page)
    expect(page.get_by_role("region", name="Password and email")).not_to_contain_text(
        "not verified")


def _unsubscribe_token(server: AppServer, user: User) -> str:
    """A token as a notification email carries (made here: ten minutes is long to wait)."""
    token = secrets.token_urlsafe(32)
    digest = hmac.new(SECRET_KEY.encode(), f"unsubscribe:{token}".encode(),
                      hashlib.sha256).hexdigest()
    now = datetime.now(UTC).replace(tzinfo=None)
    with sqlite3.connect(Path(server.workdir) / "cps.db") as db:
        db.execute("INSERT INTO mail_tokens (purpose, token_hash, user_id, created_at, "
                   "expires_at) VALUES ('unsubscribe', ?, ?, ?, ?)",
                   (digest, user.id, now.isoformat(" "), (now + timedelta(days=1)).isoformat(" ")))
    return token


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_a_link_from_an_email_stops_notification_emails(
        pages: Browsing, mail_server: AppServer, mail_api: Api, width: str) -> None:
    user = mail_api.user("Min Quiet")
    page, _ = pages.page(width=width)
    page.goto(f"/unsubscribe?token={_unsubscribe_token(mail_server, user)}")
    settle(page)
    expect(page.get_by_role("heading", name="Stop notification emails")).to_be_visible()
    _fits(page)
    assert_axe_clean(page)
    page.get_by_role("button", name="Stop notification emails").click()
    expect(page.get_by_text("Done: no more notification emails")).to_be_visible()
    assert_axe_clean(page)
    screenshot(page, f"unsubscribe-{width}")
    assert mail_api.ok("GET", "/me/preferences", user)["email"] == "off"
