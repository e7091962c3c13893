"""What a search answers: a page of results, each a topic (its title matched) or a
post (its body matched), with a snippet whose only markup is `<mark>`."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from cps.services.accounts.views import Author
from cps.services.views import View


class SearchResult(View):
    kind: Literal["topic", "post"]
    topic_id: int
    post_id: int | None  # null for a topic
    space_id: int
    space_name: str
    # The topic's title, as plain text (escape it to show it).
    title: str
    # HTML: escaped text around the words found, which are in <mark>; no other tag.
    snippet: str
    author: Author
    created_at: datetime
    # A hidden post: only its author and the space's moderators find it.
    hidden: bool = False
    # A post's language (BCP 47) or null (unknown; always null for a topic).
    lang: str | None = None


class SearchPage(View):
    results: list[SearchResult]
    next_cursor: str | None
