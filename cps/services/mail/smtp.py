"""Handing a message to the SMTP server (CPS_SMTP_URL), with the standard library's
smtplib in a worker thread, so the event loop never waits on the network.

`Refused` is the server saying no for good (a 5xx reply): trying again would be
refused again. Anything else (no connection, a timeout, a 4xx) is temporary.
Errors are described without the server's credentials."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

import anyio

from cps.config import SmtpServer

TIMEOUT = 30.0  # seconds for each step of the conversation


class Refused(Exception):
    """The server refused this email for good."""


class Unreachable(Exception):
    """The server could not take the email now; it will be tried again."""


def _send(server: SmtpServer, message: EmailMessage) -> None:
    client: smtplib.SMTP
    if server.security == "tls":
        client = smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT,
                                  context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT)
    with client:
        if server.security == "starttls":
            client.starttls(context=ssl.create_default_context())
        if server.username:
            client.login(server.username, server.password or "")
        client.send_message(message)


def _permanent(error: smtplib.SMTPException) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    code = getattr(error, "smtp_code", None)
    return isinstance(code, int) and code >= 500 and not isinstance(
        error, smtplib.SMTPAuthenticationError)


def _reason(error: smtplib.SMTPException) -> str:
    """What the server said (its codes and words, never our credentials)."""
    replies: list[tuple[int, bytes | str]] = []
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        replies = list(error.recipients.values())
    elif isinstance(error, smtplib.SMTPResponseException):
        replies = [(error.smtp_code, error.smtp_error)]
    said = "; ".join(
        f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
        for code, text in replies)
    return f"{type(error).__name__}: {said}"[:300] if said else type(error).__name__


async def deliver(server: SmtpServer, message: EmailMessage) -> None:
    """Send `message`; `Refused` or `Unreachable` when it was not taken."""
    try:
        await anyio.to_thread.run_sync(_send, server, message)
    except smtplib.SMTPException as error:
        reason = _reason(error)
        if _permanent(error):
            raise Refused(reason) from None
        raise Unreachable(reason) from None
    except (OSError, ssl.SSLError) as error:
        raise Unreachable(f"{type(error).__name__}: {error.strerror or error}") from None
