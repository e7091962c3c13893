"""search: full-text indexes of topic titles and post bodies, kept by triggers

Revision ID: 74708f36ab1f
Revises: d3a8f1c26b57
Create Date: 2026-12-05 22:40:00

Written by hand (autogenerate sees none of it; `cps/storage/search.py` says what
each object is for, and `migrations/env.py` keeps autogenerate from dropping them).

SQLite: FTS5 tables with external content over `posts.body` and `topics.title`
(unicode61, diacritics removed), and trigram tables over the texts that carry
Chinese, Japanese or Korean characters. PostgreSQL: a `tsvector` per post and per
topic (title weight A, body weight D; `simple` configuration, diacritics folded,
CJK characters also indexed in pairs) with GIN indexes. On both, triggers on
`posts` and `topics` keep the indexes in the writing transaction; the upgrade
indexes every existing row.

A later migration that rebuilds `posts` or `topics` on SQLite (batch mode copies
the table) drops these triggers with the old table and must create them again.
"""

# ruff: noqa: S608  (every name in these statements is a constant of this file)

from collections.abc import Sequence

from alembic import op

revision: str = '74708f36ab1f'
down_revision: str | None = 'd3a8f1c26b57'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Hiragana, Katakana, CJK ideographs (extension A, unified, compatibility), Hangul.
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"

# (index, content table, text column)
INDEXES = (("search_posts", "posts", "body"), ("search_topics", "topics", "title"))


def _sqlite_upgrade() -> None:
    has_cjk = f"GLOB '*[{CJK}]*'"
    for index, content, col in INDEXES:
        op.execute(
            f"CREATE VIRTUAL TABLE {index} USING fts5({col}, content='{content}', "
            f"content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
        )
        op.execute(
            f"CREATE VIRTUAL TABLE {index}_cjk USING fts5({col}, content='{content}', "
            f"content_rowid='id', tokenize='trigram')"
        )
        add = (
            f"INSERT INTO {index}(rowid, {col}) VALUES (new.id, new.{col}); "
            f"INSERT INTO {index}_cjk(rowid, {col}) SELECT new.id, new.{col} "
            f"WHERE new.{col} {has_cjk};"
        )
        remove = (
            f"INSERT INTO {index}({index}, rowid, {col}) VALUES ('delete', old.id, old.{col}); "
            f"INSERT INTO {index}_cjk({index}_cjk, rowid, {col}) "
            f"SELECT 'delete', old.id, old.{col} WHERE old.{col} {has_cjk};"
        )
        op.execute(f"CREATE TRIGGER {index}_insert AFTER INSERT ON {content} BEGIN {add} END")
        op.execute(f"CREATE TRIGGER {index}_delete AFTER DELETE ON {content} BEGIN {remove} END")
        op.execute(
            f"CREATE TRIGGER {index}_update AFTER UPDATE OF {col} ON {content} "
            f"WHEN old.{col} IS NOT new.{col} BEGIN {remove} {add} END"
        )
        op.execute(f"INSERT INTO {index}({index}) VALUES ('rebuild')")
        op.execute(
            f"INSERT INTO {index}_cjk(rowid, {col}) SELECT id, {col} FROM {content} "
            f"WHERE {col} {has_cjk}"
        )


def _pg_upgrade() -> None:
    # Diacritics off (decomposed, marks dropped, composed again, so Hangul stays
    # whole); text without a non-ASCII character passes as it is.
    op.execute(
        "CREATE FUNCTION search_fold(t text) RETURNS text LANGUAGE sql IMMUTABLE "
        "PARALLEL SAFE AS $$ SELECT CASE WHEN t ~ '[^\\x01-\\x7f]' THEN normalize("
        "regexp_replace(normalize(t, NFD), '[\\u0300-\\u036f]+', '', 'g'), NFC) "
        "ELSE t END $$"
    )
    op.execute(
        "CREATE FUNCTION search_bigrams(t text) RETURNS text LANGUAGE sql IMMUTABLE "
        "PARALLEL SAFE AS $$ "
        "SELECT coalesce(string_agg(substr(run.m[1], i, 2), ' ' ORDER BY run.n, i), '') "
        f"FROM regexp_matches(t, '([{CJK}]+)', 'g') WITH ORDINALITY AS run(m, n), "
        "generate_series(1, greatest(char_length(run.m[1]) - 1, 1)) AS i $$"
    )
    # Words as the search box splits them (cps/storage/search.py `tokens`): runs of
    # letters and digits, apart from CJK runs; not the parser's hosts, paths or versions.
    op.execute(
        "CREATE FUNCTION search_words(t text) RETURNS text LANGUAGE sql IMMUTABLE "
        "PARALLEL SAFE AS $$ SELECT CASE WHEN w ~ '[" + CJK + "]' "
        f"THEN regexp_replace(w, '([{CJK}]+)', ' \\1 ', 'g') ELSE w END "
        "FROM (SELECT regexp_replace(search_fold(t), '[[:punct:][:space:]]+', ' ', 'g') AS w) "
        "AS words $$"
    )
    op.execute(
        "CREATE FUNCTION search_document(t text, w \"char\") RETURNS tsvector LANGUAGE sql "
        "IMMUTABLE PARALLEL SAFE AS $$ SELECT setweight(CASE WHEN t ~ '[" + CJK + "]' "
        "THEN to_tsvector('simple'::regconfig, search_words(t)) || "
        "to_tsvector('simple'::regconfig, search_bigrams(t)) "
        "ELSE to_tsvector('simple'::regconfig, search_words(t)) END, w) $$"
    )
    for (index, content, col), key, weight in zip(
        INDEXES, ("post_id", "topic_id"), ("D", "A"), strict=True
    ):
        op.execute(
            f"CREATE TABLE {index} ({key} integer NOT NULL, document tsvector NOT NULL, "
            f"CONSTRAINT pk_{index} PRIMARY KEY ({key}), "
            f"CONSTRAINT fk_{index}_{key}_{content} FOREIGN KEY ({key}) "
            f"REFERENCES {content} (id) ON DELETE CASCADE)"
        )
        op.execute(
            f"INSERT INTO {index} ({key}, document) "
            f"SELECT id, search_document({col}, '{weight}') FROM {content}"
        )
        op.execute(f"CREATE INDEX ix_{index}_document ON {index} USING gin (document)")
        op.execute(
            f"CREATE FUNCTION {index}_sync() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"INSERT INTO {index} ({key}, document) "
            f"VALUES (NEW.id, search_document(NEW.{col}, '{weight}')) "
            f"ON CONFLICT ({key}) DO UPDATE SET document = EXCLUDED.document; "
            "RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {index}_insert AFTER INSERT ON {content} "
            f"FOR EACH ROW EXECUTE FUNCTION {index}_sync()"
        )
        op.execute(
            f"CREATE TRIGGER {index}_update AFTER UPDATE OF {col} ON {content} "
            f"FOR EACH ROW WHEN (OLD.{col} IS DISTINCT FROM NEW.{col}) "
            f"EXECUTE FUNCTION {index}_sync()"
        )


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _pg_upgrade()
    else:
        _sqlite_upgrade()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for index, content, _ in INDEXES:
            op.execute(f"DROP TRIGGER {index}_update ON {content}")
            op.execute(f"DROP TRIGGER {index}_insert ON {content}")
            op.execute(f"DROP FUNCTION {index}_sync()")
            op.execute(f"DROP TABLE {index}")
        op.execute("DROP FUNCTION search_document(text, \"char\")")
        op.execute("DROP FUNCTION search_words(text)")
        op.execute("DROP FUNCTION search_bigrams(text)")
        op.execute("DROP FUNCTION search_fold(text)")
        return
    for index, _, _ in INDEXES:
        for event in ("update", "delete", "insert"):
            op.execute(f"DROP TRIGGER {index}_{event}")
        op.execute(f"DROP TABLE {index}_cjk")
        op.execute(f"DROP TABLE {index}")
