"""A plain line skips the markdown parser and the sanitiser
(cps/services/discussion/markdown.py, `plain`): its HTML must be exactly what the
parser and the sanitiser make of it, and what is not plain must take the full path."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cps.services.discussion import markdown


def _full(source: str) -> str:
    """The parser and the sanitiser, as every post took them before the fast path."""
    return markdown._clean(markdown._md.render(source, {"mentions": frozenset()}))


LETTERS = "abcXYZéßçÑøłŻжЯ서울시민東京ひらカナاسمहनέλ"
ALLOWED = LETTERS + "0123456789 ,.;:?!'\"()/%+=-"
MARKS = "*_`~[]<>&#|\\@!\n\t\r \u00a0\u3000\u0301\x00"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=LETTERS, min_size=1, max_size=1),
       st.text(alphabet=ALLOWED, max_size=60))
@example("H", "e said \"hi\" and it's  two  spaces")
@example("x", " 1. y - z -- w (a) b/c 50% a+b=c: yes! no? ok; fine.")
@example("A", " ) b :: http://example.org/x")
@example("a", "   ")
def test_a_plain_line_renders_as_the_parser_and_sanitiser_render_it(first: str,
                                                                   rest: str) -> None:
    line = first + rest
    assert markdown.render(line) == _full(line)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=ALLOWED + MARKS, min_size=1, max_size=40))
@example("1. item")
@example("a_b_ c")
@example("see [x](http://example.org)")
@example("Ends with a space ")
@example("é\u0301 combining")
@example("a *b*")
@example("a `b`")
@example("a ~~b~~")
def test_any_line_renders_as_the_parser_and_sanitiser_render_it(line: str) -> None:
    assert markdown.render(line) == _full(line)


@pytest.mark.parametrize("line", ["hi @abc", "hi @abc.", "a @abc b"])
def test_a_mention_is_never_lost_to_the_fast_path(line: str) -> None:
    assert not markdown.plain(line)
    assert 'class="mention"' in markdown.render(line, ("abc",))
    assert markdown.render(line, ("abc",)) == markdown._clean(
        markdown._md.render(line, {"mentions": frozenset({"abc"})}))


@pytest.mark.parametrize("line", [
    "Post 12 of the parts benchmark: plain words, as most posts are.",
    "The bus stop on Main Street needs a shelter (it rains a lot).",
    "서울시는 자전거 도로를 늘려야 합니다.",
    "Cuándo abre la biblioteca? Gracias!",
    "Die Sitzung ist am 3. Mai um 18 Uhr.",
])
def test_everyday_sentences_take_the_fast_path(line: str) -> None:
    assert markdown.plain(line)


@pytest.mark.parametrize("line", [
    "**bold**", "a_b", "# Title", "1. item", "- item", "> quote", "two\nlines",
    "@min-ji look", "see [x](y)", "a & b", "x < y", "trailing ", "`code`", "~~gone~~",
    "a | b", "back\\slash", "", " leading", "a *b*", "a `b`", "a ~~b~~", "hi @abc",
])
def test_what_markdown_reads_takes_the_full_path(line: str) -> None:
    assert not markdown.plain(line)
