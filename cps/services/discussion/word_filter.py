"""A space's word filter: a list of words or phrases, matched as whole words.

Matching ignores case and Unicode presentation differences (NFKC, casefold),
so fullwidth "SPAM" and "Spam" both match "spam". A phrase matches when its words
appear in order separated by whitespace. Stored one entry per line.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

MAX_WORDS = 500
MAX_WORD_LENGTH = 100


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def clean(words: list[str]) -> list[str]:
    """The entries as stored: normalized, trimmed, without blanks or duplicates."""
    seen: dict[str, None] = {}
    for word in words:
        entry = " ".join(normalize(word).split())
        if entry:
            seen.setdefault(entry, None)
    return list(seen)


def dump(words: list[str]) -> str:
    return "\n".join(clean(words))


def load(stored: str) -> list[str]:
    return [line for line in stored.split("\n") if line]


@lru_cache(maxsize=256)
def _pattern(stored: str) -> re.Pattern[str] | None:
    entries = load(stored)
    if not entries:
        return None
    alternatives = sorted(
        (r"\s+".join(re.escape(part) for part in entry.split()) for entry in entries),
        key=len,
        reverse=True,
    )
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")


def matches(stored: str, *texts: str) -> list[str]:
    """The filter's entries found in `texts`, in the order found, once each."""
    pattern = _pattern(stored)
    if pattern is None:
        return []
    found: dict[str, None] = {}
    for text in texts:
        for match in pattern.finditer(normalize(text)):
            found.setdefault(" ".join(match.group(0).split()), None)
    return list(found)
