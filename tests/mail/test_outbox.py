"""The outbox and its sender against a real SMTP server: what an email carries, a
server that is down (queued, retried with backoff, delivered once when it is back),
a refusal for good, two processes sending from one database (each email once), the
daily cap, no server configured, and credentials kept out of logs."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from cps.app import create_app
from cps.config import load_settings
from cps.services.context import Context
from cps.services.mail import outbox
from cps.services.mail.sender import Sender, backoff
from cps.storage.mail import OutboxMessage
from cps.storage.types import utcnow
from tests.mail.smtp_server import Inbox, html_of, text_of
from tests.support import asgi
from tests.support.api import Api
from tests.support.settings import make_settings, settings_env

pytestmark = pytest.mark.anyio


async def _queue(ctx: Context, n: int = 1, *, to: str = "someone@example.org",
                 user_id: int | None = None, **kw: Any) -> list[bool]:
    async with ctx.db.write() as tx:
        return [await outbox.enqueue(tx, ctx, to=to, subject=f"Hello {i}", text=f"Body {i}",
                                     kind="test", user_id=user_id, **kw)
                for i in range(n)]


async def _rows(ctx: Context) -> list[OutboxMessage]:
    async with ctx.db.read() as session:
        return list((await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
                    .all())


async def _all_sent(ctx: Context, timeout: float = 10.0) -> list[OutboxMessage]:
    """The outbox once every row is marked sent (the server has them a moment before)."""
    for _ in range(int(timeout / 0.02)):
        rows = await _rows(ctx)
        if all(r.sent_at is not None for r in rows):
            return rows
        await asyncio.sleep(0.02)
    raise AssertionError("the outbox still holds unsent mail")


async def test_an_email_has_its_parts_and_headers(ctx: Context, inbox: Inbox) -> None:
    await _queue(ctx, to="reader@example.org", html="<p>Body <b>0</b></p>",
                 headers={"List-Unsubscribe": "<https://cps.example.org/unsubscribe?token=t>",
                          "From": "someone else <evil@example.org>",
                          "X-Injected": "a\r\nBcc: victim@example.org"})
    [mail] = await inbox.wait_for(1)
    assert mail["From"] == "CPS Test <cps@example.org>"  # a row cannot set it
    assert mail["To"] == "reader@example.org" and mail["Subject"] == "Hello 0"
    assert mail["List-Unsubscribe"] == "<https://cps.example.org/unsubscribe?token=t>"
    assert mail["X-Injected"] is None and mail["Bcc"] is None
    assert mail["Message-ID"].startswith("<cps-mail-") and mail["Date"]
    assert text_of(mail).strip() == "Body 0"
    assert (html_of(mail) or "").strip() == "<p>Body <b>0</b></p>"
    assert inbox.envelopes == [("cps@example.org", ["reader@example.org"])]
    [row] = await _all_sent(ctx)
    assert row.attempts == 1 and row.claimed_by is None


async def test_a_server_that_is_down_delays_mail_and_loses_none(
        database_url: str) -> None:
    server = Inbox()  # its port, nothing listening yet
    settings = make_settings(database_url, CPS_SMTP_URL=server.url,
                             CPS_MAIL_POLL_SECONDS="3600")  # the test drives the clock
    app = create_app(settings)
    async with asgi.running(app) as state:
        ctx: Context = state["ctx"]
        mailer: Sender = state["mailer"]
        await _queue(ctx, 2)
        now = utcnow()
        assert await mailer.tick(now) == 2
        rows = await _rows(ctx)
        assert [(r.sent_at, r.attempts) for r in rows] == [(None, 1), (None, 1)]
        assert all(r.next_attempt_at == now + timedelta(seconds=30) for r in rows)
        assert all("Unreachable" not in (r.last_error or "x") and r.last_error for r in rows)
        assert await mailer.tick(now + timedelta(seconds=29)) == 0  # not due yet
        assert await mailer.tick(now + timedelta(seconds=30)) == 2  # down still
        assert {r.next_attempt_at for r in await _rows(ctx)} == {now + timedelta(seconds=90)}

        server.start()
        try:
            assert await mailer.tick(now + timedelta(seconds=90)) == 2
            assert await mailer.tick(now + timedelta(hours=2)) == 0
            assert sorted(m["Subject"] for m in server.messages) == ["Hello 0", "Hello 1"]
            assert all(r.sent_at is not None and r.attempts == 3 for r in await _rows(ctx))
        finally:
            server.stop()


def test_retries_back_off_to_an_hour() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(8) == backoff(100) == timedelta(hours=1)


async def test_a_refusal_for_good_is_kept_and_not_retried(database_url: str) -> None:
    server = Inbox(refuse={"gone@example.org"})
    server.start()
    settings = make_settings(database_url, CPS_SMTP_URL=server.url,
                             CPS_MAIL_POLL_SECONDS="3600")
    try:
        async with asgi.running(create_app(settings)) as state:
            ctx: Context = state["ctx"]
            await _queue(ctx, to="gone@example.org")
            now = utcnow()
            assert await state["mailer"].tick(now) == 1
            [row] = await _rows(ctx)
            assert row.failed_at == now and row.sent_at is None
            assert "550" in (row.last_error or "")
            assert await state["mailer"].tick(now + timedelta(days=1)) == 0
    finally:
        server.stop()


async def test_an_email_that_cannot_be_built_fails_alone(database_url: str) -> None:
    """One row the message cannot be made of (a line break in its address) must not hold
    back the rest of its batch, now or at every later pass."""
    server = Inbox()
    server.start()
    settings = make_settings(database_url, CPS_SMTP_URL=server.url,
                             CPS_MAIL_POLL_SECONDS="3600")
    try:
        async with asgi.running(create_app(settings)) as state:
            ctx: Context = state["ctx"]
            await _queue(ctx, to="first@example.org")
            await _queue(ctx, to="broken\r\nBcc: victim@example.org")
            await _queue(ctx, to="third@example.org")
            now = utcnow()
            assert await state["mailer"].tick(now) == 3
            first, broken, third = await _rows(ctx)
            assert first.sent_at == now and third.sent_at == now
            assert broken.failed_at == now and broken.sent_at is None
            assert broken.last_error == "the email could not be built"
            assert broken.claimed_by is None
            assert sorted(m["To"] for m in server.messages) == [
                "first@example.org", "third@example.org"]
            assert await state["mailer"].tick(now + timedelta(days=1)) == 0
    finally:
        server.stop()


async def test_two_processes_send_each_email_exactly_once(database_url: str) -> None:
    """Two app instances on one database, each with its sender, racing for 60 emails."""
    server = Inbox()
    server.start()
    settings = make_settings(database_url, CPS_SMTP_URL=server.url,
                             CPS_MAIL_POLL_SECONDS="0.05")
    try:
        async with asgi.running(create_app(settings)) as one, \
                asgi.running(create_app(settings)) as two:
            assert one["mailer"].worker != two["mailer"].worker
            ctx: Context = one["ctx"]
            await _queue(ctx, 60)
            await server.wait_for(60, timeout=30)
            await asyncio.sleep(0.3)  # anything sent twice would have arrived by now
            subjects = [m["Subject"] for m in server.messages]
            assert sorted(subjects) == sorted(f"Hello {i}" for i in range(60))
            rows = await _all_sent(ctx)
            assert {r.claimed_by for r in rows} == {None}
            assert all(r.attempts == 1 for r in rows)
    finally:
        server.stop()


async def test_a_person_gets_at_most_the_daily_cap(
        api: Api, ctx: Context, caplog: pytest.LogCaptureFixture) -> None:
    person = await api.user()
    caplog.set_level(logging.WARNING, logger="cps.mail")
    now = utcnow()
    async with ctx.db.write() as tx:
        already = await outbox.sent_recently(tx, person.id, now)  # the verification link
    queued = await _queue(ctx, 55, user_id=person.id, now=now)
    assert queued == [True] * (50 - already) + [False] * (5 + already)
    assert sum("over the daily cap" in r.getMessage()
               for r in caplog.records) == 5 + already
    # A day later the count starts again; another person was never limited.
    later = await _queue(ctx, 1, user_id=person.id, now=now + timedelta(hours=24, seconds=1))
    other = await api.user()
    assert later == [True] and await _queue(ctx, 1, user_id=other.id) == [True]


async def test_a_dedupe_key_queues_once(ctx: Context) -> None:
    assert await _queue(ctx, 1, dedupe_key="digest:1:2026-12-07") == [True]
    assert await _queue(ctx, 1, dedupe_key="digest:1:2026-12-07") == [False]
    assert len(await _rows(ctx)) == 1


async def test_without_a_server_nothing_is_queued_and_the_endpoints_answer(
        database_url: str) -> None:
    settings = make_settings(database_url)
    assert settings.smtp is None
    app = create_app(settings)
    async with asgi.running(app) as state, asgi.client(app, state) as http:
        api = Api(http)
        person = await api.user()
        await api.ok("POST", "/auth/password-reset", json={"email": person.email})
        await api.ok("POST", "/auth/verify-email/resend", person)
        assert await _queue(state["ctx"]) == [False]
        assert await _rows(state["ctx"]) == []


async def test_smtp_credentials_are_used_and_never_logged(
        database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    secret = "pa55-w0rd/with:odd@chars"
    server = Inbox(login=("mailer@example.org", secret))
    server.start()
    url = f"smtp://mailer%40example.org:{secret.replace('/', '%2F').replace(':', '%3A').replace('@', '%40')}@127.0.0.1:{server.port}"
    settings = make_settings(database_url, CPS_SMTP_URL=url, CPS_MAIL_POLL_SECONDS="3600")
    caplog.set_level(logging.DEBUG)
    try:
        assert settings.smtp is not None and settings.smtp.password == secret
        assert secret not in repr(settings) and secret not in str(settings.smtp)
        async with asgi.running(create_app(settings)) as state:
            await _queue(state["ctx"])
            await state["mailer"].tick()
            assert server.logins == [("mailer@example.org", secret)]
            assert len(server.messages) == 1
            # The server away: the failure is logged and stored without the password.
            server.stop()
            await _queue(state["ctx"])
            await state["mailer"].tick()
            rows = await _rows(state["ctx"])
            assert rows[1].sent_at is None and rows[1].last_error
            assert all(secret not in (r.last_error or "") for r in rows)
    finally:
        server.stop()
    assert any("email delayed" in r.getMessage() for r in caplog.records)
    assert secret not in caplog.text
    assert "pa55" not in caplog.text


@pytest.mark.parametrize("url", [
    "http://mail.example.org", "smtp://", "smtp://mail.example.org:99999",
    "smtp://user:hunter2-secret@:25",
])
def test_a_bad_smtp_url_stops_start_up_naming_the_variable_not_the_password(
        url: str) -> None:
    from cps.config import ConfigError
    with pytest.raises(ConfigError) as caught:
        load_settings(settings_env("sqlite:///:memory:", CPS_SMTP_URL=url))
    assert caught.value.variable == "CPS_SMTP_URL"
    assert "hunter2" not in str(caught.value)


def test_links_point_to_the_public_url_or_the_first_allowed_origin() -> None:
    env = settings_env("sqlite:///:memory:")
    assert load_settings(env).public_url == "http://localhost:8000"
    assert load_settings({**env, "CPS_ALLOWED_ORIGINS": "https://a.example, https://b.example"}
                         ).public_url == "https://a.example"
    assert load_settings({**env, "CPS_PUBLIC_URL": "https://cps.example.org/"}
                         ).public_url == "https://cps.example.org"
    from cps.config import ConfigError
    for bad in ("cps.example.org", "ftp://x"):
        with pytest.raises(ConfigError):
            load_settings({**env, "CPS_PUBLIC_URL": bad})
    with pytest.raises(ConfigError):
        load_settings({**env, "CPS_MAIL_FROM": "not an address"})


async def test_old_mail_and_long_expired_links_are_forgotten(
        api: Api, ctx: Context, mailer: Sender, inbox: Inbox) -> None:
    from cps.services.mail import tokens
    from cps.storage.mail import MailToken
    person = await api.user()
    await _queue(ctx, 2)
    await _all_sent(ctx)
    async with ctx.db.write() as tx:
        await tokens.issue(tx, ctx, person.id, "password_reset")
    before = len(await _rows(ctx))
    assert await outbox.prune(ctx, utcnow() + timedelta(days=1)) == 0
    removed = await outbox.prune(ctx, utcnow() + timedelta(days=61))
    left = [(r.kind, r.sent_at, r.failed_at) for r in await _rows(ctx)]
    assert left == [] and removed >= before
    async with ctx.db.read() as session:
        assert (await session.scalars(select(MailToken))).all() == []
