"""The words the front end shows people, read from its sources without node
(docs/languages.md, "the check that nothing is missed").

`hard_coded(source)` finds string literals and template-literal text that read
as words for people (a capitalised word, a sentence, words with sentence
punctuation) outside the catalogue: each is a string someone would see in
English whatever the page's language. `keys_used(source)` finds the catalogue
keys a module passes to t()/tx()/has() (a template key such as
`conn.${state}` counts as its prefix). index.html's `data-i18n` marks are read
by `static_keys`.

What is not a word for people: keys, CSS classes and selectors, paths and URLs,
event and error names, keyboard keys compared with `===`, console messages.
The scanner recognises them by their shape or their place (see `_machine` and
`_SKIP_BEFORE`); an exception that neither covers is listed in the test with
its reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.web.es_modules import lex

# A literal right after one of these (in the code, spaces ignored) is not shown
# to people: a comparison, a console message, a selector, a key.
_SKIP_BEFORE = re.compile(
    r"(?:===|!==|==|!=|\bcase|console\.\w+\(|querySelector(?:All)?\(|closest\(|matches\("
    r"|\bt\(|\btx\(|\bhas\(|getElementById\(|addEventListener\(|removeEventListener\("
    r"|CustomEvent\(|createElementNS\(|setAttribute\(|getAttribute\(|hasAttribute\("
    r"|removeAttribute\(|toggleAttribute\(|classList\.\w+\(|dataset\.\w+\s*=|\bclass:|className\s*=)\s*$")
_KEY_CALL = re.compile(r"\b(?:t|tx|has)\(\s*$")
_WORD = re.compile(r"[^\W\d_]{2,}")


def _machine(value: str) -> bool:
    """A value shaped like code, not like words: one token with dots, slashes,
    underscores, inner capitals, or all capitals (`post.created`, `/api/v1`,
    `AbortError`, `X-CSRF-Token`, `POST`), or lowercase words and hyphens only
    (CSS classes: `btn primary`, `notice notice-error`)."""
    v = value.strip()
    if not v:
        return True
    if " " not in v and (re.search(r"[./_#=\[\]:@?&]", v) or re.search(r"[a-z][A-Z]", v)
                         or v.isupper() or re.fullmatch(r"[A-Z][A-Za-z]*(?:-[A-Z][A-Za-z]*)+", v)):
        return True
    return bool(re.fullmatch(r"[a-z0-9 _-]+", v))


def reads_as_words(value: str) -> bool:
    if not _WORD.search(value):
        return False
    if re.search(r"^\s+[(“«\"']?[^\W\d_]{2,}|[^\W\d_]{2,}[.!?:;,)”»]?\s+$", value):
        return True  # a piece of a sentence: " to see this page."
    if _machine(value):
        return False
    if re.search(r"[^\x00-\x7f]", value) and re.search(r"[^\W\d_]", value):
        return True  # a word in another script or with accents, or typographic marks
    return bool(re.search(r"\b[A-Z][a-z]+\b", value)
                or re.search(r"[a-z]{2,}[.!?:;,](?:\s|$)", value)
                or re.search(r"[a-z]{2,} [a-z]{2,} [a-z]{2,}", value))


@dataclass(frozen=True)
class Found:
    line: int
    value: str


def _line(source: str, offset: int) -> int:
    return source.count("\n", 0, offset) + 1


def hard_coded(source: str) -> list[Found]:
    lexed = lex(source)
    found: list[Found] = []
    pieces = [(at, value, True) for at, value in lexed.strings.items()]
    pieces += [(at, value, False) for at, value in lexed.templates.items()]
    for at, value, plain in sorted(pieces):
        start = at if plain else lexed.template_open[at]
        before = lexed.code[max(0, start - 60):start]
        if _SKIP_BEFORE.search(before):
            continue
        if reads_as_words(value):
            found.append(Found(_line(source, at), value))
    return found


@dataclass
class Keys:
    """The keys a module names: `called` passed straight to t()/tx()/has();
    `literals` every string literal (a key may be chosen first and passed
    after); `prefixes` the literal start of template keys (`conn.${state}` →
    `conn.`)."""

    called: set[str]
    literals: set[str]
    prefixes: set[str]


def keys_used(source: str) -> Keys:
    lexed = lex(source)
    keys = Keys(set(), set(lexed.strings.values()), set())
    for at, value in lexed.strings.items():
        if _KEY_CALL.search(lexed.code[max(0, at - 20):at]):
            keys.called.add(value)
    for at, value in lexed.templates.items():
        if source[at - 1] == "`" and re.fullmatch(r"[a-z][\w]*(?:\.[\w]+)*\.", value):
            keys.prefixes.add(value)
    return keys


def static_keys(html: str) -> set[str]:
    keys = set(re.findall(r'data-i18n="([^"]+)"', html))
    for attrs in re.findall(r'data-i18n-attrs="([^"]+)"', html):
        keys.update(pair.split(":", 1)[1] for pair in attrs.split())
    return keys
