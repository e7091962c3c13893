"""Accounts over email: verify an address, reset a forgotten password, change a
password (docs/email.md).

- A reset request answers the same whatever the address: the same work (one write
  transaction that looks the address up) is done either way, and the email is only
  queued (the outbox), never sent while the request waits. Requests are throttled
  per address asked about and per client, unknown addresses alike.
- A reset link is a single-use token that expires in an hour; using it sets the
  password and signs out every session of the account (and proves the address).
- Changing a password asks for the current one (failures throttled like sign-in)
  and signs out every other session; the one in use stays.
"""

from __future__ import annotations

import asyncio
import html
import logging
import time
from datetime import datetime

from sqlalchemy import select, update

from cps.services.accounts import addresses, identity, password_rules
from cps.services.context import Actor, Context
from cps.services.errors import Invalid, NotSignedIn, RateLimited
from cps.services.events import notify
from cps.services.languages.catalogues import gettext_in
from cps.services.languages.locales import negotiate
from cps.services.mail import links, outbox, tokens
from cps.storage.database import Transaction
from cps.storage.models import AuthToken, User
from cps.storage.types import utcnow

log = logging.getLogger("cps.accounts")

# Reset requests: per address asked about, and per client, in an hour.
RESETS_PER_EMAIL = 5
RESETS_PER_CLIENT = 20
VERIFY_RESENDS = 5  # per person per hour
HOUR = 3600.0
RESET_FLOOR = 0.25  # seconds: no reset request is answered sooner, known address or not
# Wrong current passwords per person before changing is locked for a while.
CHANGE_FAILURES = 5
CHANGE_WINDOW = 300.0


def _body(lines: list[str], link: str) -> tuple[str, str]:
    """The text and HTML of an account email: paragraphs and one link."""
    text = "\n\n".join([*lines[:1], link, *lines[1:]]) + "\n"
    paragraphs = [f"<p>{html.escape(line)}</p>" for line in lines]
    anchor = f'<p><a href="{html.escape(link)}">{html.escape(link)}</a></p>'
    return text, "".join([*paragraphs[:1], anchor, *paragraphs[1:]])


async def _throttle(ctx: Context, key: str, limit: int, window: float, message: str) -> None:
    wait = await ctx.throttle.hit(key, limit, window)
    if wait is not None:
        raise RateLimited(message, wait)


async def _signed_out_everywhere(tx: Transaction, ctx: Context, user_id: int,
                                 keep: int | None = None) -> int:
    """Revoke every session of `user_id` but `keep`, and close their live sockets."""
    query = select(AuthToken.id).where(AuthToken.user_id == user_id,
                                       AuthToken.revoked_at.is_(None))
    if keep is not None:
        query = query.where(AuthToken.id != keep)
    ids = list((await tx.session.scalars(query)).all())
    if ids:
        await tx.session.execute(
            update(AuthToken).where(AuthToken.id.in_(ids)).values(revoked_at=utcnow()))
    for token_id in ids:
        await notify.user(tx, ctx, user_id, "session.revoked", {"token_id": token_id})
    return len(ids)


# --- verifying an address --------------------------------------------------------------

async def queue_verification(tx: Transaction, ctx: Context, user: User,
                             now: datetime | None = None) -> bool:
    """Queue the email that proves `user` reads their address (in `tx`)."""
    if ctx.settings.smtp is None or user.email_verified_at is not None:
        return False
    token = await tokens.issue(tx, ctx, user.id, "verify_email", now)
    link = links.page(ctx, "/verify-email", fragment={"token": token})
    code = negotiate(user.locale)  # the account's language (docs/languages.md)
    text, markup = _body([
        gettext_in(code, "Hello {name}, please confirm this is your email address for CPS:"
                   ).format(name=user.display_name),
        gettext_in(code, "The link works for two days. If you did not sign up, ignore this "
                         "email."),
    ], link)
    subject = gettext_in(code, "Confirm your email address for CPS")
    return await outbox.enqueue(
        tx, ctx, to=user.email, subject=subject, text=text,
        html=markup, user_id=user.id, kind="verify_email", now=now)


async def send_verification(ctx: Context, user_id: int) -> None:
    """After sign-up: queue the verification email of a new account."""
    if ctx.settings.smtp is None:
        return  # no transaction at all: sign-ups without email cost what they did
    async with ctx.db.write() as tx:
        user = await tx.session.get(User, user_id)
        if user is not None:
            await queue_verification(tx, ctx, user)


async def resend_verification(ctx: Context, actor: Actor) -> None:
    """The signed-in person asks for the verification email again (202 whatever
    happens: already verified, or no mail server, queues nothing)."""
    await _throttle(ctx, f"verify:resend:{actor.id}", VERIFY_RESENDS, HOUR,
                    "Too many verification emails asked for; try again later.")
    async with ctx.db.write() as tx:
        user = await tx.session.get(User, actor.id)
        if user is None:
            raise NotSignedIn("Sign in to do this.")
        await queue_verification(tx, ctx, user)


async def verify_email(ctx: Context, token: str) -> None:
    """Use a verification link: the account's address is verified."""
    async with ctx.db.write() as tx:
        user_id = await tokens.redeem(tx, ctx, token, "verify_email")
        await tx.session.execute(
            update(User).where(User.id == user_id, User.email_verified_at.is_(None))
            .values(email_verified_at=utcnow()))
    log.info("email verified", extra={"user_id": user_id})


# --- a forgotten password ------------------------------------------------------------

async def request_password_reset(ctx: Context, email: str, client: str) -> None:
    """Queue a reset link to `email` if an account has it; the same answer, after the
    same work, if none does."""
    email = identity.normalize_email(email)
    await _throttle(ctx, f"reset:client:{addresses.limit_key(client)}", RESETS_PER_CLIENT, HOUR,
                    "Too many password resets asked for; try again later.")
    await _throttle(ctx, f"reset:email:{email}", RESETS_PER_EMAIL, HOUR,
                    "Too many password resets asked for; try again later.")
    started = time.monotonic()
    user_id = await _queue_reset(ctx, email)
    # Writing a token and an email takes longer than finding no account: the answer
    # leaves no sooner than RESET_FLOOR either way, so its timing names no address.
    await asyncio.sleep(max(0.0, RESET_FLOOR - (time.monotonic() - started)))
    if user_id is not None:
        log.info("password reset asked", extra={"user_id": user_id})


async def _queue_reset(ctx: Context, email: str) -> int | None:
    """The reset email to the account with `email`, if any (its id)."""
    async with ctx.db.write() as tx:
        user = await tx.session.scalar(select(User).where(User.email == email))
        if user is None or ctx.settings.smtp is None:
            return None
        token = await tokens.issue(tx, ctx, user.id, "password_reset")
        link = links.page(ctx, "/reset-password", fragment={"token": token})
        code = negotiate(user.locale)
        text, markup = _body([
            gettext_in(code, "Hello {name}, someone asked to reset the password of your CPS "
                             "account. To choose a new one, open this link within an hour:"
                       ).format(name=user.display_name),
            gettext_in(code, "It works once. If it was not you, ignore this email: your "
                             "password stays as it is."),
        ], link)
        await outbox.enqueue(tx, ctx, to=user.email,
                             subject=gettext_in(code, "Reset your CPS password"),
                             text=text, html=markup, user_id=user.id, kind="password_reset")
        return user.id


async def reset_password(ctx: Context, token: str, password: str) -> None:
    """Use a reset link: the new password, and every session of the account ended."""
    async with ctx.db.read() as session:
        user_id = await tokens.holder(session, ctx, token, "password_reset")
        user = await session.get(User, user_id)
    assert user is not None  # a token's user: the row cascades away with the account
    password_rules.check_password(password, email=user.email, display_name=user.display_name)
    password_hash = await ctx.passwords.hash(password)
    async with ctx.db.write() as tx:
        await tokens.redeem(tx, ctx, token, "password_reset")
        now = utcnow()
        await tx.session.execute(
            update(User).where(User.id == user_id).values(password_hash=password_hash))
        # Whoever opened the link reads the mailbox: the address is proven too.
        await tx.session.execute(
            update(User).where(User.id == user_id, User.email_verified_at.is_(None))
            .values(email_verified_at=now))
        await tokens.spend_all(tx, user_id, "password_reset", now)  # older links too
        ended = await _signed_out_everywhere(tx, ctx, user_id)
    log.info("password reset", extra={"user_id": user_id, "sessions_ended": ended})


# --- changing a password ------------------------------------------------------------

async def change_password(ctx: Context, actor: Actor, current: str, new: str) -> None:
    """Set a new password (the current one is asked for); every other session ends."""
    key = f"password:change:{actor.id}"
    wait = await ctx.throttle.retry_after(key, CHANGE_FAILURES)
    if wait is not None:
        raise RateLimited("Too many wrong passwords; try again later.", wait)
    async with ctx.db.read() as session:
        user = await session.get(User, actor.id)
    if user is None:
        raise NotSignedIn("Sign in to do this.")
    if not await ctx.passwords.verify(user.password_hash, current):
        await ctx.throttle.hit(key, CHANGE_FAILURES, CHANGE_WINDOW)
        raise Invalid({"current_password": "This is not your current password."},
                      "Your current password is not right.")
    if new == current:
        raise Invalid({"new_password": "Choose a password other than your current one."})
    try:
        password_rules.check_password(new, email=user.email, display_name=user.display_name)
    except Invalid as error:
        said = error.fields.get("password", error.message)
        raise Invalid({"new_password": said}, error.message) from None
    password_hash = await ctx.passwords.hash(new)
    async with ctx.db.write() as tx:
        await tx.session.execute(
            update(User).where(User.id == actor.id).values(password_hash=password_hash))
        await tokens.spend_all(tx, actor.id, "password_reset")  # links sent before
        ended = await _signed_out_everywhere(tx, ctx, actor.id, keep=actor.token_id)
    log.info("password changed", extra={"user_id": actor.id, "sessions_ended": ended})
