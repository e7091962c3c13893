"""A result's snippet: a short piece of the text around the first word found, with
the words found in `<mark>`. The text is the post as readers see it (its
sanitized HTML read back to plain text), so neither markdown nor HTML of the post
ever reaches the snippet: everything but the `<mark>` tags is escaped here.

Words are matched as the index matches them: case and diacritics do not count,
the last word may be a prefix, and a Chinese, Japanese or Korean word is found
inside longer runs of text.
"""

from __future__ import annotations

import html
import unicodedata
from html.parser import HTMLParser

from cps.storage.search import TextQuery, is_cjk, token_spans

WIDTH = 200  # characters of text in a snippet
LEAD = 60  # characters shown before the first word found
_BLOCKS = {"p", "br", "li", "ul", "ol", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5",
           "h6", "tr", "td", "th", "div", "hr"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self._skip += 1
        elif tag in _BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"}:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def plain_text(markup: str) -> str:
    """The words of an HTML fragment, with whitespace collapsed."""
    reader = _Text()
    reader.feed(markup)
    reader.close()
    return " ".join("".join(reader.parts).split())


def fold(word: str) -> str:
    """A word without case or diacritics, as the index compares words."""
    stripped = "".join(c for c in unicodedata.normalize("NFKD", word)
                       if not unicodedata.combining(c))
    return stripped.casefold()


def _marks(text: str, query: TextQuery | None) -> list[tuple[int, int]]:
    if query is None:
        return []
    words: set[str] = set()
    wide: set[str] = set()
    prefix = ""
    for phrase in query.all_of:
        for token in phrase:
            (wide if is_cjk(token) else words).add(token if is_cjk(token) else fold(token))
    last = query.all_of[-1][-1] if query.all_of else ""
    if query.prefix and last and not is_cjk(last):
        prefix = fold(last)
    found = [
        (start, end) for start, end in token_spans(text)
        if (word := fold(text[start:end])) in words or (prefix and word.startswith(prefix))
    ]
    for token in wide:
        at = text.find(token)
        while at >= 0:
            found.append((at, at + len(token)))
            at = text.find(token, at + len(token))
    found.sort()
    merged: list[tuple[int, int]] = []
    for start, end in found:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def snippet(text: str, query: TextQuery | None) -> str:
    """HTML whose only tags are `<mark>`: up to WIDTH characters of `text` around
    the first word of `query` found in it (the start when none is)."""
    marks = _marks(text, query)
    start = 0
    if marks and marks[0][0] > LEAD:
        start = marks[0][0] - LEAD
        space = text.find(" ", start, marks[0][0])
        start = space + 1 if space >= 0 else start
    end = min(len(text), start + WIDTH)
    if end < len(text):
        space = text.rfind(" ", start + WIDTH // 2, end)
        end = space if space > 0 else end
    out: list[str] = ["…"] if start > 0 else []
    at = start
    for mark_start, mark_end in marks:
        if mark_end <= start or mark_start >= end:
            continue
        mark_start, mark_end = max(mark_start, start), min(mark_end, end)
        out.append(html.escape(text[at:mark_start], quote=False))
        out.append("<mark>" + html.escape(text[mark_start:mark_end], quote=False) + "</mark>")
        at = mark_end
    out.append(html.escape(text[at:end], quote=False))
    if end < len(text):
        out.append("…")
    return "".join(out)
