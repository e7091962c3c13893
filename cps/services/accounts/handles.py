"""Handles: the name a person is mentioned by (`@handle`), unique on the platform.

`person` is who has a handle, for the page a mention links to (`/u/{handle}`).
A handle someone gave up stays theirs (`former_handles`): nobody else may take
it, and `person` still finds them by it, so a mention written before the change
never leads to a newcomer who took the name. Its owner may take it back.

A handle is 3 to 30 of `a-z 0-9 . _ -`, starting and ending with a letter or a
digit, so the full stop that ends a sentence ("thanks @min-ji.") is not part of
the mention. What a person types is read kindly first: a leading `@` dropped,
capitals lowered; anything else outside the set (spaces, accents, other scripts)
is refused with a message saying what is allowed. Like display names, a handle may
not pass for the platform's staff ("admin", "moderator.kim", "cps-support"),
except for platform admins.

At sign-up without one, a handle is proposed from the display name: accents
dropped ("José" is "jose"), every run of other characters one "-", cut to fit;
a name with no Latin letters or digits at all (Korean, Arabic...) gives "user",
one with one or two of them gets "-user" after them ("Al" is "al-user").
When the proposal is taken a number is added ("min-ji-park2"); `unique_from`
finds the first free one in one statement for the common cases.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

from sqlalchemy import delete, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from cps.services.accounts import names
from cps.services.accounts.views import Author
from cps.services.context import Context
from cps.services.errors import Invalid, NotFound
from cps.storage.models import FormerHandle, User

MIN_LENGTH = 3
MAX_LENGTH = 30
FALLBACK = "user"
PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9._-]{1,28})[a-z0-9]")
# Room left after a proposal for the number that makes it unique (up to 6 digits).
_PROPOSAL_MAX = MAX_LENGTH - 6


def normalise(raw: str) -> str:
    """What the person meant: trimmed, without a leading "@", ASCII capitals lowered.
    Nothing else is changed: a character outside the set stays, to be refused."""
    text = raw.strip()
    if text.startswith("@"):
        text = text[1:]
    return "".join(c.lower() if c.isascii() else c for c in text)


def check(raw: str, *, staff: bool = False) -> str:
    """The handle `raw` asks for, or Invalid naming `handle`."""
    handle = normalise(raw)
    # One sentence says the whole rule, length included, in the reader's language (a
    # template filled with an English rule would not be).
    if not MIN_LENGTH <= len(handle) <= MAX_LENGTH or not PATTERN.fullmatch(handle):
        raise Invalid({"handle": "Use 3 to 30 of a-z, 0-9, '.', '_' and '-', starting and "
                                 "ending with a letter or digit."})
    if not staff and names.mimics_staff(re.sub(r"[._-]+", " ", handle)):
        raise Invalid(
            {"handle": "Handles that start with words such as admin, moderator, staff, "
                       "official, support, system or cps are kept for the platform's "
                       "staff; choose another."},
            "This handle would pass for the platform's staff.",
        )
    return handle


def propose(display_name: str) -> str:
    """A valid handle made from a display name (see the module's docstring)."""
    folded = unicodedata.normalize("NFKD", display_name)
    ascii_only = "".join(c for c in folded if c.isascii()).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-")[:_PROPOSAL_MAX].strip("-")
    if len(slug) < MIN_LENGTH:
        slug = f"{slug}-{FALLBACK}" if slug else FALLBACK
    if names.mimics_staff(slug.replace("-", " ")):
        slug = FALLBACK
    return slug


async def unique_from(session: AsyncSession, base: str, *, crowded: bool = False) -> str:
    """`base`, or `base` with the first free number of 2-9 after it, or with a random
    one (at once when `crowded`: others are taking the same ones right now); free
    when read (the unique index decides a race)."""
    if not crowded:
        candidates = [base] + [f"{base}{n}" for n in range(2, 10)]
        taken = await _held(session, candidates)
        for candidate in candidates:
            if candidate not in taken:
                return candidate
    for digits in (3, 4, 5, 6):
        candidate = f"{base}{secrets.randbelow(9 * 10 ** (digits - 1)) + 10 ** (digits - 1)}"
        if not await _held(session, [candidate]):
            return candidate
    return f"{base}{secrets.token_hex(3)}"


async def _held(session: AsyncSession, candidates: list[str]) -> set[str]:
    """Which of `candidates` someone has now or gave up (one statement)."""
    held = union_all(select(User.handle).where(User.handle.in_(candidates)),
                     select(FormerHandle.handle).where(FormerHandle.handle.in_(candidates)))
    return set((await session.scalars(held)).all())


async def is_taken(session: AsyncSession, handle: str, *, by_other_than: int | None = None
                   ) -> bool:
    """Whether someone (other than `by_other_than`) has `handle` now or gave it up."""
    now = select(User.id).where(User.handle == handle)
    before = select(FormerHandle.user_id).where(FormerHandle.handle == handle)
    if by_other_than is not None:
        now = now.where(User.id != by_other_than)
        before = before.where(FormerHandle.user_id != by_other_than)
    return await session.scalar(union_all(now, before).limit(1)) is not None


async def change(session: AsyncSession, user: User, handle: str) -> None:
    """`user` takes `handle` (checked free for them with `is_taken`); the one they had
    stays theirs, and one of their own former handles taken back is theirs again."""
    await session.execute(delete(FormerHandle).where(
        FormerHandle.handle == handle, FormerHandle.user_id == user.id))
    session.add(FormerHandle(handle=user.handle, user_id=user.id))
    user.handle = handle


async def person(ctx: Context, raw: str) -> Author:
    """Who has the handle (as `normalise` reads it): what any reader may know of
    them, as a post shows its author. NotFound when nobody has it."""
    handle = normalise(raw)
    if not PATTERN.fullmatch(handle):
        raise NotFound("No one has this handle.")
    async with ctx.db.read() as session:
        user = await session.scalar(select(User).where(User.handle == handle))
        if user is None:  # given up: still theirs (the module's docstring)
            user = await session.scalar(select(User).join(
                FormerHandle, FormerHandle.user_id == User.id).where(FormerHandle.handle == handle))
    if user is None:
        raise NotFound("No one has this handle.")
    return Author.model_validate(user)
