"""Fixtures of the email tests: a real SMTP server the app sends to."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cps.config import Settings
from cps.services.mail.sender import Sender
from tests.mail.smtp_server import Inbox
from tests.support.settings import make_settings


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    server = Inbox()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def settings(database_url: str, inbox: Inbox) -> Settings:
    """The app sends to `inbox`, and looks for due mail every 50 ms."""
    return make_settings(database_url, CPS_SMTP_URL=inbox.url,
                         CPS_MAIL_FROM="CPS Test <cps@example.org>",
                         CPS_PUBLIC_URL="https://cps.example.org",
                         CPS_MAIL_POLL_SECONDS="0.05")


@pytest.fixture
def mailer(running_app: tuple[Any, dict[str, Any]]) -> Sender:
    sender: Sender = running_app[1]["mailer"]
    return sender
