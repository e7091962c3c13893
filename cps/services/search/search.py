"""Searching topic titles and post bodies (docs/search.md).

One statement per page: the matches of the text index (`storage.search.matches`)
joined to their posts or topics, spaces and authors, with what the searcher may
read (`readable`) and the filters as conditions of the same statement; topics and
posts in one ranked list (the titles found before the bodies found, then by
relevance, at equal relevance the newer first); the snippets are made from the
page's rows.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    String,
    exists,
    false,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from cps.services.accounts.views import Author
from cps.services.context import Actor, Context
from cps.services.errors import Invalid
from cps.services.languages.tags import in_language
from cps.services.officials.roster import official_of
from cps.services.search import readable
from cps.services.search.query import Filters, Params, SearchQuery, parse
from cps.services.search.snippets import plain_text, snippet
from cps.services.search.views import SearchPage, SearchResult
from cps.storage import search as index
from cps.storage.accountability import Question
from cps.storage.models import Organization, Post, Space, Topic, User

PAGE_DEFAULT = 20
PAGE_MAX = 50
# How deep a search pages: past this, the search should be narrower.
OFFSET_MAX = 1000
_ID_MAX = 2**31 - 1
Rows = Select[*tuple[Any, ...]]


def _offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    if not (cursor.isascii() and cursor.isdigit() and len(cursor) <= 5
            and int(cursor) <= OFFSET_MAX):
        raise Invalid({"cursor": "Not a cursor this server gave out."})
    return int(cursor)


def _id_or_name(value: str, id_column: Any, name_column: Any) -> ColumnElement[bool]:
    if value.isascii() and value.isdigit():
        number = int(value)
        return id_column == number if 0 < number <= _ID_MAX else false()
    return func.lower(name_column) == value.lower()


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _filters(f: Filters, created_at: Any) -> list[ColumnElement[bool]]:
    """The filters shared by topics and posts (the author is `User`, the row's)."""
    conditions: list[ColumnElement[bool]] = []
    if f.handles:
        conditions.append(User.handle.in_(f.handles))
    if f.author_ids:
        conditions.append(User.id.in_(f.author_ids))
    if f.spaces:
        conditions.append(or_(*(_id_or_name(v, Space.id, Space.name) for v in f.spaces)))
    if f.orgs:
        conditions.append(or_(*(
            _id_or_name(v, Space.org_id, select(Organization.name)
                        .where(Organization.id == Space.org_id).scalar_subquery())
            for v in f.orgs
        )))
    if f.types:
        conditions.append(User.stakeholder_type.in_(f.types))
    if f.question:
        conditions.append(Topic.kind == "question")
    if f.status is not None:
        conditions.append(exists().where(Question.topic_id == Topic.id,
                                         Question.status == f.status))
    if f.before is not None:
        conditions.append(created_at < _day_start(f.before))
    if f.after is not None:
        conditions.append(created_at >= _day_start(f.after))
    return conditions


def _in_languages(langs: tuple[str, ...], column: Any) -> ColumnElement[bool]:
    return or_(*(in_language(column, tag) for tag in langs))


_AUTHOR = (User.id.label("author_id"), User.display_name.label("author_name"),
           User.handle.label("author_handle"), User.stakeholder_type.label("author_type"))


def _posts(session: AsyncSession, actor: Actor | None, query: SearchQuery) -> Rows:
    stmt: Rows = select(
        literal("post", String).label("kind"),
        Post.topic_id.label("topic_id"),
        Post.id.label("post_id"),
        Topic.space_id.label("space_id"),
        Space.name.label("space_name"),
        Topic.title.label("title"),
        Post.html.label("html"),
        Post.hidden.label("hidden"),
        *_AUTHOR,
        Post.created_at.label("created_at"),
        Post.lang.label("lang"),
        literal(0, Integer).label("tier"),
    )
    if query.text is not None:
        found = index.matches(session, "post", query.text).subquery("found")
        stmt = stmt.add_columns(found.c.score.label("score")).select_from(found).join(
            Post, Post.id == found.c.id)
    else:
        stmt = stmt.add_columns(literal(0.0, Float).label("score")).select_from(Post)
    stmt = (
        stmt.join(Topic, Topic.id == Post.topic_id)
        .join(Space, Space.id == Topic.space_id)
        .join(User, User.id == Post.author_id)
        .where(readable.space(actor), readable.post(actor),
               *_filters(query.filters, Post.created_at))
    )
    if query.filters.official:
        stmt = stmt.where(official_of(Space.org_id, Post.author_id))
    if query.filters.langs:
        stmt = stmt.where(_in_languages(query.filters.langs, Post.lang))
    return stmt


def _topics(session: AsyncSession, actor: Actor | None, query: SearchQuery) -> Rows:
    stmt: Rows = select(
        literal("topic", String).label("kind"),
        Topic.id.label("topic_id"),
        null().cast(Integer).label("post_id"),
        Topic.space_id.label("space_id"),
        Space.name.label("space_name"),
        Topic.title.label("title"),
        null().cast(String).label("html"),
        literal(False).label("hidden"),
        *_AUTHOR,
        Topic.created_at.label("created_at"),
        null().cast(String).label("lang"),
        # A title found ranks above a body found.
        literal(1 if query.text is not None else 0, Integer).label("tier"),
    )
    if query.text is not None:
        found = index.matches(session, "topic", query.text).subquery("found")
        stmt = stmt.add_columns(found.c.score.label("score")).select_from(found).join(
            Topic, Topic.id == found.c.id)
    else:
        stmt = stmt.add_columns(literal(0.0, Float).label("score")).select_from(Topic)
    stmt = (
        stmt.join(Space, Space.id == Topic.space_id)
        .join(User, User.id == Topic.author_id)
        .where(readable.space(actor), *_filters(query.filters, Topic.created_at))
    )
    if query.filters.langs:
        # A topic is in a language when a post of it that the searcher may read is.
        stmt = stmt.where(exists().where(
            Post.topic_id == Topic.id, readable.post(actor),
            _in_languages(query.filters.langs, Post.lang)))
    return stmt


async def search(
    ctx: Context,
    actor: Actor | None,
    q: str,
    params: Params | None = None,
    *,
    cursor: str | None = None,
    limit: int = PAGE_DEFAULT,
) -> SearchPage:
    """A page of what `actor` may read that matches `q` and the filters, best first."""
    query = parse(q, params)
    offset = _offset(cursor)
    if query.empty:  # an empty search box finds nothing (and says nothing is wrong)
        return SearchPage(results=[], next_cursor=None)
    limit = max(1, min(limit, PAGE_MAX))
    kind = query.filters.kind
    parts: list[Rows] = []
    async with ctx.db.read() as session:
        if kind in (None, "post"):
            parts.append(_posts(session, actor, query))
        if kind in (None, "topic") and not query.filters.official:
            parts.append(_topics(session, actor, query))
        both = union_all(*parts).subquery("results") if len(parts) > 1 else parts[0].subquery(
            "results")
        stmt = (
            select(both)
            .order_by(both.c.tier.desc(), both.c.score.desc(), both.c.created_at.desc(),
                      both.c.kind.desc(), both.c.post_id.desc(), both.c.topic_id.desc())
            .offset(offset)
            .limit(limit + 1)
        )
        rows = (await session.execute(stmt)).all()
    results = [
        SearchResult(
            kind=row.kind,
            topic_id=row.topic_id,
            post_id=row.post_id,
            space_id=row.space_id,
            space_name=row.space_name,
            title=row.title,
            snippet=snippet(row.title if row.html is None else plain_text(row.html), query.text),
            author=Author(id=row.author_id, display_name=row.author_name,
                          handle=row.author_handle, stakeholder_type=row.author_type),
            created_at=row.created_at,
            hidden=bool(row.hidden),
            lang=row.lang,
        )
        for row in rows[:limit]
    ]
    more = len(rows) > limit and offset + limit <= OFFSET_MAX
    return SearchPage(results=results, next_cursor=str(offset + limit) if more else None)

