"""Accounts: registration, sign-in with throttling and rehash, tokens, sign-out.

Sign-up is throttled per client address and for the whole server, and checks
everything cheap (the throttle, the password rules, whether the email is taken)
before it spends an argon2id hash; its hashes take at most a share of the
hashing capacity, so a flood of sign-ups cannot starve sign-ins.

Sign-in failures are counted per (account, client address) and per address,
in stages whose windows grow (5 minutes, an hour, a day): an attacker locks
out only their own addresses, never the owner signing in from elsewhere.
Sessions end on the server (docs/security.md): at an absolute lifetime, or
after going unused for the idle lifetime.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta
from types import EllipsisType
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError

from cps.services.accounts import addresses, handles, names, password_rules, sessions
from cps.services.accounts.views import UserView
from cps.services.context import Actor, Context
from cps.services.errors import Conflict, Invalid, NotSignedIn, RateLimited
from cps.services.languages.locales import LOCALES
from cps.storage import portable
from cps.storage.models import AuthToken, User
from cps.storage.types import utcnow

log = logging.getLogger("cps.accounts")

FAILED_LOGIN = "Wrong email or password."
EMAIL_MAX = 254  # the column's length
# A session's last use is written at most this often (not on every request).
TOUCH_EVERY = timedelta(minutes=5)
# Sign-in lock-out stages: (multiple of the base limit, multiple of the base window).
# Five failures in 5 minutes lock for what is left of those 5 minutes; ten in an
# hour, for the hour; twenty in a day, for the day.
LOGIN_STAGES = ((1, 1), (2, 12), (4, 288))
SIGNUP_WINDOW = 3600.0  # seconds: signups_per_address counts per hour
HANDLE_CHANGES_PER_DAY = 5
SIGNUP_HANDLE_TRIES = 4  # a proposed handle lost to a sign-up at the same moment


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token(secret_key: str, token: str) -> str:
    """The CSRF proof bound to a session token (double-submit, signed)."""
    return hmac.new(secret_key.encode(), b"csrf:" + token.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Session:
    user: UserView
    token: str
    csrf: str


def _actor(user: User, token_hash: str | None = None) -> Actor:
    return Actor(
        id=user.id,
        display_name=user.display_name,
        stakeholder_type=user.stakeholder_type,
        is_platform_admin=user.is_platform_admin,
        token_hash=token_hash,
        handle=user.handle,
    )


def normalize_email(email: str) -> str:
    """One spelling per address: NFKC (a full-width letter is its plain one), trimmed,
    lower case."""
    if not email.isascii():
        email = unicodedata.normalize("NFKC", email)
    return email.strip().lower()


def _refuse_invisible(email: str) -> None:
    """An address with invisible or space characters is a second spelling of
    another one, never a mailbox of its own."""
    if not email.isascii() and any(
        unicodedata.category(c)[0] in "CZ" for c in email
    ):
        raise Invalid({"email": "An email address has no spaces or invisible characters."})


async def _throttle_signup(ctx: Context, client: str | None) -> None:
    """Count a sign-up attempt from `client` (None: not over the network, e.g. `cps demo`)."""
    settings = ctx.settings
    if client is None or not settings.rate_limits:
        return
    for key, limit, window in (
        (f"signup:client:{addresses.limit_key(client)}", settings.signups_per_address,
         SIGNUP_WINDOW),
        ("signup:all", settings.signups_per_minute, 60.0),
    ):
        wait = await ctx.throttle.hit(key, limit, window)
        if wait is not None:
            log.info("sign-up throttled", extra={"scope": key.split(":")[1]})
            raise RateLimited("Too many sign-ups; try again later.", wait)


async def register(
    ctx: Context,
    *,
    email: str,
    password: str,
    display_name: str,
    stakeholder_type: str,
    client: str | None = None,
    handle: str | None = None,
) -> UserView:
    """A new account. `handle`: the one asked for (409 `handle_taken` when someone has
    it), else one proposed from the display name (cps/services/accounts/handles.py)."""
    email = normalize_email(email)
    if len(email) > EMAIL_MAX:
        # Lowercasing can lengthen an address ("İ" becomes two characters).
        raise Invalid({"email": f"At most {EMAIL_MAX} characters."})
    _refuse_invisible(email)
    display_name = names.display_name(display_name)
    asked = handles.check(handle) if handle is not None else None
    password_rules.check_password(password, email=email, display_name=display_name)
    # Only what passed those checks counts toward the throttle: a person who tries
    # a few refused passwords (or a household behind one address) is not locked out.
    await _throttle_signup(ctx, client)
    # Cheap before costly: a taken email is answered without hashing anything.
    async with ctx.db.read() as session:
        taken = await session.scalar(select(User.id).where(User.email == email))
        handle_taken = asked is not None and await handles.is_taken(session, asked)
    if taken is not None:
        raise Conflict("An account with this email already exists.", code="email_taken")
    if handle_taken:
        raise _handle_taken()
    password_hash = await ctx.passwords.hash(password, signup=True)
    # A proposed handle taken by a sign-up at the same moment: propose again, with a
    # random number (the next free one in order is what the others are taking too).
    for attempt in range(SIGNUP_HANDLE_TRIES):
        try:
            async with ctx.db.write() as tx:
                user = User(
                    email=email,
                    password_hash=password_hash,
                    display_name=display_name,
                    handle=asked or await handles.unique_from(
                        tx.session, handles.propose(display_name), crowded=attempt > 0),
                    stakeholder_type=stakeholder_type,
                    is_platform_admin=False,
                )
                tx.session.add(user)
                await tx.session.flush()
            break
        except IntegrityError:
            async with ctx.db.read() as session:
                email_taken = await session.scalar(select(User.id).where(User.email == email))
            if email_taken is not None:
                raise Conflict("An account with this email already exists.",
                               code="email_taken") from None
            if asked is not None or attempt == SIGNUP_HANDLE_TRIES - 1:
                raise _handle_taken() from None
    log.info("account registered", extra={"user_id": user.id})
    return UserView.model_validate(user)


def _handle_taken() -> Conflict:
    return Conflict("Someone already has this handle; choose another.", code="handle_taken")


def _lockouts(ctx: Context, email: str, client: str) -> list[tuple[str, int, float]]:
    """The counters one failed sign-in adds to: (key, limit, window seconds)."""
    settings = ctx.settings
    base = float(settings.login_window_seconds)
    client = addresses.limit_key(client)
    counters = []
    for times, stretch in LOGIN_STAGES:
        window = base * stretch
        counters.append((f"login:pair:{stretch}:{email}:{client}",
                         settings.login_attempts_per_window * times, window))
        counters.append((f"login:client:{stretch}:{client}",
                         settings.login_attempts_per_address * times, window))
    return counters


async def login(
    ctx: Context, *, email: str, password: str, client: str, user_agent: str = ""
) -> Session:
    """Check the password (same cost whether or not the email exists), rehash
    if the parameters changed, and open a session."""
    email = normalize_email(email)
    settings = ctx.settings
    counters = _lockouts(ctx, email, client)
    waits = [
        wait for key, limit, _ in counters
        if (wait := await ctx.throttle.retry_after(key, limit)) is not None
    ]
    if waits:
        raise RateLimited("Too many sign-in attempts; try again later.", max(waits))
    async with ctx.db.read() as session:
        user = await session.scalar(select(User).where(User.email == email))
    ok = await ctx.passwords.verify(user.password_hash if user else None, password)
    if user is None or not ok:
        for key, limit, window in counters:
            await ctx.throttle.hit(key, limit, window)
        log.info("sign-in refused", extra={"client": client})
        raise NotSignedIn(FAILED_LOGIN, code="invalid_credentials")
    for key, _, _ in counters:
        if key.startswith("login:pair:"):
            await ctx.throttle.reset(key)
    new_hash = None
    if ctx.passwords.needs_rehash(user.password_hash):
        new_hash = await ctx.passwords.hash(password)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    async with ctx.db.write() as tx:
        if new_hash is not None:
            await tx.session.execute(
                update(User).where(User.id == user.id).values(password_hash=new_hash)
            )
            user.password_hash = new_hash
        tx.session.add(AuthToken(
            user_id=user.id, token_hash=hash_token(token), created_at=now, last_used_at=now,
            expires_at=now + timedelta(seconds=settings.session_max_seconds),
            user_agent=user_agent[:200], address=client[:64],
        ))
    log.info("signed in", extra={"user_id": user.id, "rehashed": new_hash is not None})
    return Session(UserView.model_validate(user), token, csrf_token(settings.secret_key, token))


# Every authenticated request runs this: built once, and it reads only the
# columns an Actor holds (never the email or the password hash). PostgreSQL runs it
# on its driver (portable.Hot).
_TOKEN_ACTOR = (
    select(
        User.id, User.display_name, User.stakeholder_type, User.is_platform_admin, AuthToken.id,
        AuthToken.last_used_at, User.handle, User.locale,
    )
    .join(AuthToken, AuthToken.user_id == User.id)
    .where(
        AuthToken.token_hash == bindparam("digest"),
        *sessions.in_force(bindparam("now"), bindparam("idle_since")),
    )
)
_TOKEN_ACTOR_HOT = portable.Hot(lambda _kind: _TOKEN_ACTOR)
_TOUCH = (
    update(AuthToken)
    .where(AuthToken.id == bindparam("token_id"))
    .values(last_used_at=bindparam("now"))
)


async def authenticate(ctx: Context, token: str) -> Actor | None:
    """The actor behind a bearer token or session cookie, or None if it is not
    valid: unknown, revoked, past its absolute lifetime or unused for too long."""
    digest = hash_token(token)
    now = utcnow()
    idle_since = now - timedelta(seconds=ctx.settings.session_idle_seconds)
    async with ctx.db.read_one() as conn:
        rows = await _TOKEN_ACTOR_HOT.rows(
            conn, {"digest": digest, "now": now, "idle_since": idle_since})
    if not rows:
        return None
    row = rows[0]
    if now - row[5] >= TOUCH_EVERY:
        async with ctx.db.write() as tx:
            await tx.session.execute(_TOUCH, {"token_id": row[4], "now": now})
    return _token_actor(digest, tuple(row))


def _token_actor(digest: str, row: tuple[Any, ...]) -> Actor:
    user_id, display_name, stakeholder_type, is_platform_admin, token_id, _, handle, locale = row
    return Actor(
        id=user_id,
        display_name=display_name,
        stakeholder_type=stakeholder_type,
        is_platform_admin=is_platform_admin,
        token_hash=digest,
        token_id=token_id,
        handle=handle,
        locale=locale,
    )


_TOKEN_ACTORS = (
    select(*_TOKEN_ACTOR.selected_columns, AuthToken.token_hash)
    .join(AuthToken, AuthToken.user_id == User.id)
    .where(
        AuthToken.token_hash.in_(bindparam("digests", expanding=True)),
        *sessions.in_force(bindparam("now"), bindparam("idle_since")),
    )
)


async def authenticate_many(ctx: Context, tokens: Collection[str]) -> dict[str, Actor | None]:
    """`authenticate` for a burst of tokens (a node's sockets reconnecting at once):
    one read for them all, and one write for those last used over 5 minutes ago."""
    digests = {hash_token(token): token for token in tokens}
    now = utcnow()
    idle_since = now - timedelta(seconds=ctx.settings.session_idle_seconds)
    async with ctx.db.read_one() as conn:
        rows = (await conn.execute(
            _TOKEN_ACTORS, {"digests": list(digests), "now": now, "idle_since": idle_since}
        )).all()
    stale = [row[4] for row in rows if now - row[5] >= TOUCH_EVERY]
    if stale:
        async with ctx.db.write() as tx:
            await tx.session.execute(
                update(AuthToken).where(AuthToken.id.in_(stale)).values(last_used_at=now))
    actors: dict[str, Actor | None] = dict.fromkeys(tokens)
    for row in rows:
        actors[digests[row[-1]]] = _token_actor(row[-1], tuple(row[:-1]))
    return actors


async def logout(ctx: Context, actor: Actor) -> None:
    """Revoke the token or cookie in use; live connections using it are closed."""
    if actor.token_id is None:
        return
    async with ctx.db.write() as tx:
        await sessions.revoke(tx, ctx, actor, [actor.token_id])
    log.info("signed out", extra={"user_id": actor.id})


async def me(ctx: Context, actor: Actor) -> UserView:
    async with ctx.db.read() as session:
        user = await session.get(User, actor.id)
    if user is None:
        raise NotSignedIn("Sign in to do this.")
    return UserView.model_validate(user)


async def create_admin(ctx: Context, *, email: str, password: str) -> tuple[UserView, bool]:
    """Create a platform admin, or promote (and reset the password of) an existing account.
    Answers the user and whether it was created."""
    email = normalize_email(email)
    async with ctx.db.read() as session:
        existing = await session.scalar(select(User).where(User.email == email))
    password_rules.check_password(
        password, email=email,
        display_name=existing.display_name if existing else email.split("@")[0],
    )
    password_hash = await ctx.passwords.hash(password)
    async with ctx.db.write() as tx:
        user = await tx.session.scalar(select(User).where(User.email == email))
        created = user is None
        if user is None:
            display_name = email.split("@")[0][:80] or "admin"
            user = User(
                email=email,
                password_hash=password_hash,
                display_name=display_name,
                handle=await handles.unique_from(tx.session, handles.propose(display_name)),
                stakeholder_type="government",
                is_platform_admin=True,
            )
            tx.session.add(user)
        else:
            user.is_platform_admin = True
            user.password_hash = password_hash
        await tx.session.flush()
    return UserView.model_validate(user), created


async def update_profile(
    ctx: Context, actor: Actor, *, display_name: str | None, stakeholder_type: str | None,
    handle: str | None = None, locale: str | EllipsisType | None = ...,
) -> UserView:
    """A user changes their own display name, stakeholder type, handle (409
    `handle_taken` when someone else has it) or language (`locale`: a code of
    cps/services/languages/locales.py, or None for their browser's; `...` keeps it)."""
    asked = handles.check(handle, staff=actor.is_platform_admin) if handle is not None else None
    if isinstance(locale, str) and locale not in LOCALES:
        raise Invalid({"locale": f"Expected one of: {', '.join(LOCALES)}."})
    if asked is not None and asked != actor.handle and ctx.settings.rate_limits:
        # Every handle given up stays its owner's: changing again and again would hoard them.
        wait = await ctx.throttle.hit(f"handle:user:{actor.id}", HANDLE_CHANGES_PER_DAY, 86400.0)
        if wait is not None:
            raise RateLimited("You changed your handle too often today; try again later.", wait)
    try:
        async with ctx.db.write() as tx:
            user = await tx.session.get(User, actor.id)
            if user is None:
                raise NotSignedIn("Sign in to do this.")
            if display_name is not None:
                user.display_name = names.display_name(display_name,
                                                       staff=actor.is_platform_admin)
            if stakeholder_type is not None:
                user.stakeholder_type = stakeholder_type
            if locale is not ...:
                user.locale = locale
            if asked is not None and asked != user.handle:
                if await handles.is_taken(tx.session, asked, by_other_than=actor.id):
                    raise _handle_taken()
                await handles.change(tx.session, user, asked)
            await tx.session.flush()
    except IntegrityError:  # taken by someone else at the same moment
        raise _handle_taken() from None
    log.info("profile updated", extra={"user_id": actor.id})
    return UserView.model_validate(user)
