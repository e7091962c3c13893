"""Impersonation: names that show nothing, names that pass for the platform's
staff, organizations named like a member, and the platform's "verified" mark.

Every test runs on SQLite and on PostgreSQL (the `api` fixture)."""

from __future__ import annotations

import asyncio
import itertools
import logging
from typing import Any

import httpx
import pytest

from cps.services.accounts import identity
from cps.services.context import Context
from tests.support.api import PREFIX, Api, User

pytestmark = pytest.mark.anyio

PASSWORD = "correct horse battery"
_n = itertools.count(1)

# Names that show nothing once rendered.
INVISIBLE = {
    "zero-width space": "\u200b",
    "joiners": "\u200d\u200c\u2060",
    "byte order mark": "\ufeff\ufeff",
    "bidi controls": "\u202e \u2066\u2069 \u202a",
    "soft hyphen": "\u00ad\u00ad",
    "Hangul fillers": "\u3164\u115f\u1160\uffa0",
    "Mongolian vowel separator": "\u180e",
    "tags": "\U000e0041\U000e0064\U000e006d",
    "variation selector alone": "\ufe0f",
    "Braille blank": "\u2800\u2800",
    "combining mark alone": "\u0301",
    "controls": "\x1b\x7f\x9b",
}

# Display names that would pass for the platform's staff or the moderators.
STAFF = {
    "admin": "Admin",
    "lower case": "moderator",
    "upper case": "ADMINISTRATOR",
    "first word": "Staff picks",
    "official": "Official City Account",
    "cps": "CPS Support",
    "support": "Support team",
    "system": "System",
    "secretariat": "Secretariat",
    "full-width": "\uff2d\uff4f\uff44\uff45\uff52\uff41\uff54\uff4f\uff52",
    "digit one for i": "Adm1n",
    "digit zero for o": "M0derator",
    "Cyrillic S": "\u0405taff",
    "mathematical bold": "\U0001d400\U0001d41d\U0001d426\U0001d422\U0001d427",
    "after a bracket": "Jane (Moderator)",
    "after a bar": "Jane | Admin",
    "after a dash": "Jane - Staff",
    "camel case": "ModeratorJane",
    "spaced out": "A d m i n",
    "invisible joiners inside": "Mod\u200berator",
    "with the": "The Moderators",
}
# ...and names with those words that are people's own.
NOT_STAFF = ["Org admin", "Volunteer moderator", "Stafford Smith", "Supporter of parks",
             "Systematic Sue", "Admiral Jones", "Officer Dibble", "Demo Moderator"]

# Each passes for "City of Seoul".
LOOK_ALIKES = {
    "the same": "City of Seoul",
    "digit one for l": "City of Seou1",
    "capital I for l": "City of SeouI",
    "Cyrillic i": "C\u0456ty of Seoul",
    "Cyrillic C": "\u0421ity of Seoul",
    "Greek omicron": "City \u03bff Seoul",
    "two spaces": "City  of Seoul",
    "no space": "Cityof Seoul",
    "upper case": "CITY OF SEOUL",
    "lower case": "city of seoul",
    "full-width": "\uff23\uff49\uff54\uff59 \uff4f\uff46 \uff33\uff45\uff4f\uff55\uff4c",
    "mathematical bold": "\U0001d402\U0001d422\U0001d42d\U0001d432 \U0001d428\U0001d41f "
                         "\U0001d412\U0001d41e\U0001d428\U0001d42e\U0001d425",
    "hyphens": "City-of-Seoul",
    "full stop": "City of Seoul.",
    "digit zero for o": "City of Se0ul",
    "accent": "City of S\u00e9oul",
    "zero-width space": "City\u200b of Seoul",
    "no-break space": "City\u00a0of\u00a0Seoul",
}


async def register(api: Api, display_name: str) -> httpx.Response:
    return await api.http.post(f"{PREFIX}/auth/register", json={
        "email": f"imp{next(_n)}-{id(api)}@example.org", "password": PASSWORD,
        "display_name": display_name})


def error(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()["error"]
    return body


async def platform_admin(api: Api, ctx: Context) -> User:
    email = f"secretariat{next(_n)}-{id(api)}@example.org"
    await identity.create_admin(ctx, email=email, password=PASSWORD)
    r = await api.http.post(f"{PREFIX}/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    api.http.cookies.clear()
    body = r.json()
    return User(body["user"]["id"], email, body["token"], body["user"]["display_name"])


async def create_org(api: Api, user: User, name: str) -> httpx.Response:
    return await api.call("POST", "/orgs", user,
                          {"name": name, "kind": "local_government", "country": "Korea"})


# --- names with nothing visible -------------------------------------------------------


@pytest.mark.parametrize("raw", INVISIBLE.values(), ids=INVISIBLE.keys())
async def test_a_display_name_with_nothing_visible_is_refused(api: Api, raw: str) -> None:
    body = error(await register(api, raw), 422)
    assert "visible" in body["fields"]["display_name"]

    user = await api.user("Jiwoo Kim")
    body = error(await api.call("PATCH", "/me", user, {"display_name": f" {raw} "}), 422)
    assert "visible" in body["fields"]["display_name"]
    assert (await api.ok("GET", "/me", user))["user"]["display_name"] == "Jiwoo Kim"


@pytest.mark.parametrize("raw", ["\u200b\u200d", "\u3164", "\u202e\u2800"],
                         ids=["joiners", "Hangul filler", "bidi and Braille blank"])
async def test_an_organization_or_space_name_with_nothing_visible_is_refused(
    api: Api, raw: str
) -> None:
    admin = await api.user("Mayor")
    assert "visible" in error(await create_org(api, admin, raw), 422)["fields"]["name"]
    org = await api.org(admin, "City of Daejeon")
    r = await api.call("POST", f"/orgs/{org['id']}/spaces", admin,
                       {"name": raw, "description": ""})
    assert "visible" in error(r, 422)["fields"]["name"]
    assert [o["name"] for o in (await api.ok("GET", "/orgs"))["orgs"]] == ["City of Daejeon"]


async def test_names_are_kept_nfkc_normalised_without_invisible_characters(api: Api) -> None:
    r = await register(api, "\uff2a\uff49\uff57\uff4f\uff4f\u200d  \u2066Kim\u2069\u00ad")
    assert r.status_code == 201, r.text
    assert r.json()["user"]["display_name"] == "Jiwoo Kim"

    admin = await api.user("Mayor")
    profile = await api.ok("PATCH", "/me", admin, {"display_name": "Mayor\tof\u3000Daegu\ufeff"})
    assert profile["user"]["display_name"] == "Mayor of Daegu"
    org = (await create_org(api, admin, "\uff23\uff49\uff54\uff59\u00a0of\u200b  Daegu")).json()
    assert org["org"]["name"] == "City of Daegu"
    space = await api.space(admin, org["org"]["id"], name="Green\u200c spaces\u00ad")
    assert space["name"] == "Green spaces"
    topic = await api.topic(admin, space["id"], "Shade", "Which streets first?")
    posts = (await api.ok("GET", f"/topics/{topic['id']}/posts"))["posts"]
    assert posts[0]["author"]["display_name"] == "Mayor of Daegu"
    assert [o["name"] for o in (await api.ok("GET", "/orgs"))["orgs"]] == ["City of Daegu"]


async def test_a_name_that_normalising_makes_too_long_is_422(api: Api) -> None:
    # U+FDFA is one character that NFKC makes eighteen: 5 of them are 90.
    body = error(await register(api, "\ufdfa" * 5), 422)
    assert body["fields"]["display_name"] == "At most 80 characters."
    admin = await api.user("Mayor")
    body = error(await create_org(api, admin, "\ufdfa" * 12), 422)
    assert body["fields"]["name"] == "At most 200 characters."


async def test_check_marks_that_pass_for_the_verified_badge_are_refused(api: Api) -> None:
    admin = await api.user("Mayor")
    for name in ("City of Gwangju \u2713", "\u2705 City of Gwangju", "City of Gwangju \u2714\ufe0f"):
        assert "Verified" in error(await create_org(api, admin, name), 422)["fields"]["name"]
    assert "Verified" in error(await register(api, "Jane \u2714"), 422)["fields"]["display_name"]


# --- display names that pass for staff ----------------------------------------------


@pytest.mark.parametrize("name", STAFF.values(), ids=STAFF.keys())
async def test_a_display_name_that_passes_for_staff_is_refused(api: Api, name: str) -> None:
    body = error(await register(api, name), 422)
    assert body["message"] == "This display name would pass for the platform's staff."
    assert "Moderator" in body["fields"]["display_name"]

    user = await api.user("Jiwoo Kim")
    error(await api.call("PATCH", "/me", user, {"display_name": name}), 422)
    assert (await api.ok("GET", "/me", user))["user"]["display_name"] == "Jiwoo Kim"


async def test_names_that_only_contain_those_words_are_people_s_own(api: Api) -> None:
    for name in NOT_STAFF:
        r = await register(api, name)
        assert r.status_code == 201, (name, r.text)
        assert r.json()["user"]["display_name"] == name


async def test_a_platform_admin_may_take_a_staff_name(api: Api, ctx: Context) -> None:
    secretariat = await platform_admin(api, ctx)
    body = await api.ok("PATCH", "/me", secretariat, {"display_name": "CPS Support"})
    assert body["user"]["display_name"] == "CPS Support"


# --- organizations named like a member ------------------------------------------------


@pytest.mark.parametrize("name", LOOK_ALIKES.values(), ids=LOOK_ALIKES.keys())
async def test_an_organization_named_like_a_member_is_refused(api: Api, name: str) -> None:
    seoul_admin = await api.user("Kim Min-jun")
    seoul = await api.org(seoul_admin, "City of Seoul")
    impostor = await api.user("Someone else")

    body = error(await create_org(api, impostor, name), 409)

    assert body["code"] == "name_taken"
    assert "look-alike characters" in body["message"]
    # The rule, not the other organization: nothing of it is in the answer.
    assert set(body) == {"code", "message"}
    for private in ("Kim Min-jun", seoul_admin.email, f"/orgs/{seoul['id']}"):
        assert private not in body["message"]
    orgs = (await api.ok("GET", "/orgs"))["orgs"]
    assert [(o["id"], o["name"]) for o in orgs] == [(seoul["id"], "City of Seoul")]


async def test_different_names_are_still_accepted(api: Api) -> None:
    admin = await api.user("Mayor")
    await api.org(admin, "City of Seoul")
    for name in ("City of Busan", "Seoul Youth Council", "Town of Seoul", "Seoul"):
        assert (await create_org(api, admin, name)).status_code == 201, name


async def test_look_alikes_created_at_once_make_one_organization(api: Api) -> None:
    people = [await api.user(f"Founder {i}") for i in range(8)]
    names = list(LOOK_ALIKES.values())[:8]

    answers = await asyncio.gather(*(create_org(api, p, n) for p, n in zip(people, names,
                                                                          strict=True)))

    assert sorted(r.status_code for r in answers) == [201] + [409] * 7
    assert len((await api.ok("GET", "/orgs"))["orgs"]) == 1


# --- verified organizations -----------------------------------------------------------


async def test_only_platform_admins_verify_an_organization(
    api: Api, ctx: Context, caplog: pytest.LogCaptureFixture
) -> None:
    admin = await api.user("Mayor")
    org = await api.org(admin, "City of Seoul")
    other = await api.org(admin, "City of Busan")
    participant = await api.user("Jiwoo Kim")
    path = f"/admin/orgs/{org['id']}/verified"
    assert org["verified"] is False

    assert error(await api.call("PUT", path, admin, {"verified": True}), 403)["code"] == "forbidden"
    error(await api.call("PUT", path, participant, {"verified": True}), 403)
    error(await api.call("PUT", path, None, {"verified": True}), 401)
    assert (await api.ok("GET", f"/orgs/{org['id']}", admin))["org"]["verified"] is False

    secretariat = await platform_admin(api, ctx)
    error(await api.call("PUT", path, secretariat, {"verified": "yes"}), 422)
    error(await api.call("PUT", "/admin/orgs/99999/verified", secretariat, {"verified": True}),
          404)
    caplog.set_level(logging.INFO, logger="cps.orgs")
    body = await api.ok("PUT", path, secretariat, {"verified": True})
    assert body["org"]["verified"] is True and body["org"]["name"] == "City of Seoul"

    # Everyone sees it, in the organization and in the list.
    assert (await api.ok("GET", f"/orgs/{org['id']}"))["org"]["verified"] is True
    listed = {o["id"]: o["verified"] for o in (await api.ok("GET", "/orgs"))["orgs"]}
    assert listed == {org["id"]: True, other["id"]: False}
    # Who did it is in the log.
    records = [r for r in caplog.records if r.getMessage() == "organization verified"]
    assert [(r.__dict__["org_id"], r.__dict__["by"]) for r in records] == [
        (org["id"], secretariat.id)]

    body = await api.ok("PUT", path, secretariat, {"verified": False})
    assert body["org"]["verified"] is False
    assert (await api.ok("GET", f"/orgs/{org['id']}"))["org"]["verified"] is False
