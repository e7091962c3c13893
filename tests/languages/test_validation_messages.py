"""pydantic's 422 texts in every language: each error type CPS's request bodies can
raise has an English template of its own (cps/http/errors.py) that the catalogues
translate, counts taking each language's plural form (docs/languages.md)."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from cps.http.errors import validation_fields
from cps.http.schemas import TIME_HINT, Time
from cps.services.languages.locales import CODES
from cps.services.languages.messages import translate


class _Body(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    name: Annotated[str, StringConstraints(min_length=1, max_length=3)] = "a"
    count: Annotated[int, Field(ge=1, le=9)] = 1
    kind: Literal["plain", "fancy", "odd"] = "plain"
    items: Annotated[list[int], Field(min_length=2, max_length=4)] = [1, 2]
    at: Time | None = None


def _fields(**data: object) -> dict[str, str]:
    with pytest.raises(ValidationError) as raised:
        _Body.model_validate(data)
    return validation_fields(raised.value)


def test_each_error_type_has_its_english_template() -> None:
    assert _fields(name="", count=0, kind="x", items=[1]) == {
        "name": "String should have at least 1 character",
        "count": "Input should be greater than or equal to 1",
        "kind": "Input should be one of: 'plain', 'fancy', 'odd'",
        "items": "Should have at least 2 items, not 1",
    }
    assert _fields(name="abcd", count=10, items=[1, 2, 3, 4, 5], extra=1) == {
        "name": "String should have at most 3 characters",
        "count": "Input should be less than or equal to 9",
        "items": "Should have at most 4 items, not 5",
        "extra": "Extra inputs are not permitted",
    }
    assert _fields(name=1, count="1", items={}, at="tomorrow") == {
        "name": "Input should be a valid string", "count": "Input should be a valid integer",
        "items": "Input should be a valid list", "at": TIME_HINT,
    }


@pytest.mark.parametrize("code", [code for code in CODES if code != "en"])
def test_every_template_is_translated_in_every_language(code: str) -> None:
    for data in ({"name": "", "count": 0, "kind": "x", "items": [1]},
                 {"name": "abcd", "count": 10, "items": [1, 2, 3, 4, 5], "extra": 1},
                 {"name": 1, "count": "1", "items": {}, "at": "tomorrow"}):
        for english in _fields(**data).values():
            translated = translate(english, code)
            assert translated != english, (code, english)
            # The numbers and values stay as they were.
            for value in ("1", "9", "3", "4", "5", "'plain', 'fancy', 'odd'"):
                if f" {value}" in english or english.endswith(value):
                    assert value in translated, (code, english, translated)


def test_counts_take_the_languages_plural_form() -> None:
    assert translate("String should have at least 1 character", "ru") == (
        "Нужен хотя бы 1 символ")
    assert translate("String should have at least 3 characters", "ru") == (
        "Нужно хотя бы 3 символа")
    assert translate("String should have at least 25 characters", "ru") == (
        "Нужно хотя бы 25 символов")
    assert translate("String should have at least 1 character", "fr") == (
        "Doit contenir au moins 1 caractère")
    assert translate("String should have at least 2 characters", "fr") == (
        "Doit contenir au moins 2 caractères")
    assert translate("Should have at most 4 items, not 5", "es") == (
        "Debe tener como máximo 4 elementos, no 5")
