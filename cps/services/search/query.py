"""What a person typed into the search box, read: words, "phrases", -excluded words,
and operators (`@handle`, `author:`, `org:`, `space:`, `type:`, `is:question`,
`is:official`, `status:`, `before:`, `after:`, `lang:`), as Discourse and Zulip users type
them. The API's parameters say the same things and are merged in (`Params`).

An operator this parser does not know is an error naming it, never a word
silently searched for; so is a malformed value (a day that is not YYYY-MM-DD, a
stakeholder type or a question status that does not exist).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from cps.services.discussion.posts import checked_tag
from cps.services.errors import Invalid
from cps.storage.accountability import QUESTION_STATUSES
from cps.storage.search import TextQuery, tokens

Kind = Literal["post", "topic"]
STAKEHOLDER_TYPES = ("citizen", "business", "civil_society", "academia", "government")
OPERATORS = ("author", "org", "space", "type", "is", "status", "before", "after", "lang")
IS_VALUES = ("question", "official")
Q_MAX = 500  # characters
TERMS_MAX = 16  # words and phrases, excluded ones included

_HANDLE = re.compile(r"[a-z0-9._-]+")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# One item of the query: a "phrase" (maybe -"excluded", maybe unterminated), an
# @handle, an operator (name:value or name:"value with spaces"), or a word.
_ITEM = re.compile(
    r'(?P<neg>-?)"(?P<phrase>[^"]*)"?'
    r"|@(?P<handle>\S+)"
    r'|(?P<op>[A-Za-z][A-Za-z_]*):(?!//)(?:"(?P<quoted>[^"]*)"?|(?P<value>\S*))'
    r"|(?P<word>\S+)"
)


@dataclass(frozen=True)
class Params:
    """The API's filter parameters, already of the right type."""

    space_id: int | None = None
    org_id: int | None = None
    author_id: int | None = None
    stakeholder_type: str | None = None
    kind: Kind | None = None
    before: date | None = None
    after: date | None = None
    lang: str | None = None  # a BCP 47 tag, checked by `parse`


@dataclass(frozen=True)
class Filters:
    """Every filter of a search; lists are alternatives (any of them)."""

    handles: tuple[str, ...] = ()
    author_ids: tuple[int, ...] = ()
    spaces: tuple[str, ...] = ()  # ids or names
    orgs: tuple[str, ...] = ()  # ids or names
    types: tuple[str, ...] = ()
    question: bool = False
    official: bool = False
    status: str | None = None
    before: date | None = None
    after: date | None = None
    kind: Kind | None = None
    langs: tuple[str, ...] = ()  # BCP 47 tags: what is written in one of them


@dataclass(frozen=True)
class SearchQuery:
    text: TextQuery | None  # None: the filters alone (newest first)
    filters: Filters

    @property
    def empty(self) -> bool:
        return self.text is None and self.filters == Filters()


@dataclass
class _Reading:
    words: list[tuple[str, ...]] = field(default_factory=list)
    phrases: list[tuple[str, ...]] = field(default_factory=list)
    excluded: list[tuple[str, ...]] = field(default_factory=list)
    handles: list[str] = field(default_factory=list)
    spaces: list[str] = field(default_factory=list)
    orgs: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    status: str | None = None
    before: date | None = None
    after: date | None = None
    langs: list[str] = field(default_factory=list)


def _day(value: str, where: str, what: str) -> date:
    try:
        if _DAY.fullmatch(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise Invalid({where: f"{what} expects a day as YYYY-MM-DD, not {value!r}."},
                  f"{what} expects a day as YYYY-MM-DD.")


def _operator(reading: _Reading, name: str, value: str) -> None:
    op = name.lower()
    if op not in OPERATORS:
        known = ", ".join(f"{o}:" for o in OPERATORS)
        raise Invalid({"q": f"Unknown operator {name}: (known: @handle, {known})."},
                      f"Unknown search operator {name}:.")
    if not value:
        raise Invalid({"q": f"The operator {op}: needs a value."},
                      f"The operator {op}: needs a value.")
    if op == "author":
        reading.handles.append(value.removeprefix("@").lower())
    elif op == "space":
        reading.spaces.append(value)
    elif op == "org":
        reading.orgs.append(value)
    elif op == "type":
        if value.lower() not in STAKEHOLDER_TYPES:
            raise Invalid({"q": f"type: is one of {', '.join(STAKEHOLDER_TYPES)}."},
                          f"Unknown stakeholder type {value!r}.")
        reading.types.append(value.lower())
    elif op == "is":
        if value.lower() not in IS_VALUES:
            raise Invalid({"q": f"Unknown operator is:{value} (known: is:question, "
                                f"is:official)."}, f"Unknown search operator is:{value}.")
        reading.flags.add(value.lower())
    elif op == "status":
        if value.lower() not in QUESTION_STATUSES:
            raise Invalid({"q": f"status: is one of {', '.join(QUESTION_STATUSES)}."},
                          f"Unknown question status {value!r}.")
        reading.status = value.lower()
    elif op == "lang":
        reading.langs.append(checked_tag(value, "q"))
    elif op == "before":
        reading.before = _day(value, "q", "before:")
    else:
        reading.after = _day(value, "q", "after:")


def _read(q: str) -> _Reading:
    reading = _Reading()
    for match in _ITEM.finditer(q):
        if match["phrase"] is not None:
            phrase = tuple(tokens(match["phrase"]))
            if phrase:
                (reading.excluded if match["neg"] else reading.phrases).append(phrase)
        elif match["handle"] is not None:
            handle = _HANDLE.match(match["handle"].lower())
            if handle:  # "@bob," is @bob
                reading.handles.append(handle.group().rstrip("."))
        elif match["op"] is not None:
            value = match["quoted"] if match["quoted"] is not None else match["value"] or ""
            _operator(reading, match["op"], value.strip())
        else:
            word = match["word"]
            excluded = word.startswith("-") and len(word) > 1
            phrase = tuple(tokens(word))
            if phrase:
                (reading.excluded if excluded else reading.words).append(phrase)
    return reading


def parse(q: str, params: Params | None = None) -> SearchQuery:
    """Read `q` (and the parameters): 422 naming what is wrong, if anything is."""
    params = params or Params()
    if len(q) > Q_MAX:
        raise Invalid({"q": f"At most {Q_MAX} characters."})
    # Control characters (NUL among them) are no part of a word: read as spaces.
    reading = _read("".join(c if c.isprintable() else " " for c in q))
    if len(reading.words) + len(reading.phrases) + len(reading.excluded) > TERMS_MAX:
        raise Invalid({"q": f"At most {TERMS_MAX} words and phrases."})
    if reading.excluded and not (reading.words or reading.phrases):
        raise Invalid({"q": "Say what to find, not only what to leave out."},
                      "A search needs a word to find.")
    text = None
    if reading.words or reading.phrases:
        # The last word typed may be unfinished: it is searched as a prefix.
        all_of = (*reading.phrases, *reading.words)
        text = TextQuery(all_of=all_of, none_of=tuple(reading.excluded),
                         prefix=bool(reading.words))
    if params.stakeholder_type is not None:
        reading.types.append(params.stakeholder_type)
    filters = Filters(
        handles=tuple(reading.handles),
        author_ids=(params.author_id,) if params.author_id is not None else (),
        spaces=(*reading.spaces, *([str(params.space_id)] if params.space_id else [])),
        orgs=(*reading.orgs, *([str(params.org_id)] if params.org_id else [])),
        types=tuple(reading.types),
        question="question" in reading.flags or reading.status is not None,
        official="official" in reading.flags,
        status=reading.status,
        before=_earliest(reading.before, params.before),
        after=_latest(reading.after, params.after),
        kind="post" if "official" in reading.flags and params.kind is None else params.kind,
        langs=(*reading.langs, *([checked_tag(params.lang, "lang")] if params.lang else [])),
    )
    return SearchQuery(text=text, filters=filters)


def _earliest(a: date | None, b: date | None) -> date | None:
    return min(a, b) if a and b else a or b


def _latest(a: date | None, b: date | None) -> date | None:
    return max(a, b) if a and b else a or b
