"""Notification emails and digests, from real acts over the API to the real SMTP
server: an email only for what is still unread 10 minutes later and only for those
who chose it; digests on their day and hour (the clock injected), grouped by space
and topic, newest first, never with what the reader may no longer see; the one-click
unsubscribe of RFC 8058. Both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from cps.services.context import Context
from cps.services.mail.sender import Sender
from cps.services.notifications import digests, emails
from cps.storage.mail import OutboxMessage
from cps.storage.types import utcnow
from tests.mail.smtp_server import Inbox, html_of, link_in, text_of
from tests.support.api import Api, User
from tests.support.direct import set_tier

pytestmark = pytest.mark.anyio

LATER = timedelta(minutes=10, seconds=1)


async def _replied(api: Api, w: dict[str, Any], replier: str = "Min-ji Neighbour"
                   ) -> tuple[dict[str, Any], dict[str, Any], User]:
    """The citizen's post in the world's topic, and a neighbour's reply to it."""
    mine = await api.post(w["citizen"], w["topic"]["id"], "Paint the lanes green")
    neighbour = await api.user(replier)
    reply = await api.post(neighbour, w["topic"]["id"], "Yes, and wider",
                           parent_id=mine["id"])
    return mine, reply, neighbour


async def _prefs(api: Api, user: User, **changes: Any) -> None:
    await api.ok("PATCH", "/me/preferences", user, changes)


async def _kinds(ctx: Context) -> list[str]:
    async with ctx.db.read() as session:
        return list((await session.scalars(
            select(OutboxMessage.kind).order_by(OutboxMessage.id))).all())


async def test_an_unread_notification_is_emailed_ten_minutes_later(
        api: Api, ctx: Context, inbox: Inbox, mailer: Sender) -> None:
    w = await api.world()
    await _prefs(api, w["citizen"], email="immediate")
    _, reply, _ = await _replied(api, dict(w))
    now = utcnow()
    assert await emails.queue_immediate(ctx, now + timedelta(minutes=9)) == 0
    assert await emails.queue_immediate(ctx, now + LATER) == 1
    assert await emails.queue_immediate(ctx, now + LATER + timedelta(minutes=5)) == 0  # once
    assert await mailer.deliver_due(now + LATER) >= 1
    mail = await inbox.wait_for_mail(to=w["citizen"].email, subject="Min-ji")
    assert mail["Subject"] == "Min-ji Neighbour replied to you in “Bike lanes”"
    text = text_of(mail)
    assert "Min-ji Neighbour replied to you in “Bike lanes” (Mobility)." in text
    assert (f"https://cps.example.org/topics/{w['topic']['id']}#post-{reply['id']}"
            in text)
    assert html_of(mail) and "Bike lanes" in (html_of(mail) or "")
    unsubscribe = link_in(mail, "/unsubscribe")
    assert mail["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "https://cps.example.org/profile" in text
    # Nobody else chose immediate email: the topic's author (digest, by default) got none.
    assert [m["To"] for m in inbox.matching(subject="Min-ji")] == [w["citizen"].email]


async def test_what_was_read_hidden_or_not_chosen_is_not_emailed(
        api: Api, ctx: Context, inbox: Inbox) -> None:
    w = await api.world()
    await _prefs(api, w["citizen"], email="immediate")
    await _replied(api, dict(w))
    await api.ok("POST", "/notifications/read", w["citizen"], {"all": True})
    # Read within ten minutes: no email.
    assert await emails.queue_immediate(ctx, utcnow() + LATER) == 0

    # A reply hidden by a moderator before the ten minutes are up: no email.
    _, reply, _ = await _replied(api, dict(w), "Second Neighbour")
    await api.ok("POST", f"/posts/{reply['id']}/hide", w["admin"], {"reason": "Off topic"})
    assert await emails.queue_immediate(ctx, utcnow() + LATER) == 0

    # Email off for replies (still shown in the page): no email.
    await _prefs(api, w["citizen"], kinds={"reply": {"email": False}})
    await _replied(api, dict(w), "Third Neighbour")
    assert await emails.queue_immediate(ctx, utcnow() + LATER) == 0
    assert "notification" not in await _kinds(ctx)


def test_digest_slots_are_seven_in_the_morning_utc_daily_and_on_mondays() -> None:
    at = datetime(2026, 12, 9, 6, 59, tzinfo=UTC)  # a Wednesday
    assert digests.slot(at, "daily") == datetime(2026, 12, 8, 7, 0, tzinfo=UTC)
    assert digests.slot(at + timedelta(minutes=1), "daily") == datetime(
        2026, 12, 9, 7, 0, tzinfo=UTC)
    assert digests.slot(at, "weekly") == datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
    monday = datetime(2026, 12, 14, 7, 0, tzinfo=UTC)
    assert digests.slot(monday - timedelta(seconds=1), "weekly") == datetime(
        2026, 12, 7, 7, 0, tzinfo=UTC)
    assert digests.slot(monday, "weekly") == monday
    assert digests.when(monday) == "Mon 14 Dec 2026, 07:00 UTC"


def _next_monday_seven(after: datetime) -> datetime:
    """The first weekly slot after `after`."""
    return digests.slot(after + timedelta(days=7), "weekly")


async def test_the_weekly_digest_groups_by_space_and_topic_newest_first_once(
        api: Api, ctx: Context, inbox: Inbox, mailer: Sender) -> None:
    w = await api.world()
    citizen = w["citizen"]  # the default: a weekly digest
    started = utcnow()
    await _replied(api, dict(w))  # Mobility, "Bike lanes"
    parks = await api.space(w["admin"], w["org"]["id"], name="Parks")
    trees = await api.topic(citizen, parks["id"], "Tree planting", "Which streets?")
    benches = await api.topic(citizen, parks["id"], "Benches", "Where to sit?")
    neighbour = await api.user("Tree Lover")
    await api.post(neighbour, trees["id"], "Oak Street please")
    spam = await api.post(neighbour, benches["id"], "Buy my seeds at spam.example")
    await api.ok("POST", f"/posts/{spam['id']}/hide", w["admin"], {"reason": "Spam"})

    at = _next_monday_seven(started)
    assert await digests.queue_digests(ctx, at - timedelta(days=7, seconds=1)) == 0
    queued = await digests.queue_digests(ctx, at + timedelta(minutes=3))
    assert queued >= 1
    assert await digests.queue_digests(ctx, at + timedelta(hours=5)) == 0  # once per slot
    assert await mailer.deliver_due(at + timedelta(hours=5)) >= queued
    digest = await inbox.wait_for_mail(to=citizen.email, subject="Your weekly")
    assert digest["Subject"] == "Your weekly CPS digest: 2 unread notifications"
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = text_of(digest)
    # Parks (the newest) first, then Mobility; each topic under its space.
    assert text.index("Parks\n=====") < text.index("“Tree planting”") < text.index(
        "Mobility\n========") < text.index("“Bike lanes”")
    assert "Tree Lover replied to you in “Tree planting”" in text
    assert "Min-ji Neighbour replied to you in “Bike lanes”" in text
    # The hidden post is not told of, nor is the topic only it was new in.
    assert "Benches" not in text and "spam.example" not in text
    assert "Benches" not in (html_of(digest) or "")
    # The topic's author (an org admin, who moderates) is told of everything, hidden too.
    await inbox.wait_for_mail(to=w["admin"].email, subject="Your weekly")
    assert len(inbox.matching(subject="Your weekly")) == queued


async def test_a_digest_never_tells_of_a_space_the_reader_left(
        api: Api, ctx: Context, inbox: Inbox) -> None:
    w = await api.world()
    await set_tier(ctx, w["org"]["id"], "plus")  # private spaces
    council = await api.space(w["admin"], w["org"]["id"], visibility="private",
                              name="Council")
    member = w["citizen"]
    await api.ok("POST", f"/spaces/{council['id']}/members", w["admin"], {"user_id": member.id})
    topic = await api.topic(member, council["id"], "Budget", "Line 4?")
    await api.post(w["admin"], topic["id"], "Line 4 is roads")
    await _prefs(api, member, digest="daily")
    assert (await api.ok("GET", "/notifications", member))["unread_count"] == 1
    await api.ok("DELETE", f"/spaces/{council['id']}/members/{member.id}", w["admin"])
    at = digests.slot(utcnow() + timedelta(days=1), "daily")
    await digests.queue_digests(ctx, at)
    async with ctx.db.read() as session:
        to = (await session.scalars(select(OutboxMessage.to_address).where(
            OutboxMessage.kind == "digest"))).all()
    assert member.email not in to


async def test_a_daily_digest_and_nothing_for_those_who_chose_otherwise(
        api: Api, ctx: Context, inbox: Inbox, mailer: Sender) -> None:
    w = await api.world()
    await _prefs(api, w["citizen"], digest="daily")
    await _prefs(api, w["admin"], email="off")
    await _replied(api, dict(w))
    at = digests.slot(utcnow() + timedelta(days=1), "daily")
    await mailer.tick(at)  # the job queues it, the sender sends it
    mail = await inbox.wait_for_mail(subject="Your daily")
    assert mail["To"] == w["citizen"].email
    assert len(inbox.matching(subject="Your ")) == 1
    assert mail["Subject"] == "Your daily CPS digest: 1 unread notification"
    assert "Min-ji Neighbour replied to you" in text_of(mail)


async def _emailed_unsubscribe_link(api: Api, mailer: Sender, inbox: Inbox
                                    ) -> tuple[dict[str, Any], str]:
    world = await api.world()
    w: dict[str, Any] = dict(world)
    await _prefs(api, world["citizen"], email="immediate")
    await _replied(api, w)
    await mailer.tick(utcnow() + LATER)
    mail = await inbox.wait_for_mail(to=world["citizen"].email, subject="Min-ji")
    return w, mail["List-Unsubscribe"].strip("<>")


async def test_one_click_unsubscribe_needs_no_sign_in_and_works_once(
        api: Api, ctx: Context, inbox: Inbox, mailer: Sender) -> None:
    w, url = await _emailed_unsubscribe_link(api, mailer, inbox)
    path = url.removeprefix("https://cps.example.org")
    assert path.startswith("/unsubscribe?token=")
    # What a mail provider sends (RFC 8058): a form POST, no cookie, no Origin.
    r = await api.http.post(path, content="List-Unsubscribe=One-Click",
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200 and "no more notification emails" in r.text
    prefs = await api.ok("GET", "/me/preferences", w["citizen"])
    assert prefs["email"] == "off"
    r = await api.http.post(path, content="List-Unsubscribe=One-Click",
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "token_used"
    # The same URL, opened in a browser, is the page that asks to confirm.
    page = await api.http.get(path)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    # And no more immediate email for them.
    await _replied(api, w, "Another Neighbour")
    assert await emails.queue_immediate(ctx, utcnow() + LATER) == 0


async def test_the_unsubscribe_page_confirms_over_the_api(
        api: Api, inbox: Inbox, mailer: Sender) -> None:
    w, url = await _emailed_unsubscribe_link(api, mailer, inbox)
    token = httpx.URL(url).params["token"]
    await api.ok("POST", "/email/unsubscribe", json={"token": token})
    assert (await api.ok("GET", "/me/preferences", w["citizen"]))["email"] == "off"
    for forged in (token, "forged", ""):
        r = await api.call("POST", "/email/unsubscribe", json={"token": forged})
        assert r.status_code == 422, forged
    r = await api.http.post("/unsubscribe")  # no token at all
    assert r.status_code == 422 and r.json()["error"]["code"] == "token_invalid"


async def test_someone_away_who_is_mentioned_gets_the_email_ten_minutes_later(
        api: Api, ctx: Context, inbox: Inbox, mailer: Sender) -> None:
    """The issue's "done when": a mention reaches a citizen who is not there, by email,
    from the real SMTP server, once they have left it unread for ten minutes."""
    w = await api.world()
    away = await api.user("Seo-yeon Away")
    await _prefs(api, away, email="immediate")
    handle = (await api.ok("GET", "/me", away))["user"]["handle"]
    await api.post(w["citizen"], w["topic"]["id"], f"@{handle} what do you think?")
    now = utcnow()
    await mailer.tick(now + timedelta(minutes=5))
    assert inbox.matching(to=away.email, subject="Citizen") == []
    await mailer.tick(now + LATER)
    mail = await inbox.wait_for_mail(to=away.email, subject="Citizen mentioned you")
    assert mail["Subject"] == "Citizen mentioned you in “Bike lanes”"
    assert f"/topics/{w['topic']['id']}#post-" in text_of(mail)


async def test_an_email_held_back_tells_nothing_hidden_since_it_was_queued(
        api: Api, ctx: Context, inbox: Inbox, mailer: Sender) -> None:
    """Queued while the mail server was away, sent after a moderator hid the post: the
    check at send time withdraws it (and a digest is written again without it)."""
    w = await api.world()
    await _prefs(api, w["citizen"], email="immediate")
    _, reply, _ = await _replied(api, dict(w))
    now = utcnow()
    assert await emails.queue_immediate(ctx, now + LATER) == 1  # not due before then
    await api.ok("POST", f"/posts/{reply['id']}/hide", w["admin"], {"reason": "Rude"})
    await mailer.deliver_due(now + LATER)
    async with ctx.db.read() as session:
        [row] = (await session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "notification"))).all()
    assert row.sent_at is None and row.failed_at is not None
    assert "withdrawn" in (row.last_error or "")
    assert inbox.matching(subject="Min-ji") == []


async def test_a_digest_held_back_is_written_again_without_what_went_away(
        api: Api, ctx: Context, inbox: Inbox, mailer: Sender) -> None:
    w = await api.world()
    citizen = w["citizen"]
    await _prefs(api, citizen, digest="daily")
    await _replied(api, dict(w))  # "Bike lanes", stays
    parks = await api.space(w["admin"], w["org"]["id"], name="Parks")
    benches = await api.topic(citizen, parks["id"], "Benches", "Where to sit?")
    neighbour = await api.user("Bench Fan")
    rude = await api.post(neighbour, benches["id"], "Nobody wants benches, idiots")
    at = digests.slot(utcnow() + timedelta(days=1), "daily")
    assert await digests.queue_digests(ctx, at) >= 1
    await api.ok("POST", f"/posts/{rude['id']}/hide", w["admin"], {"reason": "Rude"})
    await mailer.deliver_due(at)
    digest = await inbox.wait_for_mail(to=citizen.email, subject="Your daily")
    assert digest["Subject"] == "Your daily CPS digest: 1 unread notification"
    text = text_of(digest)
    assert "Bike lanes" in text and "Benches" not in text and "Bench Fan" not in text
    assert digest["_notifications"] is None  # the row's own note is no header
