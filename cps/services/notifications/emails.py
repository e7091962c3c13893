"""Notification emails: one at a time for those who chose "immediate", and what every
notification email shares (what it says, where it links, how to stop it).

A notification is emailed only if it is still unread `DELAY` (10 minutes) after it
was made, the person chose immediate email and kept email on for its kind, and
they may still see it when the email is queued: the space readable to them and
the post neither deleted nor hidden (`inbox.readable`, the list's own rule). Each
notification is emailed once (the outbox's `dedupe_key`), whichever process
queues it. The job runs in the mail sender's loop (`cps.services.mail.sender`).

Every notification email has a text part and an HTML part, a one-click
unsubscribe (RFC 8058: `List-Unsubscribe` with a single-use token, and
`List-Unsubscribe-Post: List-Unsubscribe=One-Click`) and a link to the
preferences. Unsubscribing turns notification email off (`email: off`).
"""

from __future__ import annotations

import html
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, cast, exists, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from cps.services.context import Context
from cps.services.mail import links, outbox, tokens
from cps.services.notifications import inbox, preferences
from cps.storage import portable
from cps.storage.database import Transaction
from cps.storage.mail import OutboxMessage
from cps.storage.models import Post, Space, Topic, User
from cps.storage.notifications import Notification, NotificationPreference
from cps.storage.types import utcnow

log = logging.getLogger("cps.mail")

DELAY = timedelta(minutes=10)
# Notifications older than this are no longer emailed one by one (a server that was
# away for days sends the digest, not a flood).
LOOKBACK = timedelta(days=1)
PAGE = 200
# An outbox row's own note of the notifications it tells of (never an email header:
# cps/services/mail/message.py drops every name starting with "_").
META_IDS = "_notifications"

_QUESTION_WORDS = {"open": "open again", "acknowledged": "acknowledged",
                   "answered": "answered", "in_progress": "in progress", "done": "done",
                   "declined": "declined"}


@dataclass(frozen=True)
class Mailable:
    """A notification as an email tells it, with the names as they are now."""

    id: int
    kind: str
    count: int
    actor_name: str | None
    topic_id: int | None
    post_id: int | None
    topic_title: str | None
    space_id: int | None
    space_name: str | None
    data: dict[str, Any]
    updated_at: datetime


@dataclass(frozen=True)
class Recipient:
    id: int
    email: str
    display_name: str
    is_platform_admin: bool


async def recipient(session: AsyncSession, user_id: int) -> Recipient | None:
    row = (await session.execute(
        select(User.id, User.email, User.display_name, User.is_platform_admin)
        .where(User.id == user_id))).first()
    return Recipient(*row) if row is not None else None


async def mailable(session: AsyncSession, person: Recipient, *, ids: Iterable[int] | None = None,
                   since: datetime | None = None, until: datetime | None = None,
                   ) -> list[Mailable]:
    """`person`'s unread notifications they may see now (newest first), among `ids` or
    last changed in (`since`, `until`]; the kinds they turned off for email left out."""
    actor = aliased(User, name="mail_actor")
    stmt = (
        select(Notification, actor.display_name, Topic.title, Space.id, Space.name)
        .select_from(Notification)
        .outerjoin(actor, actor.id == Notification.actor_id)
        .outerjoin(Topic, Topic.id == Notification.topic_id)
        .outerjoin(Space, Space.id == func.coalesce(Topic.space_id, Notification.space_id))
        .outerjoin(Post, Post.id == Notification.post_id)
        .where(Notification.user_id == person.id, Notification.read_at.is_(None),
               inbox.readable(person.id, person.is_platform_admin))
        .order_by(Notification.updated_at.desc(), Notification.id.desc())
    )
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(list(ids)))
    if since is not None:
        stmt = stmt.where(Notification.updated_at > since)
    if until is not None:
        stmt = stmt.where(Notification.updated_at <= until)
    prefs = await preferences.of(session, person.id)
    found = []
    for note, actor_name, title, space_id, space_name in (await session.execute(stmt)).all():
        if preferences.wants(prefs, note.kind, "email"):
            found.append(Mailable(
                id=note.id, kind=note.kind, count=note.count, actor_name=actor_name,
                topic_id=note.topic_id, post_id=note.post_id, topic_title=title,
                space_id=space_id, space_name=space_name, data=dict(note.data or {}),
                updated_at=note.updated_at))
    return found


# --- what an email says ---------------------------------------------------------------

def phrase(note: Mailable) -> str:
    """What happened, in words: "Min-ji Kim replied to you", "3 new replies to you"."""
    who = note.actor_name or "Someone"
    many = note.count > 1
    data = note.data
    if note.kind == "reply":
        said = f"{note.count} new replies to you" if many else f"{who} replied to you"
    elif note.kind == "mention":
        said = f"You were mentioned {note.count} times" if many else f"{who} mentioned you"
    elif note.kind == "watched_post":
        said = f"{note.count} new posts" if many else f"{who} posted"
    elif note.kind == "question_status":
        status = str(data.get("status", ""))
        said = f"The question is now {_QUESTION_WORDS.get(status, status.replace('_', ' '))}"
    elif note.kind == "flag_outcome":
        said = f"A moderator looked at your flag: {str(data.get('outcome', '')).replace('_', ' ')}"
    elif note.kind == "appeal_answer":
        said = f"Your appeal was answered: {str(data.get('decision', '')).replace('_', ' ')}"
    elif note.kind == "moderation":
        said = f"A moderator acted on your post: {str(data.get('action', '')).replace('_', ' ')}"
    elif note.kind == "tier_decision":
        said = (f"{data.get('org_name', 'Your organization')}'s plan: "
                f"{data.get('decision', '')} ({data.get('from_tier', '')} to "
                f"{data.get('to_tier', '')})")
    else:
        said = "Something new for you"
    if note.topic_title:
        return f"{said} in “{note.topic_title}”"
    if note.space_name:
        return f"{said} in {note.space_name}"
    return said


def link(ctx: Context, note: Mailable) -> str:
    """Where the email sends the reader: the post, the topic, or their notifications."""
    if note.topic_id is not None:
        url = links.page(ctx, f"/topics/{note.topic_id}")
        return url + (f"#post-{note.post_id}" if note.post_id is not None else "")
    if note.kind == "tier_decision" and isinstance(note.data.get("org_id"), int):
        return links.page(ctx, f"/orgs/{note.data['org_id']}")
    return links.page(ctx, "/notifications")


async def unsubscribe_link(tx: Transaction, ctx: Context, user_id: int) -> str:
    token = await tokens.issue(tx, ctx, user_id, "unsubscribe")
    return links.page(ctx, "/unsubscribe", query={"token": token})


def footer(ctx: Context, why: str, unsubscribe: str) -> tuple[str, str]:
    """The end of every notification email: why it came, the preferences, the way out."""
    prefs = links.page(ctx, "/profile")
    text = (f"\n--\n{why}\nChoose what you hear: {prefs}\n"
            f"Stop notification emails: {unsubscribe}\n")
    markup = (f'<hr><p>{html.escape(why)}</p><p><a href="{html.escape(prefs)}">Choose what '
              f'you hear</a> · <a href="{html.escape(unsubscribe)}">Stop notification '
              f'emails</a></p>')
    return text, markup


def list_headers(unsubscribe: str) -> dict[str, str]:
    return {"List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated"}


# --- one email per notification -------------------------------------------------------

async def _queue_one(tx: Transaction, ctx: Context, person: Recipient, note: Mailable,
                     now: datetime) -> bool:
    said = phrase(note)
    where = f" ({note.space_name})" if note.topic_title and note.space_name else ""
    url = link(ctx, note)
    unsubscribe = await unsubscribe_link(tx, ctx, person.id)
    tail_text, tail_html = footer(
        ctx, "You get this email because you chose to hear of notifications by email "
             "at once.", unsubscribe)
    text = f"{said}{where}.\n\nOpen it: {url}\n{tail_text}"
    markup = (f"<p>{html.escape(said + where)}.</p>"
              f'<p><a href="{html.escape(url)}">Open it</a></p>{tail_html}')
    return await outbox.enqueue(
        tx, ctx, to=person.email, subject=said[:300], text=text, html=markup,
        headers={**list_headers(unsubscribe), META_IDS: str(note.id)}, user_id=person.id,
        kind="notification", dedupe_key=f"notification:{note.id}", now=now)


def listed_ids(row: OutboxMessage) -> list[int]:
    raw = (row.headers or {}).get(META_IDS, "")
    return [int(part) for part in str(raw).split(",") if part.isdigit()]


async def vet(ctx: Context, row: OutboxMessage) -> bool:
    """At send time: the notification is still unread and the reader may still see it
    (an email held back by a mail server that was away must not tell of a post hidden
    since, nor of a space they left)."""
    listed = listed_ids(row)
    if row.user_id is None or not listed:
        return True
    async with ctx.db.read() as session:
        person = await recipient(session, row.user_id)
        return person is not None and bool(await mailable(session, person, ids=listed))


async def queue_immediate(ctx: Context, now: datetime | None = None) -> int:
    """Queue an email for each notification still unread `DELAY` after it was made,
    for those who chose immediate email. Answers how many were queued."""
    if ctx.settings.smtp is None:
        return 0
    now = now or utcnow()
    emailed = literal("notification:") + cast(Notification.id, String)
    due = (
        select(Notification.id, Notification.user_id)
        .join(NotificationPreference, NotificationPreference.user_id == Notification.user_id)
        .where(NotificationPreference.email == "immediate", Notification.read_at.is_(None),
               Notification.created_at <= now - DELAY,
               Notification.created_at > now - LOOKBACK,
               ~exists().where(OutboxMessage.dedupe_key == emailed))
        .order_by(Notification.id)
    )
    queued, after = 0, 0
    while True:
        async with ctx.db.read() as session:
            rows = (await session.execute(
                due.where(Notification.id > after).limit(PAGE))).all()
        if not rows:
            return queued
        after = rows[-1][0]
        by_person: dict[int, list[int]] = defaultdict(list)
        for note_id, user_id in rows:
            by_person[user_id].append(note_id)
        for user_id, ids in by_person.items():
            async with ctx.db.write() as tx:
                person = await recipient(tx.session, user_id)
                if person is None:
                    continue
                for note in await mailable(tx.session, person, ids=ids):
                    queued += await _queue_one(tx, ctx, person, note, now)


# --- the way out -----------------------------------------------------------------------

async def unsubscribe(ctx: Context, token: str) -> None:
    """Use an unsubscribe link (no sign-in: the link is the proof): notification email
    off for its person. The link works once; a used, expired or forged one is a 422."""
    async with ctx.db.write() as tx:
        user_id = await tokens.redeem(tx, ctx, token, "unsubscribe")
        stmt = portable.insert(tx.session, NotificationPreference).values(
            user_id=user_id, email="off", digest=preferences.DEFAULT_DIGEST, kinds={},
            locale=None, updated_at=utcnow())
        await tx.session.execute(stmt.on_conflict_do_update(
            index_elements=["user_id"], set_={"email": "off", "updated_at": utcnow()}))
    log.info("unsubscribed from notification email", extra={"user_id": user_id})
