"""Accounts over email, as a person uses them: a forgotten password reset through the
link the real SMTP server received, verifying an address, changing a password; and
the attacks on each (unknown addresses, used, expired, forged and foreign tokens)."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from cps.services.context import Context
from cps.services.mail import tokens
from cps.storage.mail import MailToken, OutboxMessage
from cps.storage.types import utcnow
from tests.mail.smtp_server import Inbox, html_of, link_in, text_of, token_in
from tests.support.api import PASSWORD, Api, User

pytestmark = pytest.mark.anyio

NEW_PASSWORD = "a brand new passphrase"


async def test_a_forgotten_password_is_reset_through_the_emailed_link(
        api: Api, inbox: Inbox) -> None:
    alice = await api.user("Alice Reset")
    other_device = await api.login(alice.email)
    r = await api.call("POST", "/auth/password-reset", json={"email": alice.email.upper()})
    assert r.status_code == 202 and "on its way" in r.json()["message"]

    mail = await inbox.wait_for_mail(to=alice.email, subject="Reset your CPS password")
    assert mail["From"] == "CPS Test <cps@example.org>"
    assert mail["Subject"] == "Reset your CPS password"
    assert "Alice Reset" in text_of(mail) and "within an hour" in text_of(mail)
    link = link_in(mail, "/reset-password")
    assert link.startswith("https://cps.example.org/reset-password#token=")
    assert link in (html_of(mail) or "")

    await api.ok("POST", "/auth/password-reset/confirm",
                 json={"token": token_in(link), "password": NEW_PASSWORD})
    # Every session of the account is signed out, the new password signs in, the old no more.
    for session in (alice, other_device):
        assert (await api.call("GET", "/me", session)).status_code == 401
    assert (await api.call("POST", "/auth/login", json={
        "email": alice.email, "password": PASSWORD})).status_code == 401
    again = await api.login(alice.email, NEW_PASSWORD)
    assert (await api.ok("GET", "/me", again))["user"]["id"] == alice.id

    # The link works once.
    r = await api.call("POST", "/auth/password-reset/confirm",
                       json={"token": token_in(link), "password": "yet another passphrase"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "token_used"
    assert "token" in r.json()["error"]["fields"]


async def test_an_unknown_address_gets_the_same_answer_and_no_email(
        api: Api, inbox: Inbox, ctx: Context) -> None:
    known = await api.user()
    answers = [await api.call("POST", "/auth/password-reset", json={"email": email})
               for email in (known.email, "nobody-here@example.org")]
    assert [r.status_code for r in answers] == [202, 202]
    assert answers[0].content == answers[1].content
    assert sorted(answers[0].headers.keys()) == sorted(answers[1].headers.keys())
    await inbox.wait_for_mail(to=known.email, subject="Reset")
    async with ctx.db.read() as session:
        queued = (await session.scalars(select(OutboxMessage.to_address).where(
            OutboxMessage.kind == "password_reset"))).all()
    assert queued == [known.email]


async def test_reset_requests_are_throttled_alike_for_known_and_unknown_addresses(
        api: Api) -> None:
    known = await api.user()
    for email in (known.email, "ghost@example.org"):
        codes = [(await api.call("POST", "/auth/password-reset",
                                 json={"email": email})).status_code for _ in range(6)]
        assert codes == [202] * 5 + [429]


async def test_an_expired_link_is_refused_clearly(api: Api, ctx: Context) -> None:
    bob = await api.user()
    async with ctx.db.write() as tx:
        token = await tokens.issue(tx, ctx, bob.id, "password_reset",
                                   now=utcnow() - timedelta(hours=1, seconds=1))
    r = await api.call("POST", "/auth/password-reset/confirm",
                       json={"token": token, "password": NEW_PASSWORD})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "token_expired"
    assert "expired" in r.json()["error"]["message"]
    # Still signed in with the old password: nothing changed.
    assert (await api.call("GET", "/me", bob)).status_code == 200


async def test_forged_and_foreign_tokens_open_nothing(api: Api, ctx: Context) -> None:
    carol = await api.user()
    async with ctx.db.write() as tx:
        unsubscribe = await tokens.issue(tx, ctx, carol.id, "unsubscribe")
        verify = await tokens.issue(tx, ctx, carol.id, "verify_email")
    for token in ("forged", unsubscribe, verify, verify + "x"):
        r = await api.call("POST", "/auth/password-reset/confirm",
                           json={"token": token, "password": NEW_PASSWORD})
        assert r.status_code == 422 and r.json()["error"]["code"] == "token_invalid", token
    r = await api.call("POST", "/auth/password-reset/confirm",
                       json={"token": "x" * 5000, "password": NEW_PASSWORD})
    assert r.status_code == 422 and "token" in r.json()["error"]["fields"]
    r = await api.call("POST", "/auth/verify-email", json={"token": unsubscribe})
    assert r.status_code == 422 and r.json()["error"]["code"] == "token_invalid"
    # The database keeps no token as it was sent.
    async with ctx.db.read() as session:
        stored = (await session.scalars(select(MailToken.token_hash))).all()
    assert unsubscribe not in stored and verify not in stored


async def test_a_weak_new_password_is_refused_and_the_link_still_works(
        api: Api, inbox: Inbox) -> None:
    dan = await api.user()
    await api.ok("POST", "/auth/password-reset", json={"email": dan.email})
    mail = await inbox.wait_for_mail(to=dan.email, subject="Reset")
    token = token_in(link_in(mail, "/reset-password"))
    r = await api.call("POST", "/auth/password-reset/confirm",
                       json={"token": token, "password": "aaaaaaaaaaaa"})
    assert r.status_code == 422 and "password" in r.json()["error"]["fields"]
    await api.ok("POST", "/auth/password-reset/confirm",
                 json={"token": token, "password": NEW_PASSWORD})


async def test_a_new_account_is_sent_a_link_that_verifies_its_address(
        api: Api, inbox: Inbox, ctx: Context) -> None:
    erin = await api.user("Erin Verify")
    assert (await api.ok("GET", "/me", erin))["user"]["email_verified_at"] is None
    mail = await inbox.wait_for_mail(to=erin.email, subject="Confirm your email address")
    assert "Erin Verify" in text_of(mail)
    link = link_in(mail, "/verify-email")
    assert link.startswith("https://cps.example.org/verify-email#token=")
    await api.ok("POST", "/auth/verify-email", json={"token": token_in(link)})
    assert (await api.ok("GET", "/me", erin))["user"]["email_verified_at"] is not None
    r = await api.call("POST", "/auth/verify-email", json={"token": token_in(link)})
    assert r.status_code == 422 and r.json()["error"]["code"] == "token_used"
    # Verified: asking again sends nothing more.
    await api.ok("POST", "/auth/verify-email/resend", erin)
    async with ctx.db.read() as session:
        kinds = (await session.scalars(select(OutboxMessage.kind).where(
            OutboxMessage.user_id == erin.id))).all()
    assert kinds == ["verify_email"]


async def test_the_verification_link_can_be_sent_again(api: Api, inbox: Inbox) -> None:
    fred = await api.user()
    first = await inbox.wait_for_mail(to=fred.email, subject="Confirm")
    await api.ok("POST", "/auth/verify-email/resend", fred)
    for _ in range(200):
        if len(inbox.matching(to=fred.email, subject="Confirm")) == 2:
            break
        await asyncio.sleep(0.02)
    second = inbox.matching(to=fred.email, subject="Confirm")[1]
    assert token_in(link_in(first, "/verify-email")) != token_in(link_in(second, "/verify-email"))
    # Either link works (the first one too), once.
    await api.ok("POST", "/auth/verify-email",
                 json={"token": token_in(link_in(first, "/verify-email"))})


async def test_resending_verification_needs_a_sign_in(api: Api) -> None:
    r = await api.call("POST", "/auth/verify-email/resend")
    assert r.status_code == 401 and r.json()["error"]["code"] == "not_signed_in"


async def test_changing_a_password_asks_for_the_current_one_and_signs_out_the_others(
        api: Api) -> None:
    fay = await api.user()
    laptop = await api.login(fay.email)
    r = await api.call("POST", "/me/password", fay,
                       {"current_password": "not my password", "new_password": NEW_PASSWORD})
    assert r.status_code == 422 and "current_password" in r.json()["error"]["fields"]
    r = await api.call("POST", "/me/password", fay,
                       {"current_password": PASSWORD, "new_password": PASSWORD})
    assert r.status_code == 422 and "new_password" in r.json()["error"]["fields"]
    r = await api.call("POST", "/me/password", fay,
                       {"current_password": PASSWORD, "new_password": "aaaaaaaaaaaa"})
    assert r.status_code == 422 and "new_password" in r.json()["error"]["fields"]

    await api.ok("POST", "/me/password", fay,
                 {"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert (await api.call("GET", "/me", fay)).status_code == 200  # this session stays
    assert (await api.call("GET", "/me", laptop)).status_code == 401
    await api.login(fay.email, NEW_PASSWORD)
    r = await api.call("POST", "/me/password", None,
                       {"current_password": NEW_PASSWORD, "new_password": "x" * 20})
    assert r.status_code == 401


async def test_guessing_the_current_password_is_throttled(api: Api) -> None:
    gus = await api.user()
    codes = [(await api.call("POST", "/me/password", gus, {
        "current_password": f"guess {n}", "new_password": NEW_PASSWORD})).status_code
        for n in range(6)]
    assert codes == [422] * 5 + [429]
    r = await api.call("POST", "/me/password", gus,
                       {"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert r.status_code == 429 and "Retry-After" in r.headers


async def test_a_foreign_page_cannot_ask_for_a_reset_or_use_a_link(api: Api, inbox: Inbox) -> None:
    """A page on another site cannot make a visitor's browser ask for resets (mail
    bombing someone) nor spend a link (the endpoints need no sign-in, so only the
    cross-site check stands between them and such a page)."""
    victim = await api.user()
    for path, body in (("/auth/password-reset", {"email": victim.email}),
                       ("/auth/password-reset/confirm", {"token": "t", "password": NEW_PASSWORD}),
                       ("/auth/verify-email", {"token": "t"}),
                       ("/email/unsubscribe", {"token": "t"})):
        r = await api.call("POST", path, json=body,
                           headers={"Origin": "https://evil.example",
                                    "Sec-Fetch-Site": "cross-site"})
        assert r.status_code == 403, path
        assert r.json()["error"]["code"]
    assert inbox.matching(subject="Reset") == []


async def test_odd_input_is_refused_in_the_envelope(api: Api) -> None:
    user = await api.user()
    cases: list[tuple[str, Any, User | None]] = [
        ("/auth/password-reset", {"email": "x" * 300 + "@example.org"}, None),
        ("/auth/password-reset", {"email": "not an address"}, None),
        ("/auth/password-reset", {"email": ["a@example.org"]}, None),
        ("/auth/password-reset/confirm", {"token": "t", "password": "p" * 500}, None),
        ("/auth/password-reset/confirm", {"token": 12345, "password": NEW_PASSWORD}, None),
        ("/auth/verify-email", {"token": "\x00"}, None),
        ("/me/password", {"current_password": PASSWORD, "new_password": "n" * 129}, user),
        ("/me/password", {"current_password": PASSWORD}, user),
    ]
    for path, body, who in cases:
        r = await api.call("POST", path, who, body)
        assert r.status_code == 422, (path, body, r.text)
        assert r.json()["error"]["code"] and r.json()["error"]["fields"], (path, body)


async def test_a_reset_token_never_reaches_a_log(
        api: Api, inbox: Inbox, caplog: pytest.LogCaptureFixture) -> None:
    # INFO, as `cps serve` logs (cps/logs.py); a driver's DEBUG lines echo every
    # statement's parameters, which no production log level shows.
    caplog.set_level(logging.INFO)
    ivy = await api.user()
    await api.ok("POST", "/auth/password-reset", json={"email": ivy.email})
    mail = await inbox.wait_for_mail(to=ivy.email, subject="Reset")
    token = token_in(link_in(mail, "/reset-password"))
    await api.ok("POST", "/auth/password-reset/confirm",
                 json={"token": token, "password": NEW_PASSWORD})
    assert any("password reset" in r.getMessage() for r in caplog.records)
    assert token not in caplog.text and NEW_PASSWORD not in caplog.text
