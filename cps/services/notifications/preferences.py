"""What each person chose to hear: email mode, digest rhythm, each kind in the page
and by email, and a locale tag (docs/notifications.md).

No row means every default: email as a digest, weekly, every kind on in both
channels, no locale. A row keeps only what the person set; `of` fills the rest.
"""

from __future__ import annotations

import re
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession

from cps.services.context import Actor, Context
from cps.services.errors import Invalid
from cps.services.languages.catalogues import N_
from cps.services.notifications.views import Digest, EmailMode, Kind, KindChoice, PreferencesView
from cps.storage import portable
from cps.storage.notifications import DIGESTS, EMAIL_MODES, KINDS, NotificationPreference
from cps.storage.types import utcnow

DEFAULT_EMAIL = "digest"
DEFAULT_DIGEST = "weekly"
CHANNELS = ("web", "email")

# A BCP 47-ish language tag: a 2-3 letter language, then subtags of 1-8 letters or digits
# (ko, en-GB, zh-Hant-TW, es-419). Issue 20 reads it; here it is kept as given.
LOCALE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,4}$")
LOCALE_MAX = 35
LOCALE_HINT = N_("Expected a language tag such as ko, en-GB or zh-Hant-TW.")


class Unset:
    """A field a PATCH did not mention (None is a value: no locale)."""


UNSET = Unset()


def view_of(row: NotificationPreference | None) -> PreferencesView:
    """The preferences a row keeps (None: no row), defaults filled in."""
    if row is None:
        return view_from(None, None, None, None)
    return view_from(row.email, row.digest, row.kinds, row.locale)


def view_from(email: str | None, digest: str | None, kinds: dict[str, Any] | None,
              locale: str | None) -> PreferencesView:
    """The preferences of a row's columns (`email` None: no row), defaults filled in."""
    if email is None:
        digest, kinds, locale = None, None, None
    chosen: dict[str, Any] = dict(kinds or {})
    choices: dict[Kind, KindChoice] = {}
    for kind in KINDS:
        own = chosen.get(kind) or {}
        choices[cast(Kind, kind)] = KindChoice(web=bool(own.get("web", True)),
                                               email=bool(own.get("email", True)))
    return PreferencesView(
        email=cast(EmailMode, email if email is not None else DEFAULT_EMAIL),
        digest=cast(Digest, digest if digest is not None else DEFAULT_DIGEST),
        kinds=choices,
        locale=locale,
    )


async def of(session: AsyncSession, user_id: int) -> PreferencesView:
    """`user_id`'s preferences, defaults filled in."""
    return view_of(await session.get(NotificationPreference, user_id))


def wants(prefs: PreferencesView, kind: str, channel: str) -> bool:
    """Whether the person hears of `kind` in `channel` ("web" or "email"; email also
    needs an email mode other than off)."""
    choice = prefs.kinds[cast(Kind, kind)]
    if channel == "web":
        return choice.web
    return choice.email and prefs.email != "off"


async def get(ctx: Context, actor: Actor) -> PreferencesView:
    async with ctx.db.read() as session:
        return await of(session, actor.id)


def _check(email: str | None, digest: str | None, kinds: dict[str, dict[str, bool]] | None,
           locale: str | Unset | None) -> None:
    fields: dict[str, str] = {}
    if email is not None and email not in EMAIL_MODES:
        fields["email"] = f"Expected one of: {', '.join(EMAIL_MODES)}."
    if digest is not None and digest not in DIGESTS:
        fields["digest"] = f"Expected one of: {', '.join(DIGESTS)}."
    for kind, choice in (kinds or {}).items():
        if kind not in KINDS:
            fields[f"kinds.{kind[:40]}"] = f"Not a kind of notification: {', '.join(KINDS)}."
        elif not set(choice) <= set(CHANNELS):
            fields[f"kinds.{kind}"] = "Each kind takes web and email, true or false."
    if isinstance(locale, str) and (len(locale) > LOCALE_MAX or not LOCALE.fullmatch(locale)):
        fields["locale"] = LOCALE_HINT
    if fields:
        raise Invalid(fields)


async def update(
    ctx: Context,
    actor: Actor,
    *,
    email: str | None = None,
    digest: str | None = None,
    kinds: dict[str, dict[str, bool]] | None = None,
    locale: str | Unset | None = UNSET,
) -> PreferencesView:
    """Change what was given, keep the rest: `kinds` merges per kind and channel."""
    _check(email, digest, kinds, locale)
    async with ctx.db.write() as tx:
        stmt = portable.insert(tx.session, NotificationPreference).values(
            user_id=actor.id, email=DEFAULT_EMAIL, digest=DEFAULT_DIGEST, kinds={},
            locale=None, updated_at=utcnow(),
        ).on_conflict_do_nothing()
        await tx.session.execute(stmt)
        row = await tx.session.get(NotificationPreference, actor.id,
                                   with_for_update=portable.locks_rows(tx.session),
                                   populate_existing=True)
        assert row is not None
        if email is not None:
            row.email = email
        if digest is not None:
            row.digest = digest
        if kinds:
            merged: dict[str, dict[str, bool]] = {k: dict(v) for k, v in row.kinds.items()}
            for kind, choice in kinds.items():
                merged.setdefault(kind, {}).update(choice)
            row.kinds = merged
        if not isinstance(locale, Unset):
            row.locale = locale
        row.updated_at = utcnow()
        await tx.session.flush()
        return view_of(row)
