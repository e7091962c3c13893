"""`GET /search`: topic titles and post bodies, as the searcher may read them."""

from __future__ import annotations

from datetime import date

from cps.http.api import (
    Call,
    Endpoint,
    QueryParam,
    query_choice,
    query_id,
    query_number,
    query_text,
)
from cps.services.discussion import posts
from cps.services.errors import Invalid
from cps.services.languages import tags
from cps.services.search import query, search
from cps.services.search.views import SearchPage

DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
Q = QueryParam("q", "What to find: words, \"phrases\", -excluded words and operators "
               "(@handle, author:, org:, space:, type:, is:question, is:official, status:, "
               f"before:, after:); at most {query.Q_MAX} characters")
SPACE = QueryParam.id("space_id", "Only this space")
ORG = QueryParam.id("org_id", "Only the spaces of this organization")
AUTHOR = QueryParam.id("author_id", "Only what this person wrote")
TYPE = QueryParam("stakeholder_type", "Only authors of this stakeholder type",
                  choices=query.STAKEHOLDER_TYPES)
KIND = QueryParam("kind", "Only topics (their titles) or only posts", choices=("topic", "post"))
BEFORE = QueryParam("before", "Only what was written before this UTC day (YYYY-MM-DD)",
                    pattern=DATE_PATTERN, format="date")
AFTER = QueryParam("after", "Only what was written on or after this UTC day (YYYY-MM-DD)",
                   pattern=DATE_PATTERN, format="date")
CURSOR = QueryParam("cursor", "The `next_cursor` of the page before")
LIMIT = QueryParam.number("limit", f"Results per page (default {search.PAGE_DEFAULT})", 1,
                          search.PAGE_MAX)
LANG = QueryParam("lang", "Only what is written in this language (BCP 47: ko also finds "
                  "ko-KR); the same as lang: in q", pattern=tags.TAG_OR_NOTHING,
                  hint=posts.TAG_HINT)
SEARCH_QUERY = (Q, SPACE, ORG, AUTHOR, TYPE, KIND, BEFORE, AFTER, LANG, CURSOR, LIMIT)


def _day(call: Call, param: QueryParam) -> date | None:
    if call.query.get(param.name) == "":
        raise Invalid({param.name: "Expected a day as YYYY-MM-DD."})
    raw = query_text(call, param)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid({param.name: "No such day in the calendar."}) from None


async def find(call: Call) -> SearchPage:
    kind = query_choice(call, KIND)
    params = query.Params(
        space_id=query_id(call, SPACE),
        org_id=query_id(call, ORG),
        author_id=query_id(call, AUTHOR),
        stakeholder_type=query_choice(call, TYPE),
        kind="topic" if kind == "topic" else "post" if kind == "post" else None,
        before=_day(call, BEFORE),
        after=_day(call, AFTER),
        lang=query_text(call, LANG),
    )
    return await search.search(
        call.ctx, call.actor, call.query.get("q", ""), params,
        cursor=call.query.get("cursor") or None,
        limit=query_number(call, LIMIT, search.PAGE_DEFAULT),
    )


def endpoints() -> list[Endpoint]:
    return [
        Endpoint("GET", "/search", find,
                 "Search topic titles and post bodies, ranked, with highlighted snippets: only "
                 "what the searcher may read (public; private spaces to their members)",
                 response=SearchPage, query=SEARCH_QUERY, errors=(401, 422)),
    ]
