"""Accounts: registration, sign-in with throttling and rehash, tokens, sign-out."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError

from cps.services import events
from cps.services.context import Actor, Context
from cps.services.errors import Conflict, Invalid, NotSignedIn, RateLimited
from cps.services.views import UserView
from cps.storage.models import AuthToken, User
from cps.storage.types import utcnow

log = logging.getLogger("cps.accounts")

FAILED_LOGIN = "Wrong email or password."
EMAIL_MAX = 254  # the column's length


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
    )


def normalize_email(email: str) -> str:
    return email.strip().lower()


async def register(
    ctx: Context, *, email: str, password: str, display_name: str, stakeholder_type: str
) -> UserView:
    email = normalize_email(email)
    if len(email) > EMAIL_MAX:
        # Lowercasing can lengthen an address ("İ" becomes two characters).
        raise Invalid({"email": f"At most {EMAIL_MAX} characters."})
    password_hash = await ctx.passwords.hash(password)
    try:
        async with ctx.db.write() as tx:
            user = User(
                email=email,
                password_hash=password_hash,
                display_name=display_name.strip(),
                stakeholder_type=stakeholder_type,
                is_platform_admin=False,
            )
            tx.session.add(user)
            await tx.session.flush()
    except IntegrityError:
        raise Conflict("An account with this email already exists.", code="email_taken") from None
    log.info("account registered", extra={"user_id": user.id})
    return UserView.model_validate(user)


def _throttle_keys(email: str, client: str) -> tuple[str, str]:
    return f"login:email:{email}", f"login:client:{client}"


async def login(ctx: Context, *, email: str, password: str, client: str) -> Session:
    """Check the password (same cost whether or not the email exists), rehash
    if the parameters changed, and open a session."""
    email = normalize_email(email)
    settings = ctx.settings
    for key in _throttle_keys(email, client):
        wait = await ctx.throttle.retry_after(key, settings.login_attempts_per_window)
        if wait is not None:
            raise RateLimited("Too many sign-in attempts; try again later.", wait)
    async with ctx.db.read() as session:
        user = await session.scalar(select(User).where(User.email == email))
    ok = await ctx.passwords.verify(user.password_hash if user else None, password)
    if user is None or not ok:
        for key in _throttle_keys(email, client):
            await ctx.throttle.hit(
                key, settings.login_attempts_per_window, settings.login_window_seconds
            )
        log.info("sign-in refused", extra={"client": client})
        raise NotSignedIn(FAILED_LOGIN, code="invalid_credentials")
    await ctx.throttle.reset(_throttle_keys(email, client)[0])
    new_hash = None
    if ctx.passwords.needs_rehash(user.password_hash):
        new_hash = await ctx.passwords.hash(password)
    token = secrets.token_urlsafe(32)
    async with ctx.db.write() as tx:
        if new_hash is not None:
            await tx.session.execute(
                update(User).where(User.id == user.id).values(password_hash=new_hash)
            )
            user.password_hash = new_hash
        tx.session.add(AuthToken(user_id=user.id, token_hash=hash_token(token)))
    log.info("signed in", extra={"user_id": user.id, "rehashed": new_hash is not None})
    return Session(UserView.model_validate(user), token, csrf_token(settings.secret_key, token))


# Every authenticated request runs this: built once, and it reads only the
# columns an Actor holds (never the email or the password hash).
_TOKEN_ACTOR = (
    select(
        User.id, User.display_name, User.stakeholder_type, User.is_platform_admin, AuthToken.id
    )
    .join(AuthToken, AuthToken.user_id == User.id)
    .where(AuthToken.token_hash == bindparam("digest"), AuthToken.revoked_at.is_(None))
)


async def authenticate(ctx: Context, token: str) -> Actor | None:
    """The actor behind a bearer token or session cookie, or None if it is not valid."""
    digest = hash_token(token)
    async with ctx.db.read() as session:
        row = (await session.execute(_TOKEN_ACTOR, {"digest": digest})).first()
    if row is None:
        return None
    user_id, display_name, stakeholder_type, is_platform_admin, token_id = row
    return Actor(
        id=user_id,
        display_name=display_name,
        stakeholder_type=stakeholder_type,
        is_platform_admin=is_platform_admin,
        token_hash=digest,
        token_id=token_id,
    )


async def logout(ctx: Context, actor: Actor) -> None:
    """Revoke the token or cookie in use; live connections using it are closed."""
    if actor.token_hash is None:
        return
    async with ctx.db.write() as tx:
        await tx.session.execute(
            update(AuthToken)
            .where(AuthToken.token_hash == actor.token_hash)
            .values(revoked_at=utcnow())
        )
        await events.record(
            tx, ctx.events, f"user:{actor.id}", "session.revoked", {"token_id": actor.token_id}
        )
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
    password_hash = await ctx.passwords.hash(password)
    email = normalize_email(email)
    async with ctx.db.write() as tx:
        user = await tx.session.scalar(select(User).where(User.email == email))
        created = user is None
        if user is None:
            user = User(
                email=email,
                password_hash=password_hash,
                display_name=email.split("@")[0][:80] or "admin",
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
    ctx: Context, actor: Actor, *, display_name: str | None, stakeholder_type: str | None
) -> UserView:
    """A user changes their own display name or stakeholder type."""
    async with ctx.db.write() as tx:
        user = await tx.session.get(User, actor.id)
        if user is None:
            raise NotSignedIn("Sign in to do this.")
        if display_name is not None:
            user.display_name = display_name.strip()
        if stakeholder_type is not None:
            user.stakeholder_type = stakeholder_type
        await tx.session.flush()
    log.info("profile updated", extra={"user_id": actor.id})
    return UserView.model_validate(user)
