"""An outbox row as a MIME message: a text/plain part always, an HTML alternative
when there is one, the row's own headers (List-Unsubscribe...), and a Message-ID
made from the row, so the same email sent twice (a sender that died between the
server's "accepted" and marking it sent) is recognisably one email."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from cps.storage.mail import OutboxMessage

# Headers a row may not set: the sender writes them. A name starting with "_" is the
# row's own note (what a notification email tells of), never a header.
_OWN = {"from", "to", "subject", "date", "message-id", "content-type",
        "content-transfer-encoding", "mime-version"}


def build(row: OutboxMessage, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = row.to_address
    # One line: a topic title or a name may hold a line break, which no header may.
    message["Subject"] = " ".join(row.subject.split())
    message["Date"] = format_datetime(row.created_at)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = f"<cps-mail-{row.id}.{int(row.created_at.timestamp())}@{domain}>"
    for name, value in (row.headers or {}).items():
        if (name.lower() not in _OWN and not name.startswith("_")
                and "\n" not in value and "\r" not in value):
            message[name] = value
    message.set_content(row.text)
    if row.html:
        message.add_alternative(row.html, subtype="html")
    return message
