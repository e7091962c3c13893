"""Handles over the API: proposed at sign-up, chosen, changed, refused when taken or
malformed, and carried by every user object (docs/notifications.md, "Handles,
mentions and following")."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import httpx
import pytest

from tests.security.test_signup_flood import site
from tests.support.api import PASSWORD, PREFIX, Api, User

pytestmark = pytest.mark.anyio

_n = itertools.count(1)


async def _register(api: Api, name: str, **extra: Any) -> httpx.Response:
    r = await api.call("POST", "/auth/register", json={
        "email": f"handle{next(_n)}-{id(api)}@example.org", "password": PASSWORD,
        "display_name": name, **extra})
    api.http.cookies.clear()
    return r


async def _handle_of(api: Api, name: str, **extra: Any) -> str:
    r = await _register(api, name, **extra)
    assert r.status_code == 201, r.text
    return str(r.json()["user"]["handle"])


def _refused(r: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    error: dict[str, Any] = r.json()["error"]
    assert error["code"] == code, error
    return error


async def test_sign_up_proposes_a_handle_from_the_display_name(api: Api) -> None:
    assert await _handle_of(api, "Min-ji Park") == "min-ji-park"
    # Taken: the first free number after it.
    assert await _handle_of(api, "Min-ji Park") == "min-ji-park2"
    assert await _handle_of(api, "MIN JI   park!") == "min-ji-park3"
    # Accents dropped; other scripts give "user" (and a number once taken).
    assert await _handle_of(api, "José Núñez") == "jose-nunez"
    first, second = await _handle_of(api, "김민지"), await _handle_of(api, "مريم")
    assert first == "user" and second == "user2"
    # Too short alone, and long names cut to leave room for a number.
    assert await _handle_of(api, "Al") == "al-user"
    long = await _handle_of(api, "Alexandra Konstantinopoulou-Papadimitriou")
    assert long == "alexandra-konstantinopou" and len(long) <= 30


async def test_sign_up_takes_the_handle_asked_for(api: Api) -> None:
    assert await _handle_of(api, "Bo Kim", handle="@Bo_Kim.7") == "bo_kim.7"
    r = await _register(api, "Another Bo", handle="bo_kim.7")
    _refused(r, 409, "handle_taken")
    # Case does not make a second handle.
    _refused(await _register(api, "Third Bo", handle="BO_KIM.7"), 409, "handle_taken")


@pytest.mark.parametrize("bad", [
    "ab", "a" * 31, "bo kim", "bo@kim", "김민지", "bö", "-bo", "bo.", "_bo_", "bo\u200bkim",
    "admin", "moderator-kim", "cps.support", "",
])
async def test_a_malformed_handle_is_refused_naming_the_field(api: Api, bad: str) -> None:
    error = _refused(await _register(api, "Bo Kim", handle=bad), 422, "invalid")
    assert "handle" in error["fields"]


async def test_a_handle_longer_than_the_request_allows_is_422(api: Api) -> None:
    error = _refused(await _register(api, "Bo Kim", handle="b" * 5000), 422, "invalid")
    assert "handle" in error["fields"]


async def test_the_profile_changes_the_handle(api: Api) -> None:
    me, other = await api.user("Ji-ho Lee"), await api.user("Other Person")
    before = (await api.ok("GET", "/me", me))["user"]
    assert before["handle"] == "ji-ho-lee" or before["handle"].startswith("ji-ho-lee")
    changed = (await api.ok("PATCH", "/me", me, {"handle": "@JiHo"}))["user"]
    assert changed["handle"] == "jiho"
    assert (await api.ok("GET", "/me", me))["user"]["handle"] == "jiho"
    # Asking for your own handle again changes nothing.
    assert (await api.ok("PATCH", "/me", me, {"handle": "jiho"}))["user"]["handle"] == "jiho"
    # Someone else's is taken; a malformed one is 422; neither changes anything.
    other_handle = (await api.ok("GET", "/me", other))["user"]["handle"]
    _refused(await api.call("PATCH", "/me", me, {"handle": other_handle}), 409, "handle_taken")
    _refused(await api.call("PATCH", "/me", me, {"handle": "j"}), 422, "invalid")
    _refused(await api.call("PATCH", "/me", me, {"handle": "staff"}), 422, "invalid")
    assert (await api.ok("GET", "/me", me))["user"]["handle"] == "jiho"
    # The old handle stays theirs (test_a_handle_given_up_stays_its_owners).
    _refused(await _register(api, "New Ji-ho", handle=before["handle"]), 409, "handle_taken")
    # Signed out: 401.
    _refused(await api.call("PATCH", "/me", None, {"handle": "nobody"}), 401, "not_signed_in")


async def test_every_user_object_carries_the_handle(api: Api) -> None:
    w = await api.world()
    citizen: User = w["citizen"]
    handle = (await api.ok("GET", "/me", citizen))["user"]["handle"]
    login = await api.ok("POST", "/auth/login",
                         json={"email": citizen.email, "password": PASSWORD})
    api.http.cookies.clear()
    assert login["user"]["handle"] == handle
    post = await api.post(citizen, w["topic"]["id"], "Hello")
    assert post["author"]["handle"] == handle
    listed = [p for p in await api.posts(w["topic"]["id"]) if p["id"] == post["id"]]
    assert listed[0]["author"]["handle"] == handle
    await api.ok("POST", f"/orgs/{w['org']['id']}/officials", w["admin"],
                 {"user_id": citizen.id})
    officials = (await api.ok("GET", f"/orgs/{w['org']['id']}/officials"))["officials"]
    assert officials[0]["user"]["handle"] == handle
    topic = await api.ok("GET", f"/topics/{w['topic']['id']}")
    admin_handle = (await api.ok("GET", "/me", w["admin"]))["user"]["handle"]
    assert topic["topic"]["author"]["handle"] == admin_handle


async def test_a_handle_names_its_person_for_anyone(api: Api) -> None:
    me = await api.user("Hae-won Seo")
    handle = (await api.ok("GET", "/me", me))["user"]["handle"]
    expected = {"id": me.id, "display_name": "Hae-won Seo", "handle": handle,
                "stakeholder_type": "citizen"}
    # Anyone, signed in or not, with the handle as it may be written.
    for asked in (handle, f"%40{handle}", handle.upper()):
        assert (await api.ok("GET", f"/users?handle={asked}"))["user"] == expected
    assert (await api.ok("GET", f"/users?handle={handle}", me))["user"] == expected
    # Nobody has these (or could), or no handle: 404; not a handle at all: 422 naming it.
    for unknown in ("nobody-here", "ab", "a" * 31, "-x-", ""):
        r = await api.call("GET", f"/users?handle={unknown}")
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found", r.text
    for bad in ("bad%20handle", "a" * 41, "%00"):
        r = await api.call("GET", f"/users?handle={bad}")
        assert r.status_code == 422 and "handle" in r.json()["error"]["fields"], r.text


async def test_simultaneous_sign_ups_with_one_name_get_different_handles(api: Api) -> None:
    results = await asyncio.gather(*[_register(api, "Twin Name") for _ in range(12)])
    assert all(r.status_code == 201 for r in results), [(r.status_code, r.text) for r in results
                                                         if r.status_code != 201]
    handles = sorted(r.json()["user"]["handle"] for r in results)
    assert len(set(handles)) == 12 and "twin-name" in handles


async def test_two_people_asking_for_one_handle_at_once_one_gets_it(api: Api) -> None:
    first, second = await api.user("First Asker"), await api.user("Second Asker")
    answers = await asyncio.gather(
        api.call("PATCH", "/me", first, {"handle": "the-one"}),
        api.call("PATCH", "/me", second, {"handle": "the-one"}))
    assert sorted(r.status_code for r in answers) == [200, 409], [r.text for r in answers]
    refused = next(r for r in answers if r.status_code == 409)
    assert refused.json()["error"]["code"] == "handle_taken"
    owners = [(await api.ok("GET", "/me", u))["user"]["handle"] for u in (first, second)]
    assert owners.count("the-one") == 1


async def test_a_handle_given_up_stays_its_owners(api: Api) -> None:
    """A mention links to /u/{handle} as written: if a handle given up could be taken by
    someone else, the newcomer would take over every old mention of its owner."""
    w = await api.world()
    owner: User = w["citizen"]
    await api.ok("PATCH", "/me", owner, {"handle": "min-ji"})
    post = await api.post(w["admin"], w["topic"]["id"], "Thanks @min-ji for the idea")
    assert 'href="/u/min-ji"' in post["html"]
    await api.ok("PATCH", "/me", owner, {"handle": "minji.park"})
    newcomer = await api.user("Min-ji Impostor")
    # Nobody else may take it: not on the profile, not at sign-up, not as a proposal.
    _refused(await api.call("PATCH", "/me", newcomer, {"handle": "min-ji"}), 409, "handle_taken")
    _refused(await _register(api, "Someone", handle="MIN-JI"), 409, "handle_taken")
    assert await _handle_of(api, "Min Ji") == "min-ji2"
    # The old mention's link still leads to its owner, shown by their handle now.
    person = (await api.ok("GET", "/users?handle=min-ji"))["user"]
    assert person["id"] == owner.id and person["handle"] == "minji.park"
    rendered = [p for p in await api.posts(w["topic"]["id"]) if p["id"] == post["id"]]
    assert 'href="/u/min-ji"' in rendered[0]["html"]
    # A new post writing the old handle mentions nobody (it is nobody's handle now).
    later = await api.post(w["admin"], w["topic"]["id"], "Is @min-ji here?")
    assert "mention" not in later["html"]
    # Its owner may take it back; the one they leave stays theirs in turn.
    again = (await api.ok("PATCH", "/me", owner, {"handle": "min-ji"}))["user"]
    assert again["handle"] == "min-ji"
    _refused(await api.call("PATCH", "/me", newcomer, {"handle": "minji.park"}), 409,
             "handle_taken")
    assert (await api.ok("GET", "/users?handle=minji.park"))["user"]["id"] == owner.id
    # Changing back and forth keeps one row per handle (no 500 on the second change).
    for handle in ("minji.park", "min-ji", "minji.park"):
        assert (await api.ok("PATCH", "/me", owner, {"handle": handle}))["user"]["handle"] == handle


async def test_handle_changes_are_limited_so_nobody_hoards_handles(database_url: str) -> None:
    """Each handle given up stays its owner's: unlimited changes would let one person
    keep thousands of handles from everyone else."""
    async with site(database_url, CPS_RATE_LIMITS="on") as (_, client):
        async with client("10.30.0.1") as http:
            r = await http.post(f"{PREFIX}/auth/register", json={
                "email": "hoarder@example.org", "password": PASSWORD,
                "display_name": "Hoarder"})
            assert r.status_code == 201, r.text
            r = await http.post(f"{PREFIX}/auth/login", json={
                "email": "hoarder@example.org", "password": PASSWORD})
            http.cookies.clear()
            bearer = {"Authorization": f"Bearer {r.json()['token']}"}
            for n in range(5):
                r = await http.patch(f"{PREFIX}/me", json={"handle": f"hoard-{n}"}, headers=bearer)
                assert r.status_code == 200, r.text
            # Asking for the handle one has is no change and is not counted.
            r = await http.patch(f"{PREFIX}/me", json={"handle": "hoard-4"}, headers=bearer)
            assert r.status_code == 200, r.text
            r = await http.patch(f"{PREFIX}/me", json={"handle": "hoard-5"}, headers=bearer)
            error = _refused(r, 429, "rate_limited")
            assert int(r.headers["Retry-After"]) >= 1 and "handle" in error["message"]
            me = (await http.get(f"{PREFIX}/me", headers=bearer)).json()["user"]
            assert me["handle"] == "hoard-4"
            # Other changes to the profile still work.
            r = await http.patch(f"{PREFIX}/me", json={"display_name": "Calm"}, headers=bearer)
            assert r.status_code == 200, r.text
