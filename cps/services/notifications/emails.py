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
from cps.services.languages.catalogues import N_, gettext_in, ngettext_in
from cps.services.languages.locales import DEFAULT, negotiate
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

_QUESTION_WORDS = {"open": N_("open again"), "acknowledged": N_("acknowledged"),
                   "answered": N_("answered"), "in_progress": N_("in progress"),
                   "done": N_("done"), "declined": N_("declined")}
# A decision told as a whole sentence in each language, never a word the server spells
# filled into one ("hidden", "post.rejected", "overturn"); a value not listed gets the
# kind's general sentence.
_FLAG_OUTCOMES = {"hidden": N_("The moderators hid a post you flagged"),
                  "dismissed": N_("The moderators left up a post you flagged")}
_APPEAL_DECISIONS = {"overturn": N_("{who} overturned the decision you appealed"),
                     "uphold": N_("{who} upheld the decision you appealed")}
_MODERATION_ACTIONS = {"post.hidden": N_("A moderator hid your post"),
                       "post.restored": N_("A moderator restored your post"),
                       "post.approved": N_("A moderator approved your post"),
                       "post.rejected": N_("A moderator did not approve your post")}
_TIER_DECISIONS = {"approved": N_("{org}: the request for the {to_tier} plan was approved"),
                   "rejected": N_("{org}: the request for the {to_tier} plan was turned down")}
# Each kind that tells a decision: the key of its data, a sentence per value, and the
# sentence for any other value.
_DECIDED: dict[str, tuple[str, dict[str, str], str]] = {
    "flag_outcome": ("outcome", _FLAG_OUTCOMES, N_("The moderators reviewed a post you flagged")),
    "appeal_answer": ("decision", _APPEAL_DECISIONS, N_("{who} answered your appeal")),
    "moderation": ("action", _MODERATION_ACTIONS, N_("A moderator acted on your post")),
    "tier_decision": ("decision", _TIER_DECISIONS,
                      N_("{org} moved from the {from_tier} plan to the {to_tier} plan")),
}


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
    # The language their email is written in (docs/languages.md).
    locale: str = DEFAULT


async def recipient(session: AsyncSession, user_id: int) -> Recipient | None:
    """Who an email goes to, in their language: the account's `locale`, else the one
    kept with their notification preferences, else English."""
    row = (await session.execute(
        select(User.id, User.email, User.display_name, User.is_platform_admin, User.locale,
               NotificationPreference.locale)
        .outerjoin(NotificationPreference, NotificationPreference.user_id == User.id)
        .where(User.id == user_id))).first()
    if row is None:
        return None
    user_id, email, name, admin, account, kept = row
    return Recipient(user_id, email, name, admin, negotiate(account, kept))


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

def _tier(data: dict[str, Any], key: str, code: str) -> str:
    """A tier's name in the language `code` (the catalogues have them: tiers/plans.py)."""
    name = str(data.get(key) or "")
    return gettext_in(code, name) if name else ""


def phrase(note: Mailable, code: str = DEFAULT) -> str:
    """What happened, in words, in the language `code`: "Min-ji Kim replied to you",
    "3 new replies to you" (each language's plural form for the count)."""
    who = note.actor_name or gettext_in(code, "Someone")
    n = note.count
    data = note.data
    if note.kind == "reply":
        said = (ngettext_in(code, "{count} new reply to you", "{count} new replies to you", n)
                if n > 1 else gettext_in(code, "{who} replied to you"))
    elif note.kind == "mention":
        said = (ngettext_in(code, "You were mentioned {count} time",
                            "You were mentioned {count} times", n)
                if n > 1 else gettext_in(code, "{who} mentioned you"))
    elif note.kind == "watched_post":
        said = (ngettext_in(code, "{count} new post", "{count} new posts", n) if n > 1
                else gettext_in(code, "{who} posted"))
    elif note.kind == "question_status":
        said = gettext_in(code, "The question is now {status}")
    elif note.kind in _DECIDED:
        key, sentences, general = _DECIDED[note.kind]
        said = gettext_in(code, sentences.get(str(data.get(key)), general))
    else:
        said = gettext_in(code, "Something new for you")
    status = str(data.get("status", ""))
    word = _QUESTION_WORDS.get(status)
    said = said.format(
        count=n, who=who,
        status=gettext_in(code, word) if word else status.replace("_", " "),
        org=data.get("org_name") or gettext_in(code, "Your organization"),
        from_tier=_tier(data, "from_tier", code), to_tier=_tier(data, "to_tier", code))
    if note.topic_title:
        return gettext_in(code, "{said} in “{title}”").format(said=said, title=note.topic_title)
    if note.space_name:
        return gettext_in(code, "{said} in {space}").format(said=said, space=note.space_name)
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


def footer(ctx: Context, why: str, unsubscribe: str, code: str = DEFAULT) -> tuple[str, str]:
    """The end of every notification email: why it came, the preferences, the way out
    (`why` already in the language `code`)."""
    prefs = links.page(ctx, "/profile")
    choose = gettext_in(code, "Choose what you hear")
    stop = gettext_in(code, "Stop notification emails")
    text = f"\n--\n{why}\n{choose}: {prefs}\n{stop}: {unsubscribe}\n"
    markup = (f'<hr><p>{html.escape(why)}</p><p><a href="{html.escape(prefs)}">'
              f'{html.escape(choose)}</a> · <a href="{html.escape(unsubscribe)}">'
              f'{html.escape(stop)}</a></p>')
    return text, markup


def list_headers(unsubscribe: str) -> dict[str, str]:
    return {"List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated"}


# --- one email per notification -------------------------------------------------------

async def _queue_one(tx: Transaction, ctx: Context, person: Recipient, note: Mailable,
                     now: datetime) -> bool:
    code = person.locale
    said = phrase(note, code)
    where = f" ({note.space_name})" if note.topic_title and note.space_name else ""
    url = link(ctx, note)
    unsubscribe = await unsubscribe_link(tx, ctx, person.id)
    tail_text, tail_html = footer(
        ctx, gettext_in(code, "You get this email because you chose to hear of notifications "
                              "by email at once."), unsubscribe, code)
    open_it = gettext_in(code, "Open it")
    text = f"{said}{where}.\n\n{open_it}: {url}\n{tail_text}"
    markup = (f"<p>{html.escape(said + where)}.</p>"
              f'<p><a href="{html.escape(url)}">{html.escape(open_it)}</a></p>{tail_html}')
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
