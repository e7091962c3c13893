"""Error messages in the reader's language.

Services raise English messages (cps/services/errors.py); the edge calls
`translate` with the request's language. A message is looked up as it is; one
built from a template (an f-string, see extraction.py) is matched against the
catalogue's templates, and the parts that were filled in go into the translation.
A text with a count (`ngettext`, `N_plural`) matches by either English form and takes
the language's own form for its first whole number. A part that was filled in is
translated too when it is a word marked `N_word` (a tier's name, a capability's), and
left as it is otherwise (a person's name, a handle, what was searched).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from cps.services.languages.catalogues import (
    gettext_in,
    ngettext_in,
    read_catalogue,
    template_path,
)
from cps.services.languages.extraction import FILL_WORD, PLACEHOLDER


class _Keep(dict[str, str]):
    """Formatting leaves a placeholder the message did not fill as it is."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _pattern(msgid: str) -> re.Pattern[str]:
    pattern, at, seen = [], 0, set()
    for match in PLACEHOLDER.finditer(msgid):
        pattern.append(re.escape(msgid[at:match.start()]))
        name = match.group(1)
        pattern.append(f"(?P={name})" if name in seen else f"(?P<{name}>.*?)")
        seen.add(name)
        at = match.end()
    pattern.append(re.escape(msgid[at:]))
    return re.compile("".join(pattern), re.DOTALL)


# A template and its catalogue id: a text, or the English forms of a text with a count.
Template = tuple[re.Pattern[str], str, str | tuple[str, str]]


@cache
def _templates() -> tuple[Template, ...]:
    found: list[Template] = []
    for message in read_catalogue(template_path()):
        msgid = message.id
        forms = [msgid] if isinstance(msgid, str) else list(msgid or ())[:2]
        key: str | tuple[str, str] = msgid if isinstance(msgid, str) else (forms[0], forms[-1])
        for form in forms:
            if isinstance(form, str) and PLACEHOLDER.search(form):
                found.append((_pattern(form), form, key))
    # The most specific template first: the one with the most fixed text.
    found.sort(key=lambda item: -len(PLACEHOLDER.sub("", item[1])))
    return tuple(found)


@cache
def _fill_words() -> frozenset[str]:
    """The words marked `N_word` (a tier's name, a capability's): translated where they
    fill a template; nothing else that fills one is (a name, a handle, a search)."""
    return frozenset(str(message.id) for message in read_catalogue(template_path())
                     if FILL_WORD in message.auto_comments)


def _count(values: Mapping[str, str]) -> int | None:
    """The number a text with a count was written for: its first whole number."""
    return next((int(value) for value in values.values() if value.isdigit()), None)


def translate(message: str, code: str) -> str:
    """`message` in the language `code`; as it is when no catalogue has it."""
    translated = gettext_in(code, message)
    if translated != message or code == "en":
        return translated
    for pattern, _, key in _templates():
        match = pattern.fullmatch(message)
        if match is None:
            continue
        values = {name: gettext_in(code, value) if value in _fill_words() else value
                  for name, value in match.groupdict().items()}
        if isinstance(key, str):
            text = gettext_in(code, key)
            unchanged = text == key
        else:
            count = _count(values)
            if count is None:
                continue
            text = ngettext_in(code, key[0], key[1], count)
            unchanged = text in key
        return message if unchanged else text.format_map(_Keep(values))
    return message


def translate_fields(fields: Mapping[str, Any], code: str) -> dict[str, Any]:
    return {key: translate(value, code) if isinstance(value, str) else value
            for key, value in fields.items()}
