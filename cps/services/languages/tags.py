"""Language tags (BCP 47) as posts carry them, and the SQL that filters by one."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, or_

# A BCP 47 language tag as a post may carry it: a language of 2-3 letters, then an
# optional script (Latn, Hant) and an optional region (BR, 419): ko, pt-BR, zh-Hant-TW.
# The HTTP layer declares this very pattern in the OpenAPI document.
TAG_PATTERN = r"^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?$"
_TAG = re.compile(TAG_PATTERN)
TAG_OR_NOTHING = f"^({TAG_PATTERN[1:-1]})?$"  # a filter's tag; empty filters nothing
TAG_MAX = 12  # the longest TAG_PATTERN matches (zh-Hant-TW is 10)


def language_tag(value: str) -> str | None:
    """`value` as a BCP 47 tag in its canonical case (`PT-br` → `pt-BR`,
    `sr-latn` → `sr-Latn`), or None when it is not one."""
    if _TAG.fullmatch(value) is None:
        return None
    language, *rest = value.split("-")
    return "-".join([language.lower(), *(part.title() if len(part) == 4 else part.upper()
                                         for part in rest)])


def in_language(column: Any, tag: str) -> ColumnElement[bool]:
    """`column` holds `tag` or a more specific one: `ko` finds `ko` and `ko-KR`, and
    `pt-BR` only `pt-BR` (`tag` is canonical: `language_tag`)."""
    return or_(column == tag, column.like(tag + "-%"))
