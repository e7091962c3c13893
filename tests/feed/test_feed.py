"""GET /feed: a page's organizations, spaces, latest topics and waiting questions in
one request, saying only what the reader may see now (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest

from cps.services.context import Context
from tests.support.api import Api, User
from tests.support.direct import platform_admin

pytestmark = pytest.mark.anyio


async def _city(api: Api, name: str) -> dict[str, Any]:
    admin = await api.user(f"Mayor of {name}")
    org = await api.org(admin, name)
    space = await api.space(admin, org["id"], name="Streets")
    return {"admin": admin, "org": org, "space": space}


async def test_every_organization_with_its_spaces_and_the_latest_topics_in_one_answer(
    api: Api,
) -> None:
    seoul, busan = await _city(api, "Seoul"), await _city(api, "Busan")
    citizen = await api.user("Citizen")
    older = await api.topic(citizen, seoul["space"]["id"], "Night buses")
    newer = await api.topic(citizen, busan["space"]["id"], "Harbour walk")

    body = await api.ok("GET", "/feed")
    names = {o["org"]["name"]: [s["name"] for s in o["spaces"]] for o in body["organizations"]}
    assert names == {"Seoul": ["Streets"], "Busan": ["Streets"]}
    assert [t["id"] for t in body["latest"]] == [newer["id"], older["id"]]
    first = body["latest"][0]
    assert first == {**first, "title": "Harbour walk", "space_name": "Streets",
                     "org_name": "Busan", "org_id": busan["org"]["id"], "kind": "discussion",
                     "question_status": None, "post_count": 1}
    assert body["open_questions"] == []

    # One organization's page.
    only = await api.ok("GET", f"/feed?org={seoul['org']['id']}")
    assert [o["org"]["name"] for o in only["organizations"]] == ["Seoul"]
    assert [t["id"] for t in only["latest"]] == [older["id"]]


async def test_a_question_waits_in_the_feed_until_it_is_answered(api: Api, ctx: Context) -> None:
    city = await _city(api, "Daegu")
    citizen = await api.user("Asker")
    r = await api.call("POST", f"/spaces/{city['space']['id']}/topics", citizen,
                       {"title": "When is the bridge fixed?", "body": "It has been a year.",
                        "kind": "question"})
    assert r.status_code == 201, r.text
    question = r.json()["topic"]
    body = await api.ok("GET", f"/feed?org={city['org']['id']}")
    assert [(q["id"], q["question_status"]) for q in body["open_questions"]] == [
        (question["id"], "open")]
    root = await platform_admin(ctx, api)
    await api.ok("POST", f"/topics/{question['id']}/status", root,
                 {"status": "declined", "reason": "Not ours: the province bridge."})
    body = await api.ok("GET", f"/feed?org={city['org']['id']}")
    assert body["open_questions"] == []
    assert body["latest"][0]["question_status"] == "declined"


async def test_a_private_space_and_its_topics_reach_only_those_who_may_read_them(
    api: Api, ctx: Context
) -> None:
    city = await _city(api, "Incheon")
    admin: User = city["admin"]
    await api.ok("POST", f"/admin/orgs/{city['org']['id']}/tier", await platform_admin(ctx, api),
                 {"tier": "plus", "reason": "paid"})
    private = await api.space(admin, city["org"]["id"], "private", name="Council only")
    secret = await api.topic(admin, private["id"], "Budget draft")
    member, stranger = await api.user("Member"), await api.user("Stranger")
    await api.ok("POST", f"/spaces/{private['id']}/members", admin, {"user_id": member.id})

    def seen(body: dict[str, Any]) -> tuple[list[str], list[int]]:
        [org] = body["organizations"]
        return [s["name"] for s in org["spaces"]], [t["id"] for t in body["latest"]]

    feed = f"/feed?org={city['org']['id']}"
    for reader in (None, stranger):
        assert seen(await api.ok("GET", feed, reader)) == (["Streets"], [])
    for reader in (admin, member):
        assert seen(await api.ok("GET", feed, reader)) == (["Streets", "Council only"],
                                                          [secret["id"]])
    # Another person's token or a forged one: nobody, or refused.
    r = await api.call("GET", feed, headers={"Authorization": "Bearer " + "x" * 43})
    assert r.status_code == 401
    # Removed from the space, the member sees it no more.
    await api.ok("DELETE", f"/spaces/{private['id']}/members/{member.id}", admin)
    assert seen(await api.ok("GET", feed, member)) == (["Streets"], [])


@pytest.mark.parametrize("query", ["org=999999", "org=0", "org=abc", "org=99999999999"])
async def test_an_odd_organization_is_refused_in_the_envelope(api: Api, query: str) -> None:
    r = await api.call("GET", f"/feed?{query}")
    assert r.status_code in (404, 422), r.text
    assert r.json()["error"]["code"] in ("not_found", "invalid")


async def test_an_empty_instance_has_an_empty_feed(api: Api) -> None:
    assert await api.ok("GET", "/feed") == {"organizations": [], "latest": [],
                                           "open_questions": []}
