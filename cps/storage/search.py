"""The full-text indexes of topic titles and post bodies, and the statements that
read them (docs/search.md).

The indexes are made by the search migration and kept by triggers on `posts` and
`topics`, so every statement that writes a post or a title updates them in its own
transaction, whichever service wrote it:

- SQLite: FTS5 tables with external content (`search_posts` over `posts.body`,
  `search_topics` over `topics.title`, tokenizer `unicode61 remove_diacritics 2`),
  and, for Chinese, Japanese and Korean, `trigram` tables (`search_posts_cjk`,
  `search_topics_cjk`) holding only the texts that have such characters: those
  scripts do not separate words, so a word is found as a substring.
- PostgreSQL: `search_posts(post_id, document)` and `search_topics(topic_id,
  document)`, a `tsvector` each with a GIN index: the text in the `simple`
  configuration with its diacritics folded (`search_fold`), plus every pair of
  neighbouring CJK characters (`search_bigrams`); titles weigh A, bodies D.

These tables are not models: Alembic's comparison leaves them out
(`is_index_table`). Nothing here knows who may read what; a caller joins a
match's `id` to its rows and filters them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import (
    ColumnClause,
    Float,
    Integer,
    Select,
    TableClause,
    Text,
    column,
    func,
    literal,
    literal_column,
    select,
    table,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession

# The scripts written without spaces between words (and Hangul, whose words carry
# their particles): Hiragana and Katakana, the CJK ideographs (and extension A and
# the compatibility block), Hangul syllables. The migration has its own copy.
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{CJK}]+")
# A token: a run of letters and digits (not `_`), split where CJK starts or stops,
# as the unicode61 tokenizer and PostgreSQL's parser split most text.
_TOKEN = re.compile(f"[{CJK}]+|[^\\W_{CJK}]+")

INDEX_TABLES = ("search_posts", "search_topics", "search_posts_cjk", "search_topics_cjk")
# The tables FTS5 keeps behind each of its virtual tables on SQLite.
_SHADOWS = ("_data", "_idx", "_content", "_docsize", "_config")

Kind = Literal["post", "topic"]


def is_index_table(name: str) -> bool:
    """Whether a table is one of the search indexes (or an FTS5 table behind one)."""
    return name in INDEX_TABLES or any(
        name == f"{index}{shadow}" for index in INDEX_TABLES for shadow in _SHADOWS
    )


def tokens(text: str) -> list[str]:
    """The words of `text` as the index reads them (before case and diacritics)."""
    return _TOKEN.findall(text)


def token_spans(text: str) -> list[tuple[int, int]]:
    """Where each token of `text` starts and ends."""
    return [m.span() for m in _TOKEN.finditer(text)]


def is_cjk(token: str) -> bool:
    return bool(_CJK_RUN.fullmatch(token))


@dataclass(frozen=True)
class TextQuery:
    """What a search looks for. Each phrase is a tuple of tokens (one for a word);
    every phrase of `all_of` must be in the text and none of `none_of`; `prefix`:
    the last token of the last phrase of `all_of` may begin a longer word."""

    all_of: tuple[tuple[str, ...], ...]
    none_of: tuple[tuple[str, ...], ...] = ()
    prefix: bool = False


# The most matches a search ranks: the newest this many. Ranking every match of a word
# that is in most posts (a one-word search of "the" over a million) took seconds.
CANDIDATES = 5_000


def matches(session: AsyncSession, kind: Kind, query: TextQuery) -> Select[int, float]:
    """The ids of the posts (or topics) whose text matches `query`, each with its
    score: how well it matches, higher is better (comparable among posts, or among
    topics); of more than CANDIDATES matches, the newest CANDIDATES (the highest
    ids: both indexes give them in that order without reading the rest).
    `query.all_of` must not be empty."""
    assert query.all_of, "a search needs something to find"
    if session.get_bind().dialect.name == "postgresql":
        return _pg(kind, query)
    return _sqlite(kind, query)


# --- SQLite: FTS5 --------------------------------------------------------------------


def _fts_phrase(tokens: tuple[str, ...], prefix: bool) -> str:
    quoted = '"' + " ".join(t.replace('"', '""') for t in tokens) + '"'
    return quoted + ("*" if prefix else "")


def _split(phrase: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A phrase's other tokens (kept together as a phrase) and its CJK tokens (each
    found as a substring)."""
    return (tuple(t for t in phrase if not is_cjk(t)), tuple(t for t in phrase if is_cjk(t)))


def _containing(cjk: TableClause, text_column: str, part: str) -> Select[int]:
    """The rows whose text has `part` in it: the trigram table finds a substring of
    three characters or more by its index; a shorter one, by reading its rows (the
    texts with CJK characters only)."""
    if len(part) < 3:
        return select(cjk.c.rowid).where(func.instr(cjk.c[text_column], part) > 0)
    return select(cjk.c.rowid).where(cjk.c[text_column].like(f"%{part}%"))


def _sqlite(kind: Kind, query: TextQuery) -> Select[int, float]:
    name = "search_posts" if kind == "post" else "search_topics"
    text_column = "body" if kind == "post" else "title"
    fts = table(name, column("rowid", Integer), column(text_column, Text))
    cjk = table(f"{name}_cjk", column("rowid", Integer), column(text_column, Text))

    words: list[str] = []
    substrings: list[str] = []
    last = len(query.all_of) - 1
    for i, phrase in enumerate(query.all_of):
        plain, wide = _split(phrase)
        if plain:
            prefix = query.prefix and i == last and phrase[-1] == plain[-1]
            words.append(_fts_phrase(plain, prefix))
        substrings.extend(wide)
    excluded_words: list[str] = []
    excluded_substrings: list[str] = []
    for phrase in query.none_of:
        plain, wide = _split(phrase)
        if plain:
            excluded_words.append(_fts_phrase(plain, False))
        excluded_substrings.extend(wide)

    table_ref: ColumnClause[str] = literal_column(name)
    if words:
        expression = " AND ".join(words)
        if excluded_words:
            expression = f"({expression}) NOT ({' OR '.join(excluded_words)})"
            excluded_words = []
        stmt = select(
            fts.c.rowid.label("id"),
            (-func.bm25(table_ref, type_=Float)).label("score"),
        ).where(table_ref.op("MATCH")(expression))
        rowid = fts.c.rowid
    else:
        first, *substrings = substrings
        stmt = select(cjk.c.rowid.label("id"), literal(0.0, Float).label("score")).where(
            cjk.c.rowid.in_(_containing(cjk, text_column, first))
        )
        rowid = cjk.c.rowid
    for part in substrings:
        stmt = stmt.where(rowid.in_(_containing(cjk, text_column, part)))
    for part in excluded_substrings:
        stmt = stmt.where(rowid.not_in(_containing(cjk, text_column, part)))
    if excluded_words:  # only CJK words to find: leave out the texts with these words
        # (the statement reads the trigram table: the word table is free for this)
        stmt = stmt.where(
            rowid.not_in(select(fts.c.rowid).where(
                table_ref.op("MATCH")(" OR ".join(excluded_words))))
        )
    # FTS5 walks a MATCH's rows by rowid, either way: the newest first, and bm25 is
    # worked out only for the rows it gives.
    return stmt.order_by(rowid.desc()).limit(CANDIDATES)


# --- PostgreSQL: tsvector ------------------------------------------------------------


def _lexeme(token: str, prefix: bool) -> str:
    return "'" + token.replace("'", "''").replace("\\", "\\\\") + "'" + (":*" if prefix else "")


def _cjk_lexemes(token: str, prefix: bool) -> list[str]:
    """A CJK word as the index holds it: each pair of neighbouring characters."""
    if len(token) == 1:
        return [_lexeme(token, True)]
    return [_lexeme(token[i : i + 2], False) for i in range(len(token) - 1)]


def _ts_phrase(phrase: tuple[str, ...], prefix: bool) -> str:
    parts: list[str] = []
    for i, token in enumerate(phrase):
        last = prefix and i == len(phrase) - 1
        if is_cjk(token):
            # The bigrams sit in their own part of the document: a CJK token is a
            # phrase of its own, not a neighbour of the words around it.
            parts.append("(" + " <-> ".join(_cjk_lexemes(token, last)) + ")")
        else:
            parts.append(_lexeme(token, last))
    if any(is_cjk(t) for t in phrase):
        return "(" + " & ".join(parts) + ")"
    return "(" + " <-> ".join(parts) + ")"


def tsquery_text(query: TextQuery) -> str:
    """`query` in PostgreSQL's tsquery syntax (before folding and lower case)."""
    last = len(query.all_of) - 1
    wanted = " & ".join(
        _ts_phrase(phrase, query.prefix and i == last) for i, phrase in enumerate(query.all_of)
    )
    if query.none_of:
        unwanted = " | ".join(_ts_phrase(phrase, False) for phrase in query.none_of)
        return f"({wanted}) & !({unwanted})"
    return wanted


def _pg(kind: Kind, query: TextQuery) -> Select[int, float]:
    name, key = ("search_posts", "post_id") if kind == "post" else ("search_topics", "topic_id")
    docs = table(name, column(key, Integer), column("document"))
    wanted = func.to_tsquery(
        literal_column("'simple'::regconfig"), func.search_fold(literal(tsquery_text(query), Text))
    ).table_valued("q").render_derived(name="search_query")
    # The newest CANDIDATES matches first, by id alone (the planner reads a common
    # word's rows backwards by the primary key, a rare word's from the GIN index),
    # then only those are ranked.
    newest = (
        select(docs.c[key].label("id"))
        .select_from(docs)
        .join(wanted, true())
        .where(docs.c.document.op("@@")(wanted.c.q))
        .order_by(docs.c[key].desc())
        .limit(CANDIDATES)
        .subquery("newest")
    )
    ranked = docs.alias("ranked")
    return (
        select(newest.c.id,
               func.ts_rank(ranked.c.document, wanted.c.q, type_=Float).label("score"))
        .select_from(newest)
        .join(ranked, ranked.c[key] == newest.c.id)
        .join(wanted, true())
    )
