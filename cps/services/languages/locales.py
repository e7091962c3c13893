"""The languages CPS speaks, and which one a person gets.

The contract's order: the signed-in person's `locale`, else the `lang` cookie,
else `Accept-Language` (by its q-values), else English. Only a code of
`LOCALES` is ever chosen: `ko-KR` or `es-419` in a header reads as `ko`, `es`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

DEFAULT = "en"
COOKIE = "lang"


@dataclass(frozen=True)
class Locale:
    code: str
    name: str  # in its own language
    dir: Literal["ltr", "rtl"]


LOCALES: dict[str, Locale] = {
    loc.code: loc
    for loc in (
        Locale("en", "English", "ltr"),
        Locale("ko", "한국어", "ltr"),
        Locale("es", "Español", "ltr"),
        Locale("fr", "Français", "ltr"),
        Locale("ru", "Русский", "ltr"),
        Locale("tr", "Türkçe", "ltr"),
        Locale("ar", "العربية", "rtl"),
    )
}
CODES = tuple(LOCALES)
# One entry of Accept-Language: a tag (or *) and an optional q-value.
_RANGE = re.compile(
    r"\s*([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q\s*=\s*([0-9.]{1,5}))?\s*"
)
_HEADER_MAX = 512  # longer headers are read only this far


def supported(code: str | None) -> str | None:
    """The supported locale a language tag names (`ko-KR` → `ko`), or None."""
    if not code:
        return None
    primary = code.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in LOCALES else None


def from_accept_language(header: str | None) -> str | None:
    """The supported language the header prefers most, or None."""
    if not header:
        return None
    best: tuple[float, int, str] | None = None
    for position, part in enumerate(header[:_HEADER_MAX].split(",")):
        match = _RANGE.fullmatch(part)
        if match is None:
            continue
        try:
            q = float(match.group(2)) if match.group(2) else 1.0
        except ValueError:
            continue
        code = supported(match.group(1))
        if code is None or not 0 < q <= 1:
            continue
        if best is None or (q, -position) > (best[0], best[1]):
            best = (q, -position, code)
    return best[2] if best else None


def negotiate(
    account: str | None = None, cookie: str | None = None, accept_language: str | None = None
) -> str:
    """The language of a request, in the contract's order."""
    return (supported(account) or supported(cookie) or from_accept_language(accept_language)
            or DEFAULT)


def direction(code: str) -> Literal["ltr", "rtl"]:
    return LOCALES[code].dir if code in LOCALES else "ltr"
