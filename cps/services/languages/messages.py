"""Error messages in the reader's language.

Services raise English messages (cps/services/errors.py); the edge calls
`translate` with the request's language. A message is looked up as it is; one
built from a template (an f-string, see extraction.py) is matched against the
catalogue's templates, and the parts that were filled in go into the translation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from cps.services.languages.catalogues import gettext_in, read_catalogue, template_path
from cps.services.languages.extraction import PLACEHOLDER


class _Keep(dict[str, str]):
    """Formatting leaves a placeholder the message did not fill as it is."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@cache
def _templates() -> tuple[tuple[re.Pattern[str], str], ...]:
    found = []
    for message in read_catalogue(template_path()):
        msgid = message.id
        if not isinstance(msgid, str) or not PLACEHOLDER.search(msgid):
            continue
        pattern, at, seen = [], 0, set()
        for match in PLACEHOLDER.finditer(msgid):
            pattern.append(re.escape(msgid[at:match.start()]))
            name = match.group(1)
            pattern.append(f"(?P={name})" if name in seen else f"(?P<{name}>.*?)")
            seen.add(name)
            at = match.end()
        pattern.append(re.escape(msgid[at:]))
        found.append((re.compile("".join(pattern), re.DOTALL), msgid))
    # The most specific template first: the one with the most fixed text.
    found.sort(key=lambda item: -len(PLACEHOLDER.sub("", item[1])))
    return tuple(found)


def translate(message: str, code: str) -> str:
    """`message` in the language `code`; as it is when no catalogue has it."""
    translated = gettext_in(code, message)
    if translated != message or code == "en":
        return translated
    for pattern, msgid in _templates():
        match = pattern.fullmatch(message)
        if match is None:
            continue
        text = gettext_in(code, msgid)
        return text.format_map(_Keep(match.groupdict())) if text != msgid else message
    return message


def translate_fields(fields: Mapping[str, Any], code: str) -> dict[str, Any]:
    return {key: translate(value, code) if isinstance(value, str) else value
            for key, value in fields.items()}
