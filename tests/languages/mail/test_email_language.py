"""Email goes out in its recipient's language: the account's `locale`, else the one
kept with their notification preferences, else English; plural forms by each
language's rule. Through a real SMTP server, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cps.services.context import Context
from cps.services.notifications import digests, emails
from tests.mail.smtp_server import Inbox, text_of
from tests.support.api import Api

pytestmark = pytest.mark.anyio


async def test_a_password_reset_email_is_written_in_the_accounts_language(
    api: Api, inbox: Inbox,
) -> None:
    ayse = await api.user("Ayşe Yılmaz")
    await api.ok("PATCH", "/me", ayse, json={"locale": "tr"})
    # The request's own language does not matter: the email is the account's.
    r = await api.call("POST", "/auth/password-reset", json={"email": ayse.email},
                       headers={"Accept-Language": "ko"})
    assert r.status_code == 202
    mail = await inbox.wait_for_mail(to=ayse.email, subject="CPS şifrenizi sıfırlayın")
    body = text_of(mail)
    assert "Merhaba Ayşe Yılmaz" in body and "bir saat içinde" in body
    assert "/reset-password#token=" in body


async def test_the_recipient_language_comes_from_the_account_then_the_preferences(
    api: Api, ctx: Context,
) -> None:
    person = await api.user("Layla")
    async with ctx.db.read() as session:
        assert (await emails.recipient(session, person.id)).locale == "en"  # type: ignore[union-attr]
    await api.ok("PATCH", "/me/preferences", person, json={"locale": "ar-PS"})
    async with ctx.db.read() as session:
        assert (await emails.recipient(session, person.id)).locale == "ar"  # type: ignore[union-attr]
    await api.ok("PATCH", "/me", person, json={"locale": "fr"})
    async with ctx.db.read() as session:
        assert (await emails.recipient(session, person.id)).locale == "fr"  # type: ignore[union-attr]


def _note(kind: str, count: int, **extra: object) -> emails.Mailable:
    return emails.Mailable(
        id=1, kind=kind, count=count, actor_name="Min-ji", topic_id=7, post_id=None,
        topic_title="Bike lanes", space_id=3, space_name="Mobility", data=dict(extra),
        updated_at=datetime(2026, 12, 7, 14, 2, tzinfo=UTC))


def test_notification_phrases_take_each_languages_plural_form() -> None:
    russian = [emails.phrase(_note("reply", n), "ru") for n in (2, 5, 21, 22)]
    assert russian == [
        "2 новых ответа вам в теме «Bike lanes»", "5 новых ответов вам в теме «Bike lanes»",
        "21 новый ответ вам в теме «Bike lanes»", "22 новых ответа вам в теме «Bike lanes»"]
    assert emails.phrase(_note("reply", 2), "ar") == "ردّان جديدان عليك في «Bike lanes»"
    assert emails.phrase(_note("reply", 11), "ar") == "11 ردًا جديدًا عليك في «Bike lanes»"
    assert emails.phrase(_note("mention", 1), "ko") == "“Bike lanes”에서: Min-ji 님이 회원님을 언급했습니다"
    assert emails.phrase(_note("question_status", 1, status="in_progress"), "es") == (
        "La pregunta ahora está en curso en «Bike lanes»")
    # A tier's name in the reader's language, as the plans page says it.
    tier = _note("tier_decision", 1, org_name="Seoul", decision="changed",
                 from_tier="free", to_tier="premium")
    assert "무료" in emails.phrase(tier, "ko") and "프리미엄" in emails.phrase(tier, "ko")
    assert "free" not in emails.phrase(tier, "ko")
    # English stays as it was written.
    assert emails.phrase(_note("reply", 3)) == "3 new replies to you in “Bike lanes”"
    assert emails.phrase(tier).startswith("Seoul moved from the free plan to the premium plan")


# Each decision a notification tells, with the value the server records for it.
DECISIONS = [
    ("flag_outcome", {"outcome": "hidden"}), ("flag_outcome", {"outcome": "dismissed"}),
    ("appeal_answer", {"decision": "overturn"}), ("appeal_answer", {"decision": "uphold"}),
    ("moderation", {"action": "post.hidden"}), ("moderation", {"action": "post.restored"}),
    ("moderation", {"action": "post.approved"}), ("moderation", {"action": "post.rejected"}),
    ("tier_decision", {"decision": "approved"}), ("tier_decision", {"decision": "rejected"}),
    ("tier_decision", {"decision": "changed"}),
]


@pytest.mark.parametrize("code", ["en", "es", "fr", "ko", "ru", "tr", "ar"])
def test_a_decision_is_told_in_a_sentence_of_the_readers_language(code: str) -> None:
    """Found by review: an email said "A moderator acted on your post: post.hidden" and
    "Your appeal was answered: overturn" in every language, the server's own words
    filled into the sentence."""
    said = [emails.phrase(_note(kind, 1, org_name="Seoul", from_tier="free",
                                to_tier="premium", **data), code)
            for kind, data in DECISIONS]
    assert len(set(said)) == len(said), said  # each decision its own sentence
    for (_, data), text in zip(DECISIONS, said, strict=True):
        value = next(iter(data.values()))
        assert "post." not in text and "{" not in text, text
        if code != "en":  # English may say "approved" in its own sentence
            assert value not in text, (value, text)
    if code != "en":
        english = [emails.phrase(_note(kind, 1, org_name="Seoul", **data))
                   for kind, data in DECISIONS]
        assert not set(said) & set(english), code
    # A value no sentence knows yet gets its kind's general sentence, never the value.
    unknown = emails.phrase(_note("moderation", 1, action="post.quarantined"), code)
    assert "quarantined" not in unknown


async def test_a_digest_is_composed_in_the_recipients_language_with_its_dates(
    ctx: Context,
) -> None:
    person = emails.Recipient(1, "a@example.org", "Ахмед", False, "ru")
    notes = [_note("reply", 1), _note("watched_post", 3)]
    subject, text, markup = digests.compose(
        ctx, person, "weekly", datetime(2026, 12, 1, 9, 0, tzinfo=UTC), notes,
        "https://cps.example.org/unsubscribe?token=x")
    assert subject == "Еженедельная сводка CPS: 2 непрочитанных уведомления"
    assert "Здравствуйте, Ахмед!" in text and "1 дек. 2026" in text
    assert "Больше не присылать письма с уведомлениями" in markup
    arabic = emails.Recipient(1, "a@example.org", "ليلى", False, "ar")
    subject, _, _ = digests.compose(ctx, arabic, "daily",
                                    datetime(2026, 12, 1, tzinfo=UTC), notes * 6, "x")
    assert subject == "ملخص CPS اليومي: 12 إشعارًا غير مقروء"
