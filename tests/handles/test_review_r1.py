"""Reviewer R1's attacks on handles and mentions (issue 15): look-alike and odd
handles on the profile, and what is read kindly within the rules. Both databases."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.api import Api, User

pytestmark = pytest.mark.anyio


async def _handle(api: Api, user: User) -> str:
    return str((await api.ok("GET", "/me", user))["user"]["handle"])


@pytest.mark.parametrize("bad", [
    "\u0430lice",          # Cyrillic a, looks like "alice"
    "\uff41lice",          # fullwidth a
    "al\u0131ce",          # dotless i
    "a\u0301lice",         # a combining accent
    "alice\u200d",         # a zero-width joiner at the end
    "@@alice", "..", "...", "a..", "..a", "al ice", "al/ice", "al\\ice", "al\x00ice",
    "a" * 31, "\u212alvin",  # the Kelvin sign lowers to "k" in Unicode, not here
])
async def test_odd_handles_are_refused_on_the_profile(api: Api, bad: str) -> None:
    me = await api.user()
    before = await _handle(api, me)
    r = await api.call("PATCH", "/me", me, {"handle": bad})
    assert r.status_code == 422, (bad, r.status_code, r.text)
    assert "handle" in r.json()["error"]["fields"]
    assert await _handle(api, me) == before


@pytest.mark.parametrize(("asked", "kept"), [
    ("ALICE-R1", "alice-r1"), ("  @Bo.Kim_7 ", "bo.kim_7"), ("a" * 30, "a" * 30),
    ("a..b", "a..b"),
])
async def test_handles_are_read_kindly_within_the_rules(api: Api, asked: str, kept: str
                                                       ) -> None:
    me = await api.user()
    assert (await api.ok("PATCH", "/me", me, {"handle": asked}))["user"]["handle"] == kept
    found: dict[str, Any] = await api.ok("GET", f"/users?handle={kept.upper()}")
    assert found["user"]["id"] == me.id
