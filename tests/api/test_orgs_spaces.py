"""Organizations, spaces, moderators and members."""

from __future__ import annotations

from typing import Any

import pytest

from cps.services.context import Context
from tests.api.helpers import assert_error
from tests.support.api import Api
from tests.support.direct import set_tier

pytestmark = pytest.mark.anyio

ORG = {"name": "City of Lyon", "kind": "local_government", "country": "France"}


# --- organizations ----------------------------------------------------------


async def test_create_org_makes_the_creator_its_admin_on_the_free_tier(api: Api) -> None:
    admin = await api.user("Mayor")
    body = await api.ok("POST", "/orgs", admin, ORG, status=201)
    org = body["org"]
    assert org["name"] == "City of Lyon" and org["kind"] == "local_government"
    assert org["country"] == "France" and org["tier"] == "free" and org["is_admin"] is True
    got = (await api.ok("GET", f"/orgs/{org['id']}", admin))["org"]
    assert got["tier"] == "free" and got["is_admin"] is True
    ent = got["entitlements"]
    assert ent["capabilities"]["discussions"] is True
    assert ent["capabilities"]["private_spaces"] is False
    assert ent["quotas"]["public_spaces"] == {"limit": 3, "usage": 0}
    # Others see it too, but not as admins.
    other = await api.user()
    assert (await api.ok("GET", f"/orgs/{org['id']}", other))["org"]["is_admin"] is False
    anon = (await api.ok("GET", f"/orgs/{org['id']}"))["org"]
    assert anon["is_admin"] is False and anon["tier"] == "free"
    assert [o["id"] for o in (await api.ok("GET", "/orgs"))["orgs"]] == [org["id"]]


@pytest.mark.parametrize("kind", ["local_government", "corporation", "institution"])
async def test_every_org_kind_is_accepted(api: Api, kind: str) -> None:
    admin = await api.user()
    org = (await api.ok("POST", "/orgs", admin, {**ORG, "kind": kind}, status=201))["org"]
    assert org["kind"] == kind


async def test_create_org_anonymous_is_401(api: Api) -> None:
    assert_error(await api.call("POST", "/orgs", None, ORG), 401)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({**ORG, "kind": "club"}, "kind"),
        ({"kind": "corporation", "country": "France"}, "name"),
        ({**ORG, "name": ""}, "name"),
        ({**ORG, "name": "x" * 201}, "name"),
        ({**ORG, "country": 33}, "country"),
        ({**ORG, "country": "F"}, "country"),
    ],
)
async def test_create_org_bad_fields_are_422(api: Api, payload: dict[str, object], field: str) -> None:
    admin = await api.user()
    error = assert_error(await api.call("POST", "/orgs", admin, payload), 422)
    assert field in error["fields"]


async def test_unknown_org_is_404(api: Api) -> None:
    assert_error(await api.call("GET", "/orgs/999999"), 404)
    assert_error(await api.call("GET", "/orgs/999999/spaces"), 404)
    admin = await api.user()
    r = await api.call("POST", "/orgs/999999/spaces", admin, {"name": "x", "visibility": "public"})
    assert_error(r, 404)


# --- spaces -------------------------------------------------------------------


async def test_create_public_space_and_read_it(api: Api) -> None:
    admin = await api.user()
    org = await api.org(admin)
    space = await api.space(admin, org["id"])
    assert space["visibility"] == "public" and space["org_id"] == org["id"]
    assert space["can_moderate"] is True
    got = (await api.ok("GET", f"/spaces/{space['id']}"))["space"]
    assert got["name"] == "Mobility" and got["can_moderate"] is False
    listed = (await api.ok("GET", f"/orgs/{org['id']}/spaces"))["spaces"]
    assert [s["id"] for s in listed] == [space["id"]]


async def test_only_org_admins_create_spaces(api: Api) -> None:
    admin = await api.user()
    org = await api.org(admin)
    other = await api.user()
    payload = {"name": "Parks", "visibility": "public"}
    assert_error(await api.call("POST", f"/orgs/{org['id']}/spaces", other, payload), 403)
    assert_error(await api.call("POST", f"/orgs/{org['id']}/spaces", None, payload), 401)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "Parks", "visibility": "secret"}, "visibility"),
        ({"visibility": "public"}, "name"),
        ({"name": "Parks", "description": 5}, "description"),
        ({"name": "x" * 201}, "name"),
    ],
)
async def test_create_space_bad_fields_are_422(api: Api, payload: dict[str, object], field: str) -> None:
    admin = await api.user()
    org = await api.org(admin)
    error = assert_error(await api.call("POST", f"/orgs/{org['id']}/spaces", admin, payload), 422)
    assert field in error["fields"]


async def test_a_private_space_needs_the_plus_tier(api: Api, ctx: Context) -> None:
    admin = await api.user()
    org = await api.org(admin)
    r = await api.call("POST", f"/orgs/{org['id']}/spaces", admin,
                       {"name": "Council", "visibility": "private"})
    error = assert_error(r, 402, "tier_required")
    assert error["required_tier"] == "plus"
    await set_tier(ctx, org["id"], "plus")
    space = await api.space(admin, org["id"], visibility="private")
    assert space["visibility"] == "private"


async def test_the_free_tier_allows_three_public_spaces(api: Api) -> None:
    admin = await api.user()
    org = await api.org(admin)
    for i in range(3):
        await api.space(admin, org["id"], name=f"Space {i}")
    r = await api.call("POST", f"/orgs/{org['id']}/spaces", admin,
                       {"name": "Fourth", "visibility": "public"})
    error = assert_error(r, 402, "quota_exceeded")
    assert error["required_tier"] == "plus"


async def test_unknown_space_is_404_everywhere(api: Api) -> None:
    user = await api.user()
    for method, path, body in [
        ("GET", "/spaces/999999", None),
        ("GET", "/spaces/999999/topics", None),
        ("GET", "/spaces/999999/moderators", None),
        ("GET", "/spaces/999999/members", None),
        ("POST", "/spaces/999999/topics", {"title": "t", "body": "b"}),
        ("POST", "/spaces/999999/moderators", {"user_id": user.id}),
        ("POST", "/spaces/999999/members", {"user_id": user.id}),
        ("DELETE", f"/spaces/999999/moderators/{user.id}", None),
        ("DELETE", f"/spaces/999999/members/{user.id}", None),
    ]:
        assert_error(await api.call(method, path, user, body), 404)


# --- private spaces: invisible to non-members -----------------------------------


@pytest.fixture
async def private(api: Api, ctx: Context) -> dict[str, Any]:
    admin = await api.user("Org Admin")
    org = await api.org(admin)
    await set_tier(ctx, org["id"], "plus")
    space = await api.space(admin, org["id"], visibility="private", name="Council")
    topic = await api.topic(admin, space["id"])
    post = (await api.ok("GET", f"/topics/{topic['id']}/posts", admin))["posts"][0]
    member = await api.user("Member")
    await api.ok("POST", f"/spaces/{space['id']}/members", admin, {"user_id": member.id},
                 status=201)
    outsider = await api.user("Outsider")
    return {"admin": admin, "org": org, "space": space, "topic": topic, "post": post,
            "member": member, "outsider": outsider}


def every_space_topic_post_call(p: dict[str, Any]) -> list[tuple[str, str, dict[str, Any] | None]]:
    s, t, post = p["space"]["id"], p["topic"]["id"], p["post"]["id"]
    uid = p["member"].id
    return [
        ("GET", f"/spaces/{s}", None),
        ("GET", f"/spaces/{s}/topics", None),
        ("GET", f"/spaces/{s}/moderators", None),
        ("GET", f"/spaces/{s}/members", None),
        ("POST", f"/spaces/{s}/topics", {"title": "Hello", "body": "Me too"}),
        ("POST", f"/spaces/{s}/moderators", {"user_id": uid}),
        ("DELETE", f"/spaces/{s}/moderators/{uid}", None),
        ("POST", f"/spaces/{s}/members", {"user_id": uid}),
        ("DELETE", f"/spaces/{s}/members/{uid}", None),
        ("GET", f"/topics/{t}", None),
        ("PATCH", f"/topics/{t}", {"pinned": True}),
        ("GET", f"/topics/{t}/posts", None),
        ("POST", f"/topics/{t}/posts", {"body": "Hi"}),
        ("PATCH", f"/posts/{post}", {"body": "changed"}),
        ("DELETE", f"/posts/{post}", None),
        ("GET", f"/posts/{post}/revisions", None),
        ("POST", f"/posts/{post}/reactions", {"kind": "like"}),
        ("DELETE", f"/posts/{post}/reactions/like", None),
        ("POST", f"/posts/{post}/flags", {"reason": "spam"}),
        ("POST", f"/posts/{post}/hide", {"reason": "x"}),
        ("POST", f"/posts/{post}/restore", None),
    ]


async def test_a_private_space_is_404_to_a_signed_in_outsider_on_every_endpoint(api: Api, private: dict[str, Any]) -> None:
    for method, path, body in every_space_topic_post_call(private):
        r = await api.call(method, path, private["outsider"], body)
        assert_error(r, 404)
    # And the space is not listed for them.
    listed = (await api.ok("GET", f"/orgs/{private['org']['id']}/spaces",
                           private["outsider"]))["spaces"]
    assert listed == []
    # Nothing changed.
    posts = (await api.ok("GET", f"/topics/{private['topic']['id']}/posts",
                          private["admin"]))["posts"]
    assert len(posts) == 1 and posts[0]["body"] == "Where should they go?"


async def test_a_private_space_is_404_or_401_to_anonymous(api: Api, private: dict[str, Any]) -> None:
    for method, path, body in every_space_topic_post_call(private):
        r = await api.call(method, path, None, body)
        if method == "GET" and not path.endswith("/members"):
            assert_error(r, 404)
        else:
            assert_error(r, 401)


async def test_members_see_and_take_part_in_a_private_space(api: Api, private: dict[str, Any]) -> None:
    m = private["member"]
    s, t = private["space"]["id"], private["topic"]["id"]
    assert (await api.ok("GET", f"/spaces/{s}", m))["space"]["visibility"] == "private"
    assert len((await api.ok("GET", f"/spaces/{s}/topics", m))["topics"]) == 1
    await api.post(m, t, "From a member")
    await api.topic(m, s, title="A member's topic")
    listed = (await api.ok("GET", f"/orgs/{private['org']['id']}/spaces", m))["spaces"]
    assert [x["id"] for x in listed] == [s]
    # but do not moderate it
    assert_error(await api.call("GET", f"/spaces/{s}/members", m), 403)
    assert_error(await api.call("PATCH", f"/topics/{t}", m, {"locked": True}), 403)


async def test_removing_a_member_makes_the_space_invisible_again(api: Api, private: dict[str, Any]) -> None:
    s, m = private["space"]["id"], private["member"]
    r = await api.call("DELETE", f"/spaces/{s}/members/{m.id}", private["admin"])
    assert r.status_code == 204
    assert_error(await api.call("GET", f"/spaces/{s}", m), 404)
    r = await api.call("DELETE", f"/spaces/{s}/members/{m.id}", private["admin"])
    assert_error(r, 404)


async def test_members_list_for_moderators(api: Api, private: dict[str, Any]) -> None:
    members = (await api.ok("GET", f"/spaces/{private['space']['id']}/members",
                            private["admin"]))["members"]
    assert [x["user"]["id"] for x in members] == [private["member"].id]


async def test_adding_a_member_twice_keeps_one(api: Api, private: dict[str, Any]) -> None:
    s, m = private["space"]["id"], private["member"]
    await api.ok("POST", f"/spaces/{s}/members", private["admin"], {"user_id": m.id}, status=201)
    members = (await api.ok("GET", f"/spaces/{s}/members", private["admin"]))["members"]
    assert len(members) == 1


# --- moderators and members ------------------------------------------------------


async def test_org_admin_adds_and_removes_moderators(api: Api) -> None:
    admin = await api.user()
    org = await api.org(admin)
    space = await api.space(admin, org["id"])
    mod = await api.user("Mod")
    r = await api.ok("POST", f"/spaces/{space['id']}/moderators", admin, {"user_id": mod.id},
                     status=201)
    assert r["member"]["user"]["id"] == mod.id
    mods = (await api.ok("GET", f"/spaces/{space['id']}/moderators"))["members"]
    assert [m["user"]["id"] for m in mods] == [mod.id]
    assert (await api.ok("GET", f"/spaces/{space['id']}", mod))["space"]["can_moderate"] is True
    r = await api.call("DELETE", f"/spaces/{space['id']}/moderators/{mod.id}", admin)
    assert r.status_code == 204
    assert (await api.ok("GET", f"/spaces/{space['id']}/moderators"))["members"] == []
    r = await api.call("DELETE", f"/spaces/{space['id']}/moderators/{mod.id}", admin)
    assert_error(r, 404)


async def test_moderator_changes_are_for_org_admins_only(api: Api) -> None:
    admin = await api.user()
    org = await api.org(admin)
    space = await api.space(admin, org["id"])
    mod = await api.user("Mod")
    await api.ok("POST", f"/spaces/{space['id']}/moderators", admin, {"user_id": mod.id},
                 status=201)
    other = await api.user()
    s = space["id"]
    # A moderator is not an org admin.
    for who in (mod, other):
        assert_error(await api.call("POST", f"/spaces/{s}/moderators", who,
                                    {"user_id": other.id}), 403)
        assert_error(await api.call("DELETE", f"/spaces/{s}/moderators/{mod.id}", who), 403)
    assert_error(await api.call("POST", f"/spaces/{s}/moderators", None, {"user_id": 1}), 401)


async def test_moderators_quota_on_the_free_tier(api: Api) -> None:
    admin = await api.user()
    org = await api.org(admin)
    space = await api.space(admin, org["id"])
    users = [await api.user() for _ in range(3)]
    for u in users[:2]:
        await api.ok("POST", f"/spaces/{space['id']}/moderators", admin, {"user_id": u.id},
                     status=201)
    r = await api.call("POST", f"/spaces/{space['id']}/moderators", admin,
                       {"user_id": users[2].id})
    assert_error(r, 402, "quota_exceeded")


@pytest.mark.parametrize("payload", [{}, {"user_id": "1"}, {"user_id": 0}, {"user_id": 1.5},
                                     {"user_id": True}, {"user_id": 999999}])
async def test_moderator_and_member_bad_user_ids_are_422(api: Api, ctx: Context, payload: dict[str, object]) -> None:
    admin = await api.user()
    org = await api.org(admin)
    await set_tier(ctx, org["id"], "plus")
    space = await api.space(admin, org["id"], visibility="private")
    for what in ("moderators", "members"):
        r = await api.call("POST", f"/spaces/{space['id']}/{what}", admin, payload)
        error = assert_error(r, 422)
        assert "user_id" in error["fields"]


async def test_members_are_for_private_spaces(api: Api) -> None:
    admin = await api.user()
    org = await api.org(admin)
    space = await api.space(admin, org["id"])
    user = await api.user()
    r = await api.call("POST", f"/spaces/{space['id']}/members", admin, {"user_id": user.id})
    assert_error(r, 409, "space_is_public")


async def test_only_moderators_add_members(api: Api, private: dict[str, Any]) -> None:
    r = await api.call("POST", f"/spaces/{private['space']['id']}/members", private["member"],
                       {"user_id": private["outsider"].id})
    assert_error(r, 403)


async def test_the_same_moderator_added_at_once_lands_once(api: Api) -> None:
    import asyncio

    admin = await api.user()
    org = await api.org(admin)
    space = await api.space(admin, org["id"])
    mod = await api.user()
    results = await asyncio.gather(*[
        api.call("POST", f"/spaces/{space['id']}/moderators", admin, {"user_id": mod.id})
        for _ in range(6)])
    assert {r.status_code for r in results} <= {200, 201}, [r.text for r in results]
    mods = (await api.ok("GET", f"/spaces/{space['id']}/moderators"))["members"]
    assert [m["user"]["id"] for m in mods] == [mod.id]


async def test_the_same_member_added_at_once_lands_once(api: Api, ctx: Context) -> None:
    import asyncio

    admin = await api.user()
    org = await api.org(admin)
    await set_tier(ctx, org["id"], "plus")
    space = await api.space(admin, org["id"], visibility="private")
    member = await api.user()
    results = await asyncio.gather(*[
        api.call("POST", f"/spaces/{space['id']}/members", admin, {"user_id": member.id})
        for _ in range(6)])
    assert {r.status_code for r in results} <= {200, 201, 409}, [r.text for r in results]
    members = (await api.ok("GET", f"/spaces/{space['id']}/members", admin))["members"]
    assert [m["user"]["id"] for m in members] == [member.id]
