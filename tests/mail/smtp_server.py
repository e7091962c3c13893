"""A real SMTP server for the tests (aiosmtpd), keeping what it received.

`Inbox.start()` listens on its port (chosen once, so a test can stop the server and
start it again on the same port, as a mail server that went down and came back);
`messages` are what it accepted, parsed; `wait_for(n)` waits until it has `n`."""

from __future__ import annotations

import asyncio
import re
import socket
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Inbox:
    def __init__(self, *, refuse: set[str] | None = None,
                 login: tuple[str, str] | None = None) -> None:
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.logins: list[tuple[str, str]] = []
        self.refuse = refuse or set()
        self.login = login
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    # aiosmtpd's handler hooks.

    async def handle_RCPT(self, server: Any, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        parsed = message_from_bytes(content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        self.envelopes.append((str(envelope.mail_from), list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def _authenticate(self, server: Any, session: Session, envelope: Envelope,
                      mechanism: str, auth_data: Any) -> AuthResult:
        if not isinstance(auth_data, LoginPassword) or self.login is None:
            return AuthResult(success=False, handled=False)
        given = (auth_data.login.decode(), auth_data.password.decode())
        self.logins.append(given)
        return AuthResult(success=given == self.login)

    def start(self) -> None:
        kwargs: dict[str, Any] = {}
        if self.login is not None:
            kwargs = {"authenticator": self._authenticate, "auth_require_tls": False}
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, **kwargs)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            assert time.monotonic() < deadline, (
                f"{len(self.messages)} emails received, {count} expected")
            await asyncio.sleep(0.02)
        return self.messages


    def matching(self, *, to: str | None = None, subject: str | None = None
                 ) -> list[EmailMessage]:
        """What came to `to` with a subject starting `subject` (either may be None)."""
        return [m for m in self.messages
                if (to is None or m["To"] == to)
                and (subject is None or str(m["Subject"]).startswith(subject))]

    async def wait_for_mail(self, *, to: str | None = None, subject: str | None = None,
                            timeout: float = 10.0) -> EmailMessage:
        """The first email to `to` whose subject starts with `subject`, once it came."""
        deadline = time.monotonic() + timeout
        while not (found := self.matching(to=to, subject=subject)):
            assert time.monotonic() < deadline, f"no email to {to} about {subject!r}"
            await asyncio.sleep(0.02)
        return found[0]


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "no text/plain part"
    content = part.get_content()
    assert isinstance(content, str)
    return content.replace("\r\n", "\n")


def html_of(message: EmailMessage) -> str | None:
    part = message.get_body(preferencelist=("html",))
    if part is None:
        return None
    content = part.get_content()
    assert isinstance(content, str)
    return content


def link_in(message: EmailMessage, path: str) -> str:
    """The first link to `path` in the text part."""
    found = re.search(r"https?://\S*" + re.escape(path) + r"\S*", text_of(message))
    assert found, f"no link to {path} in {text_of(message)!r}"
    return found.group(0)


def token_in(link: str) -> str:
    found = re.search(r"[#?&]token=([^&#\s]+)", link)
    assert found, link
    return found.group(1)
