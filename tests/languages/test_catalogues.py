"""The catalogue check (server half): a test fails when a message the code uses is
not in the template, when the template keeps one the code no longer uses, or when a
language lacks a message English has, keeps a stale one, leaves one untranslated or
changes its placeholders. Also: plural rules per language, and who reviews each."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.plurals import get_plural

from cps.services.languages import catalogues
from cps.services.languages.catalogues import read_catalogue
from cps.services.languages.extraction import messages
from cps.services.languages.locales import CODES, DEFAULT
from cps.services.languages.messages import translate

PACKAGE = Path(catalogues.__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
TRANSLATED = [code for code in CODES if code != DEFAULT]


def _ids(catalog: Catalog) -> set[str | tuple[str, ...]]:
    return {m.id if isinstance(m.id, str) else tuple(m.id) for m in catalog if m.id}


def _used_in_code() -> set[str | tuple[str, ...]]:
    method = [("**.py", "cps.services.languages.extraction:extract")]
    return {message if isinstance(message, str) else tuple(message)
            for _, _, message, _, _ in extract_from_dir(str(PACKAGE), method_map=method)}


def test_every_message_the_code_uses_is_in_the_template_and_none_is_stale() -> None:
    template = _ids(read_catalogue(catalogues.template_path()))
    used = _used_in_code()
    assert used - template == set(), "run the extraction (docs/languages.md): new messages"
    assert template - used == set(), "run the extraction (docs/languages.md): stale messages"


@pytest.mark.parametrize("code", TRANSLATED)
def test_each_language_has_every_message_translated_and_no_stale_one(code: str) -> None:
    template = _ids(read_catalogue(catalogues.template_path()))
    catalog = read_catalogue(catalogues.po_path(code), code)
    assert _ids(catalog) == template
    for message in catalog:
        if not message.id:
            continue
        assert not message.fuzzy, message.id
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = ([message.string] if isinstance(message.string, str)
                   else list(message.string or ()))
        assert all(strings), f"{code}: untranslated {message.id!r}"
        wanted = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        for text in strings:
            assert text not in ids or PLACEHOLDER.fullmatch(text.strip()), (
                f"{code}: English copied as the translation of {message.id!r}")
            # Every placeholder the English has (ignoring one a translation may leave out
            # because its grammar has no word for it, e.g. English's "need"/"needs").
            assert set(PLACEHOLDER.findall(text)) <= wanted, (code, message.id, text)
        assert not list(message.check(catalog)), (code, message.id)


@pytest.mark.parametrize("code", TRANSLATED)
def test_plural_forms_and_reviewers_are_declared(code: str) -> None:
    catalog = read_catalogue(catalogues.po_path(code), code)
    expected = get_plural(Locale.parse(code))
    assert catalog.num_plurals == expected.num_plurals
    assert catalog.plural_expr == expected.plural_expr
    assert "Who may review it" in (catalog.header_comment or "")
    assert catalog.language_team and "review" in catalog.language_team


def test_russian_and_arabic_have_several_plural_forms() -> None:
    assert read_catalogue(catalogues.po_path("ru"), "ru").num_plurals == 3
    assert read_catalogue(catalogues.po_path("ar"), "ar").num_plurals == 6
    assert read_catalogue(catalogues.po_path("ko"), "ko").num_plurals == 1


def test_each_catalogue_compiles_and_answers() -> None:
    for code in TRANSLATED:
        assert translate("No such topic.", code) != "No such topic."
    assert translate("No such topic.", "en") == "No such topic."
    # Unknown text comes back as it is, whatever the language.
    assert translate("Not a message CPS has.", "ar") == "Not a message CPS has."


def test_a_template_message_keeps_its_values_and_braces_that_are_not_its_own() -> None:
    assert translate("At most 25 ids at a time.", "ru") == "Не больше 25 идентификаторов за раз."
    assert translate("Expected space:{id}, topic:{id}, user:{id} or moderation:{id}.", "tr") == (
        "space:{id}, topic:{id}, user:{id} ya da moderation:{id} bekleniyordu.")
    # A value with braces or regex characters in it is carried as text.
    assert translate("No such flags: [1, {2}, .*].", "fr") == (
        "Ces signalements n’existent pas : [1, {2}, .*].")


def test_a_lookups_missing_message_is_extracted_where_it_is_passed_and_where_it_defaults() -> None:
    """cps/services/orgs/access.py's lookups take their NotFound's message as `missing`:
    its defaults and what callers pass are messages the catalogue must have."""
    source = '''
async def topic_access(session, actor, topic_id, *, missing: str = "No such topic.",
                       kind: str = "Not a message."): ...
def space_access(actor, space_id, missing="No such space."): ...
async def vote(session, poll):
    return await topic_access(session, None, poll.topic_id, missing="No such poll.")
'''
    assert [text for _, text in messages(source)] == [
        "No such topic.", "No such space.", "No such poll."]
