"""Reading what was typed (search/query.py) and cutting snippets (search/snippets.py),
without a database: the words, phrases, exclusions and operators a search is made
of, and the snippet's only markup."""

from __future__ import annotations

from datetime import date

import pytest

from cps.services.errors import Invalid
from cps.services.search.query import Filters, Params, parse
from cps.services.search.snippets import plain_text, snippet
from cps.storage.search import TextQuery, tsquery_text


def test_words_phrases_exclusions_and_the_last_word_as_a_prefix() -> None:
    query = parse('"river bridge" metro-line -closed -"old depot" tram')
    assert query.text == TextQuery(
        all_of=(("river", "bridge"), ("metro", "line"), ("tram",)),
        none_of=(("closed",), ("old", "depot")), prefix=True)
    assert parse('"only a phrase"').text == TextQuery(all_of=(("only", "a", "phrase"),))


def test_operators_become_filters_and_parameters_join_them() -> None:
    query = parse('@Seoul.Official, author:jiho space:"Seoul Transit" org:7 type:Government '
                  "is:question status:answered is:official before:2026-03-01 "
                  "after:2026-01-01 metro",
                  Params(space_id=3, author_id=9, after=date(2026, 2, 1)))
    assert query.filters == Filters(
        handles=("seoul.official", "jiho"), author_ids=(9,), spaces=("Seoul Transit", "3"),
        orgs=("7",), types=("government",), question=True, official=True, status="answered",
        before=date(2026, 3, 1), after=date(2026, 2, 1), kind="post")
    assert parse("@jiho").text is None and not parse("@jiho").empty
    assert parse("   ").empty and parse("").empty


@pytest.mark.parametrize("q", ["foo:bar x", "is:pinned x", "before:2026-02-30 x",
                               "after:tomorrow x", "type:alien x", "status:maybe x",
                               "org: x", "-x", '-"a b"'])
def test_what_cannot_be_read_is_refused_naming_it(q: str) -> None:
    with pytest.raises(Invalid) as refused:
        parse(q)
    assert set(refused.value.fields) == {"q"}


def test_links_control_characters_and_punctuation_are_words_or_nothing() -> None:
    # A link is one word of four tokens, found as a phrase.
    assert parse("https://example.org/maps").text == TextQuery(
        all_of=(("https", "example", "org", "maps"),), prefix=True)
    assert parse("a\x00b").text == TextQuery(all_of=(("a",), ("b",)), prefix=True)
    assert parse('" * ( ) ! %').empty


def test_cjk_runs_are_tokens_of_their_own_and_pairs_on_postgresql() -> None:
    query = parse("Seoul서울시 成都")
    assert query.text == TextQuery(all_of=(("Seoul", "서울시"), ("成都",)), prefix=True)
    assert query.text is not None  # PostgreSQL's `simple` dictionary lowers the case
    assert tsquery_text(query.text) == "('Seoul' & ('서울' <-> '울시')) & (('成都'))"


def test_a_snippet_escapes_everything_but_its_marks() -> None:
    text = plain_text("<p>The <strong>métro</strong> &amp; <code>&lt;b&gt;</code> "
                      "<a href='x'>map</a></p><script>alert(1)</script>")
    assert text == "The métro & <b> map"
    query = TextQuery(all_of=(("metro",), ("ma",)), prefix=True)
    assert snippet(text, query) == "The <mark>métro</mark> &amp; &lt;b&gt; <mark>map</mark>"
    assert snippet("成都地铁站", TextQuery(all_of=(("地铁",),))) == "成都<mark>地铁</mark>站"
    assert snippet("nothing here", None) == "nothing here"
