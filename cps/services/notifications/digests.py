"""Digests: once a day or once a week (the person's choice; weekly by default), one
email of what they have not read, grouped by space and by topic, newest first.

When: every day at `HOUR`:00 UTC (daily), every Monday at `HOUR`:00 UTC (weekly).
`slot(now, rhythm)` is the latest such moment; the job (in the mail sender's loop)
queues each person's digest for the latest slot once (`dedupe_key`
`digest:{user}:{rhythm}:{date}`), whichever process runs it and however often.
Who: those whose email mode is `digest` with the rhythm, and an unread notification
changed in the period before the slot. What: their unread notifications changed
since the previous digest (one period before the slot; back to the last digest they
were sent, at most `CATCH_UP` periods, when a server that was away missed slots), by
the same rule as the immediate email: the
kinds they kept email on, and only what they may see when the digest is queued
(`emails.mailable`): never a post since hidden or deleted, never a space they can
no longer read. Nothing to tell: no email.
"""

from __future__ import annotations

import html
import logging
from datetime import UTC, datetime, timedelta
from typing import Literal

from babel.dates import format_date, format_time
from sqlalchemy import String, cast, exists, func, literal, select, update

from cps.services.context import Context
from cps.services.languages.catalogues import gettext_in, ngettext_in
from cps.services.languages.locales import DEFAULT
from cps.services.mail import outbox
from cps.services.notifications import emails
from cps.storage.database import Transaction
from cps.storage.mail import OutboxMessage
from cps.storage.notifications import Notification, NotificationPreference
from cps.storage.types import utcnow

log = logging.getLogger("cps.mail")

Rhythm = Literal["daily", "weekly"]
RHYTHMS: tuple[Rhythm, ...] = ("daily", "weekly")
HOUR = 7  # UTC
WEEKDAY = 0  # Monday
PERIOD: dict[Rhythm, timedelta] = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
CATCH_UP = 4  # periods a late digest reaches back, at most
ITEMS_MAX = 100  # notifications listed in one digest (the rest are counted)
IDS_MAX = 1000  # notifications a digest re-checks when it is sent
META_SINCE = "_since"
META_RHYTHM = "_rhythm"


def slot(now: datetime, rhythm: Rhythm) -> datetime:
    """The latest moment at or before `now` when `rhythm`'s digest is due."""
    day = now.astimezone(UTC).replace(hour=HOUR, minute=0, second=0, microsecond=0)
    if rhythm == "daily":
        return day if day <= now else day - timedelta(days=1)
    monday = day - timedelta(days=(day.weekday() - WEEKDAY) % 7)
    return monday if monday <= now else monday - timedelta(days=7)


def _key(user_id: int, rhythm: Rhythm, at: datetime) -> str:
    return f"digest:{user_id}:{rhythm}:{at:%Y-%m-%d}"


async def _since(tx: Transaction, user_id: int, rhythm: Rhythm, at: datetime) -> datetime:
    """Where this digest starts: one period back, or the last digest's slot when the
    server missed some (at most `CATCH_UP` periods back)."""
    start = at - PERIOD[rhythm]
    last = await tx.session.scalar(
        select(OutboxMessage.dedupe_key)
        .where(OutboxMessage.user_id == user_id, OutboxMessage.kind == "digest")
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(1))
    if last is None:
        return start
    try:
        previous = datetime.strptime(last.rsplit(":", 1)[1], "%Y-%m-%d").replace(
            hour=HOUR, tzinfo=UTC)
    except ValueError:
        return start
    return min(start, max(previous, at - CATCH_UP * PERIOD[rhythm]))


def when(moment: datetime, code: str = DEFAULT) -> str:
    """A moment in words, in the language `code`: "Mon 7 Dec 2026, 14:02 UTC" in
    English, CLDR's medium date and short time (Babel) in the others."""
    moment = moment.astimezone(UTC)
    if code == DEFAULT:
        return f"{moment:%a} {moment.day} {moment:%b %Y}, {moment:%H:%M} UTC"
    return (f"{format_date(moment, 'medium', locale=code)}, "
            f"{format_time(moment, 'short', tzinfo=UTC, locale=code)} UTC")


def _grouped(notes: list[emails.Mailable], code: str,
             ) -> list[tuple[str, list[tuple[str | None, list[emails.Mailable]]]]]:
    """By space, then topic, each in the order of its newest notification (`notes`
    come newest first)."""
    spaces: dict[int | None, tuple[str, dict[int | None, tuple[str | None, list[
        emails.Mailable]]]]] = {}
    for note in notes:
        name = note.space_name or gettext_in(code, "Elsewhere")
        _, topics = spaces.setdefault(note.space_id, (name, {}))
        topics.setdefault(note.topic_id, (note.topic_title, []))[1].append(note)
    return [(name, list(topics.values())) for name, topics in spaces.values()]


def compose(ctx: Context, person: emails.Recipient, rhythm: str, since: datetime,
            notes: list[emails.Mailable], unsubscribe: str) -> tuple[str, str, str]:
    """A digest's subject, text and HTML: `notes` (newest first) by space and topic."""
    code = person.locale
    shown = notes[:ITEMS_MAX]
    count = len(notes)
    hello = ngettext_in(
        code, "Hello {name}, here is what you have not read yet: {count} unread notification "
        "since {since}.", "Hello {name}, here is what you have not read yet: {count} unread "
        "notifications since {since}.", count)
    text = [hello.format(name=person.display_name, count=count, since=when(since, code)), ""]
    markup = ["<p>" + hello.format(name=html.escape(person.display_name), count=count,
                                   since=html.escape(when(since, code))) + "</p>"]
    for space_name, topics in _grouped(shown, code):
        text += [space_name, "=" * len(space_name)]
        markup.append(f"<h2>{html.escape(space_name)}</h2>")
        for title, items in topics:
            if title:
                text.append(f"  “{title}”")
                markup.append(f"<h3>{html.escape(title)}</h3>")
            markup.append("<ul>")
            for note in items:
                said = emails.phrase(note, code)
                url = emails.link(ctx, note)
                at = when(note.updated_at, code)
                text += [f"  - {said} ({at})", f"    {url}"]
                markup.append(f'<li><a href="{html.escape(url)}">{html.escape(said)}</a> '
                              f"({html.escape(at)})</li>")
            markup.append("</ul>")
        text.append("")
    if count > len(shown):
        more = ngettext_in(code, "And {count} more in your notifications.",
                           "And {count} more in your notifications.",
                           count - len(shown)).format(count=count - len(shown))
        text.append(more)
        markup.append(f"<p>{html.escape(more)}</p>")
    why = (gettext_in(code, "You get this email because you chose a daily digest of your "
                            "notifications.") if rhythm == "daily" else
           gettext_in(code, "You get this email because you chose a weekly digest of your "
                            "notifications."))
    tail_text, tail_html = emails.footer(ctx, why, unsubscribe, code)
    subject = (ngettext_in(code, "Your daily CPS digest: {count} unread notification",
                           "Your daily CPS digest: {count} unread notifications", count)
               if rhythm == "daily" else
               ngettext_in(code, "Your weekly CPS digest: {count} unread notification",
                           "Your weekly CPS digest: {count} unread notifications", count))
    return (subject.format(count=count),
            "\n".join(text) + tail_text, "".join(markup) + tail_html)


async def _queue_one(tx: Transaction, ctx: Context, person: emails.Recipient,
                     rhythm: Rhythm, at: datetime, now: datetime) -> bool:
    since = await _since(tx, person.id, rhythm, at)
    notes = await emails.mailable(tx.session, person, since=since, until=at)
    if not notes:
        return False
    unsubscribe = await emails.unsubscribe_link(tx, ctx, person.id)
    subject, text, markup = compose(ctx, person, rhythm, since, notes, unsubscribe)
    headers = {**emails.list_headers(unsubscribe),
               # For the check at send time (`vet`); never an email header.
               emails.META_IDS: ",".join(str(n.id) for n in notes[:IDS_MAX]),
               META_SINCE: since.isoformat(), META_RHYTHM: rhythm}
    return await outbox.enqueue(
        tx, ctx, to=person.email, subject=subject, text=text, html=markup, headers=headers,
        user_id=person.id, kind="digest", dedupe_key=_key(person.id, rhythm, at), now=now)


async def vet(ctx: Context, row: OutboxMessage) -> bool:
    """At send time: a digest tells only what its reader may still see, unread. If some
    of what it lists was read, hidden, deleted or moved out of their sight since it
    was queued, it is written again without it (and not sent if nothing is left)."""
    listed = emails.listed_ids(row)
    if row.user_id is None or not listed:
        return True
    async with ctx.db.write() as tx:
        person = await emails.recipient(tx.session, row.user_id)
        if person is None:
            return False
        notes = await emails.mailable(tx.session, person, ids=listed)
        if [n.id for n in notes] == listed:
            return True
        if not notes:
            return False
        since = datetime.fromisoformat(row.headers.get(META_SINCE) or row.created_at.isoformat())
        unsubscribe = row.headers.get("List-Unsubscribe", "").strip("<>")
        subject, text, markup = compose(ctx, person, row.headers.get(META_RHYTHM, "weekly"),
                                        since, notes, unsubscribe)
        headers = {**row.headers, emails.META_IDS: ",".join(str(n.id) for n in notes)}
        await tx.session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id)
                                 .values(subject=subject, text=text, html=markup,
                                         headers=headers))
    row.subject, row.text, row.html, row.headers = subject, text, markup, headers
    return True


async def queue_digests(ctx: Context, now: datetime | None = None) -> int:
    """Queue the digests due at the latest daily and weekly slots that are not queued
    yet. Answers how many were queued."""
    if ctx.settings.smtp is None:
        return 0
    now = now or utcnow()
    queued = 0
    for rhythm in RHYTHMS:
        at = slot(now, rhythm)
        pref = NotificationPreference
        key = (literal("digest:") + cast(Notification.user_id, String)
               + literal(f":{rhythm}:{at:%Y-%m-%d}"))
        due = (
            select(Notification.user_id).distinct()
            .outerjoin(pref, pref.user_id == Notification.user_id)
            .where(Notification.read_at.is_(None),
                   Notification.updated_at > at - PERIOD[rhythm],
                   Notification.updated_at <= at,
                   func.coalesce(pref.email, "digest") == "digest",
                   func.coalesce(pref.digest, "weekly") == rhythm,
                   ~exists().where(OutboxMessage.dedupe_key == key))
            .order_by(Notification.user_id)
        )
        async with ctx.db.read() as session:
            people = list((await session.scalars(due)).all())
        for user_id in people:
            async with ctx.db.write() as tx:
                person = await emails.recipient(tx.session, user_id)
                if person is not None:
                    queued += await _queue_one(tx, ctx, person, rhythm, at, now)
    if queued:
        log.info("digests queued", extra={"count": queued})
    return queued
