"""The gettext catalogues: cps/locale/<code>/LC_MESSAGES/cps.po, compiled in memory.

The .po files are the source (reviewed text in the repository); each is compiled
with Babel the first time its language is asked for, so a clean checkout, an
editable install and a wheel all work without a build step and a catalogue is
never stale. English is the source language: its catalogue is the identity.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from cps.services.languages.locales import CODES, DEFAULT

DOMAIN = "cps"
FOLDER = Path(__file__).resolve().parents[2] / "locale"


def po_path(code: str) -> Path:
    return FOLDER / code / "LC_MESSAGES" / f"{DOMAIN}.po"


def template_path() -> Path:
    return FOLDER / f"{DOMAIN}.pot"


def read_catalogue(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as fp:
        return read_po(fp, locale=locale, domain=DOMAIN)


@cache
def translations(code: str) -> gettext.NullTranslations:
    """The compiled catalogue of a supported language (English: the identity)."""
    if code not in CODES or code == DEFAULT:
        return gettext.NullTranslations()
    buffer = io.BytesIO()
    # Fuzzy entries are a translator's guess awaiting review: not shown.
    write_mo(buffer, read_catalogue(po_path(code), code), use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def N_(message: str) -> str:
    """Marks a text for the catalogue where it is written; translated where it is used."""
    return message


def N_word(message: str) -> str:
    """Marks a word or a name that fills the templates of other messages (a tier's
    name, a capability's): the catalogue has it with the comment `extraction.FILL_WORD`, and
    `messages.translate` puts its translation where it fills a template."""
    return message


def N_plural(singular: str, plural: str) -> tuple[str, str]:
    """Marks a text with a count for the catalogue: its English forms for one and for
    more; `ngettext_in` picks the language's form where it is used."""
    return singular, plural


def gettext_in(code: str, message: str) -> str:
    return translations(code).gettext(message)


def ngettext_in(code: str, singular: str, plural: str, n: int) -> str:
    """The form for `n` by the language's own plural rule (Russian has three, Arabic six)."""
    return translations(code).ngettext(singular, plural, n)
