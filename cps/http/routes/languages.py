"""/locales: the languages CPS speaks (docs/languages.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from cps.http.api import Call, Endpoint
from cps.services.languages.locales import LOCALES


class LocaleView(BaseModel):
    code: str
    name: str  # in its own language
    dir: Literal["ltr", "rtl"]


class LocaleList(BaseModel):
    locales: list[LocaleView]


async def list_locales(_: Call) -> LocaleList:
    return LocaleList(locales=[LocaleView(code=loc.code, name=loc.name, dir=loc.dir)
                               for loc in LOCALES.values()])


def endpoints() -> list[Endpoint]:
    return [
        Endpoint("GET", "/locales", list_locales,
                 "The languages of the interface: code, name in itself, direction",
                 response=LocaleList, auth="none", errors=()),
    ]
