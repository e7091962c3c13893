"""Officials over the HTTP API: who may name and remove them, what anyone may read,
and the mark their posts carry (`author.official`) where, and only where, they
speak for the organization, computed when read (docs/accountability.md)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from typing import Any

import pytest

from cps.services.context import Context
from cps.services.subscriptions import history
from tests.support.api import Api, User
from tests.support.direct import events_on, platform_admin, set_tier

pytestmark = pytest.mark.anyio


async def _name(api: Api, org_id: int, admin: User, user: User) -> dict[str, Any]:
    return dict((await api.ok("POST", f"/orgs/{org_id}/officials", admin,
                              {"user_id": user.id}))["official"])


async def _officials(api: Api, org_id: int) -> list[int]:
    return [o["user"]["id"] for o in (await api.ok("GET", f"/orgs/{org_id}/officials"))
            ["officials"]]


async def test_an_org_admin_names_lists_and_removes_officials(api: Api) -> None:
    w = await api.world()
    org = w["org"]["id"]
    clerk = await api.user("Min-ji Clerk", "government")
    official = await _name(api, org, w["admin"], clerk)
    assert official["user"] == {"id": clerk.id, "display_name": "Min-ji Clerk",
                                "handle": "min-ji-clerk", "stakeholder_type": "government"}
    assert official["created_at"]
    # Public, to anyone signed in or not; never an email.
    listed = (await api.ok("GET", f"/orgs/{org}/officials"))["officials"]
    assert listed == [official] and "email" not in listed[0]["user"]
    # Naming them again is a conflict, not a second row.
    again = await api.call("POST", f"/orgs/{org}/officials", w["admin"], {"user_id": clerk.id})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_official"
    second = await api.user("Second Clerk")
    await _name(api, org, w["admin"], second)
    assert await _officials(api, org) == [clerk.id, second.id]

    await api.ok("DELETE", f"/orgs/{org}/officials/{clerk.id}", w["admin"])
    assert await _officials(api, org) == [second.id]
    gone = await api.call("DELETE", f"/orgs/{org}/officials/{clerk.id}", w["admin"])
    assert gone.status_code == 404


async def test_a_platform_admin_may_name_officials_of_any_organization(api: Api, ctx: Context) -> None:
    w = await api.world()
    platform = await platform_admin(ctx, api)
    await _name(api, w["org"]["id"], platform, w["citizen"])
    await api.ok("DELETE", f"/orgs/{w['org']['id']}/officials/{w['citizen'].id}", platform)
    assert await _officials(api, w["org"]["id"]) == []


async def test_only_the_organizations_admins_name_or_remove_officials(api: Api) -> None:
    w = await api.world()
    org = w["org"]["id"]
    other_admin = await api.user("Busan Admin")
    await api.org(other_admin, "City of Busan")
    mod = await api.user("Space moderator")
    await api.ok("POST", f"/spaces/{w['space']['id']}/moderators", w["admin"],
                 {"user_id": mod.id})
    # A participant, a moderator of one of its spaces, another city's admin: 403.
    for who in (w["citizen"], mod, other_admin):
        r = await api.call("POST", f"/orgs/{org}/officials", who, {"user_id": who.id})
        assert r.status_code == 403, (who.display_name, r.text)
    # Signed out: 401.
    assert (await api.call("POST", f"/orgs/{org}/officials", None,
                           {"user_id": w["citizen"].id})).status_code == 401
    assert await _officials(api, org) == []

    await _name(api, org, w["admin"], mod)
    for who in (w["citizen"], mod, other_admin):
        r = await api.call("DELETE", f"/orgs/{org}/officials/{mod.id}", who)
        assert r.status_code == 403, (who.display_name, r.text)
    assert (await api.call("DELETE", f"/orgs/{org}/officials/{mod.id}")).status_code == 401
    assert await _officials(api, org) == [mod.id]


async def test_forged_ids_are_refused_without_a_trace(api: Api) -> None:
    w = await api.world()
    org = w["org"]["id"]
    admin = w["admin"]
    missing_org = org + 1000
    for path in (f"/orgs/{missing_org}/officials", f"/orgs/{2**31}/officials"):
        assert (await api.call("GET", path)).status_code == 404
        r = await api.call("POST", path, admin, {"user_id": w["citizen"].id})
        assert r.status_code == 404, r.text
    # An unknown person: 404; an id no database holds, or not an id at all: 422.
    r = await api.call("POST", f"/orgs/{org}/officials", admin, {"user_id": 999_999})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    for forged in (2**31, 0, -1, "1", None, 1.5):
        r = await api.call("POST", f"/orgs/{org}/officials", admin, {"user_id": forged})
        assert r.status_code == 422, (forged, r.text)
    assert (await api.call("POST", f"/orgs/{org}/officials", admin, {})).status_code == 422
    for user_id in (999_999, 2**31):
        r = await api.call("DELETE", f"/orgs/{org}/officials/{user_id}", admin)
        assert r.status_code == 404, r.text
    # Another organization's admin removing from their own org someone who is an
    # official only here: not one of theirs (404), and still ours.
    await _name(api, org, admin, w["citizen"])
    busan_admin = await api.user("Busan Admin")
    busan = await api.org(busan_admin, "City of Busan")
    r = await api.call("DELETE", f"/orgs/{busan['id']}/officials/{w['citizen'].id}", busan_admin)
    assert r.status_code == 404
    assert await _officials(api, org) == [w["citizen"].id]


async def test_naming_the_same_person_at_once_makes_one_official(api: Api, ctx: Context) -> None:
    w = await api.world()
    org = w["org"]["id"]
    platform = await platform_admin(ctx, api)
    clerk = await api.user("Clerk")
    answers = await asyncio.gather(*(
        api.call("POST", f"/orgs/{org}/officials", who, {"user_id": clerk.id})
        for who in (w["admin"], platform, w["admin"])
    ))
    assert sorted(r.status_code for r in answers) == [201, 409, 409]
    assert await _officials(api, org) == [clerk.id]


# --- author.official -------------------------------------------------------------------


async def _two_cities(api: Api) -> dict[str, Any]:
    """Seoul (the world) with an official, and Busan with a space and an official."""
    w = await api.world()
    clerk = await api.user("Seoul Clerk", "government")
    await _name(api, w["org"]["id"], w["admin"], clerk)
    busan_admin = await api.user("Busan Admin")
    busan = await api.org(busan_admin, "City of Busan")
    busan_space = await api.space(busan_admin, busan["id"], name="Harbour")
    busan_clerk = await api.user("Busan Clerk", "government")
    await _name(api, busan["id"], busan_admin, busan_clerk)
    return {**w, "clerk": clerk, "busan": busan, "busan_admin": busan_admin,
            "busan_space": busan_space, "busan_clerk": busan_clerk}


def _by_id(posts: list[dict[str, Any]], post_id: int) -> dict[str, Any]:
    return next(p for p in posts if p["id"] == post_id)


async def test_an_officials_posts_carry_their_organization_in_its_spaces_only(api: Api, ctx: Context) -> None:
    c = await _two_cities(api)
    seoul = {"org_id": c["org"]["id"], "org_name": c["org"]["name"]}
    t = c["topic"]["id"]
    answer = await api.post(c["clerk"], t, "The city will add lanes in May.")
    assert answer["author"]["official"] == seoul and answer["author"]["staff"] is False
    # Busan's official in Seoul's space is a plain participant.
    visitor = await api.post(c["busan_clerk"], t, "In Busan we did it this way.")
    assert visitor["author"]["official"] is None
    citizen = await api.post(c["citizen"], t, "Thanks!")
    assert citizen["author"]["official"] is None

    posts = await api.posts(t)
    assert _by_id(posts, answer["id"])["author"]["official"] == seoul
    assert _by_id(posts, visitor["id"])["author"]["official"] is None
    assert _by_id(posts, citizen["id"])["author"]["official"] is None
    assert _by_id(posts, c["first_post"]["id"])["author"]["official"] is None
    # The events say the same as the thread.
    created = {e["data"]["id"]: e["data"]["author"]["official"]
               for e in await events_on(ctx, f"topic:{t}") if e["name"] == "post.created"}
    assert created == {c["first_post"]["id"]: None, answer["id"]: seoul, visitor["id"]: None,
                       citizen["id"]: None}
    edited = (await api.ok("PATCH", f"/posts/{answer['id']}", c["clerk"],
                           {"body": "The city will add lanes in June."}))["post"]
    assert edited["author"]["official"] == seoul
    [edit_event] = [e for e in await events_on(ctx, f"topic:{t}") if e["name"] == "post.edited"]
    assert edit_event["data"]["author"]["official"] == seoul

    # In Busan's own space, Busan's official is marked, Seoul's is not.
    busan_topic = await api.topic(c["busan_admin"], c["busan_space"]["id"], "Ferries")
    here = await api.post(c["busan_clerk"], busan_topic["id"], "Timetables next week.")
    there = await api.post(c["clerk"], busan_topic["id"], "Seoul would like a copy.")
    assert here["author"]["official"] == {"org_id": c["busan"]["id"], "org_name": "City of Busan"}
    assert there["author"]["official"] is None


async def test_a_topic_opened_by_an_official_announces_its_first_post_as_theirs(api: Api, ctx: Context) -> None:
    c = await _two_cities(api)
    topic = await api.topic(c["clerk"], c["space"]["id"], "Road works on Line 2")
    [event] = [e for e in await events_on(ctx, f"topic:{topic['id']}")
               if e["name"] == "post.created"]
    assert event["data"]["author"]["official"] == {"org_id": c["org"]["id"],
                                                   "org_name": c["org"]["name"]}


async def test_removing_an_official_takes_the_mark_off_their_earlier_posts(api: Api, ctx: Context) -> None:
    c = await _two_cities(api)
    t = c["topic"]["id"]
    before = await api.post(c["clerk"], t, "Said as an official.")
    assert before["author"]["official"] is not None
    await api.ok("DELETE", f"/orgs/{c['org']['id']}/officials/{c['clerk'].id}", c["admin"])
    assert _by_id(await api.posts(t), before["id"])["author"]["official"] is None
    after = await api.post(c["clerk"], t, "Said as a citizen.")
    assert after["author"]["official"] is None

    # Named again: every post of theirs in the city's spaces says so, old ones too.
    await _name(api, c["org"]["id"], c["admin"], c["clerk"])
    marks = {p["id"]: p["author"]["official"] for p in await api.posts(t)}
    assert marks[before["id"]] == marks[after["id"]] == {"org_id": c["org"]["id"],
                                                          "org_name": c["org"]["name"]}


async def test_a_replayed_post_event_says_who_is_an_official_now(api: Api, ctx: Context) -> None:
    c = await _two_cities(api)
    t = c["topic"]["id"]
    seoul = {"org_id": c["org"]["id"], "org_name": c["org"]["name"]}
    first = c["first_post"]["id"]
    official_post = await api.post(c["clerk"], t, "Official words.")
    plain_post = await api.post(c["citizen"], t, "Citizen words.")

    async def replayed() -> dict[int, Any]:
        frames = await history.stored(ctx, f"topic:{t}", 0, None)
        return {frame["data"]["id"]: frame["data"]["author"]["official"]
                for frame in (json.loads(text) for _, text in frames)
                if frame["name"] == "post.created" and frame["data"]["id"] != first}

    assert await replayed() == {official_post["id"]: seoul, plain_post["id"]: None}
    # The clerk is removed and the citizen named: a replay says what is true now,
    # while the stored events keep what was true when they were published.
    await api.ok("DELETE", f"/orgs/{c['org']['id']}/officials/{c['clerk'].id}", c["admin"])
    await _name(api, c["org"]["id"], c["admin"], c["citizen"])
    assert await replayed() == {official_post["id"]: None, plain_post["id"]: seoul}
    stored = {e["data"]["id"]: e["data"]["author"]["official"]
              for e in await events_on(ctx, f"topic:{t}")
              if e["name"] == "post.created" and e["data"]["id"] != first}
    assert stored == {official_post["id"]: seoul, plain_post["id"]: None}


async def test_the_moderation_queue_marks_officials(api: Api, ctx: Context) -> None:
    c = await _two_cities(api)
    t = c["topic"]["id"]
    space = c["space"]["id"]
    seoul = {"org_id": c["org"]["id"], "org_name": c["org"]["name"]}
    flagged = await api.post(c["clerk"], t, "An official's contested words.")
    await api.ok("POST", f"/posts/{flagged['id']}/flags", c["citizen"], {"reason": "off_topic"})
    queue = await api.ok("GET", f"/spaces/{space}/moderation/queue", c["admin"])
    [group] = queue["flagged"]
    assert group["post"]["author"]["official"] == seoul
    hidden = (await api.ok("POST", f"/posts/{flagged['id']}/hide", c["admin"],
                           {"reason": "Off topic"}))["post"]
    assert hidden["author"]["official"] == seoul
    restored = (await api.ok("POST", f"/posts/{flagged['id']}/restore", c["admin"]))["post"]
    assert restored["author"]["official"] == seoul


async def test_an_export_marks_the_organizations_officials(api: Api, ctx: Context) -> None:
    c = await _two_cities(api)
    await set_tier(ctx, c["org"]["id"], "plus")  # exports need plus
    t, s = c["topic"]["id"], c["space"]["id"]
    mine = await api.post(c["clerk"], t, "Official words.")
    visitor = await api.post(c["busan_clerk"], t, "Busan's words.")
    doc = (await api.call("GET", f"/spaces/{s}/export", c["admin"])).json()
    marks = {p["id"]: p["author"]["official"] for p in doc["topics"][0]["posts"]}
    assert marks == {c["first_post"]["id"]: None, visitor["id"]: None,
                     mine["id"]: {"org_id": c["org"]["id"], "org_name": c["org"]["name"]}}
    r = await api.call("GET", f"/spaces/{s}/export?format=csv", c["admin"])
    rows = {int(row["post_id"]): row["author_official"]
            for row in csv.DictReader(io.StringIO(r.text))}
    assert rows == {c["first_post"]["id"]: "false", mine["id"]: "true", visitor["id"]: "false"}
