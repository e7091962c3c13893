"""Language tags (BCP 47) as posts carry them, and the SQL that filters by one."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, or_

# A BCP 47 language tag as a post may carry it: a language of 2-3 letters, then an
# optional script (Latn), region (BR, 419) or variant; at most 16 characters.
_TAG = re.compile(r"([A-Za-z]{2,3})((?:-[A-Za-z0-9]{2,8}){0,3})")
TAG_MAX = 16


def language_tag(value: str) -> str | None:
    """`value` as a BCP 47 tag in its canonical case (`PT-br` → `pt-BR`,
    `sr-latn` → `sr-Latn`), or None when it is not one."""
    match = _TAG.fullmatch(value.strip()) if len(value) <= TAG_MAX else None
    if match is None:
        return None
    parts = [match.group(1).lower()]
    for part in match.group(2).split("-")[1:]:
        if len(part) == 4 and part.isalpha():
            parts.append(part.title())
        elif len(part) == 2 and part.isalpha():
            parts.append(part.upper())
        else:
            parts.append(part.lower())
    return "-".join(parts)


def in_language(column: Any, tag: str) -> ColumnElement[bool]:
    """`column` holds `tag` or a more specific one: `ko` finds `ko` and `ko-KR`, and
    `pt-BR` only `pt-BR` (`tag` is canonical: `language_tag`)."""
    return or_(column == tag, column.like(tag + "-%"))
