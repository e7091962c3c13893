"""One review queue across every space a moderator moderates (issue 17): each item
names its organization and space, filters narrow it, pages cover it once, and the
permission is the same as every moderation act's. Both databases."""

from __future__ import annotations

from typing import Any

import pytest

from cps.services.context import Context
from tests.moderation.conftest import make_platform_admin
from tests.modqueue.conftest import network
from tests.support.api import Api

pytestmark = pytest.mark.anyio


def places(page: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(i["kind"], i["org"]["name"], i["space"]["name"]) for i in page["items"]]


async def test_a_moderator_of_three_cities_sees_their_flags_in_one_queue(
    api: Api, ctx: Context
) -> None:
    n = await network(api, ctx)
    page = await api.ok("GET", "/moderation/queue", n.mona)
    orgs = [(await api.ok("GET", f"/orgs/{c.org_id}"))["org"]["name"] for c in n.cities]
    assert places(page) == [("flagged", org, "Streets and squares") for org in orgs]
    assert page["next_cursor"] is None
    first = page["items"][0]
    assert first["space"] == {"id": n.cities[0].space_id, "name": "Streets and squares",
                              "visibility": "public"}
    assert first["org"]["id"] == n.cities[0].org_id
    flagged = first["flagged"]
    assert flagged["post"]["id"] == n.cities[0].post_id
    assert flagged["post"]["author"]["display_name"] == "Troll Person"
    assert flagged["flag_count"] == 1 and flagged["reasons"] == {"abuse": 1}
    assert [f["by"]["display_name"] for f in flagged["flags"]] == ["Flo Flagger"]
    assert first["pending"] is None and first["appeal"] is None


async def test_the_counts_per_space_name_each_space_with_its_organization(
    api: Api, ctx: Context
) -> None:
    n = await network(api, ctx)
    spaces = (await api.ok("GET", "/moderation/spaces", n.mona))["spaces"]
    assert [(s["space"]["id"], s["flagged"], s["pending"], s["appeals"]) for s in spaces] == [
        (c.space_id, 1, 0, 0) for c in n.cities]
    assert len({s["org"]["name"] for s in spaces}) == 3
    assert {s["space"]["name"] for s in spaces} == {"Streets and squares"}
    # Settling a flag takes it off the queue and the counts.
    flag_id = (await api.ok("GET", "/moderation/queue", n.mona))["items"][0]["flagged"][
        "flags"][0]["id"]
    await api.ok("POST", f"/flags/{flag_id}/resolve", n.mona, {"action": "dismiss"})
    spaces = (await api.ok("GET", "/moderation/spaces", n.mona))["spaces"]
    assert [s["flagged"] for s in spaces] == [0, 1, 1]
    page = await api.ok("GET", "/moderation/queue", n.mona)
    assert [i["space"]["id"] for i in page["items"]] == [c.space_id for c in n.cities[1:]]


async def test_the_queue_narrows_to_one_organization_or_one_space(
    api: Api, ctx: Context
) -> None:
    n = await network(api, ctx)
    second = n.cities[1]
    by_org = await api.ok("GET", f"/moderation/queue?org_id={second.org_id}", n.mona)
    assert [i["space"]["id"] for i in by_org["items"]] == [second.space_id]
    by_space = await api.ok("GET", f"/moderation/queue?space_id={second.space_id}", n.mona)
    assert [i["space"]["id"] for i in by_space["items"]] == [second.space_id]
    both = await api.ok(
        "GET", f"/moderation/queue?org_id={n.cities[0].org_id}&space_id={second.space_id}",
        n.mona)
    assert both["items"] == []


async def test_pages_cover_the_queue_once_in_order(api: Api, ctx: Context) -> None:
    n = await network(api, ctx)
    city = n.cities[0]
    # A held post and an appeal join the flags: every kind, across spaces.
    await api.ok("PATCH", f"/spaces/{city.space_id}", city.admin, {"premoderation_posts": 3})
    newcomer = await api.user("New Person")
    held = await api.post(newcomer, city.topic_id, "My first words")
    assert held["pending"]
    await api.ok("POST", f"/posts/{n.cities[2].post_id}/hide", n.mona, {"reason": "Rude"})
    await api.ok("POST", f"/posts/{n.cities[2].post_id}/appeal", n.troll,
                 {"text": "It was a joke"}, status=201)
    whole = await api.ok("GET", "/moderation/queue", n.mona)
    seen: list[tuple[str, int]] = []
    cursor = None
    while True:
        path = "/moderation/queue?limit=1" + (f"&cursor={cursor}" if cursor else "")
        page = await api.ok("GET", path, n.mona)
        assert len(page["items"]) <= 1
        seen += [(i["kind"], i["space"]["id"]) for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [(i["kind"], i["space"]["id"]) for i in whole["items"]]
    kinds = [k for k, _ in seen]
    assert sorted(kinds) == ["appeal", "flagged", "flagged", "pending"], kinds
    # Hiding the post settled its flag: the third city has only the appeal now.
    appeal = next(i for i in whole["items"] if i["kind"] == "appeal")
    assert appeal["space"]["id"] == n.cities[2].space_id
    assert appeal["appeal"]["user"]["display_name"] == "Troll Person"
    assert appeal["appeal"]["post"]["id"] == n.cities[2].post_id
    assert appeal["appeal"]["can_answer"] is False  # Mona hid it; the admin answers
    pending = next(i for i in whole["items"] if i["kind"] == "pending")
    assert pending["pending"]["body"] == "My first words"
    ats = [i["at"] for i in whole["items"]]
    assert ats == sorted(ats)


async def test_only_spaces_one_moderates_reach_the_queue(api: Api, ctx: Context) -> None:
    n = await network(api, ctx)
    # Someone who moderates nothing: an empty queue, no counts, and no link.
    assert (await api.ok("GET", "/moderation/queue", n.citizen))["items"] == []
    assert (await api.ok("GET", "/moderation/spaces", n.citizen))["spaces"] == []
    assert (await api.ok("GET", "/me", n.citizen))["user"]["moderates"] is False
    assert (await api.ok("GET", "/me", n.mona))["user"]["moderates"] is True
    # Naming a space one does not moderate narrows to nothing and tells nothing.
    for query in (f"space_id={n.cities[0].space_id}", f"org_id={n.cities[0].org_id}",
                  "space_id=2147483647"):
        assert (await api.ok("GET", f"/moderation/queue?{query}", n.citizen))["items"] == []
    # An organization's admin sees their organization's spaces, not the others'.
    admin = n.cities[1].admin
    assert (await api.ok("GET", "/me", admin))["user"]["moderates"] is True
    page = await api.ok("GET", "/moderation/queue", admin)
    assert [i["space"]["id"] for i in page["items"]] == [n.cities[1].space_id]
    spaces = (await api.ok("GET", "/moderation/spaces", admin))["spaces"]
    assert [(s["space"]["id"], s["can_administer"]) for s in spaces] == [
        (n.cities[1].space_id, True)]
    assert not any(s["can_administer"]
                   for s in (await api.ok("GET", "/moderation/spaces", n.mona))["spaces"])
    # A platform admin moderates every space.
    await make_platform_admin(ctx, n.citizen)
    page = await api.ok("GET", "/moderation/queue", n.citizen)
    assert {i["space"]["id"] for i in page["items"]} >= {c.space_id for c in n.cities}


async def test_a_private_space_reaches_only_its_own_moderators(
    api: Api, ctx: Context
) -> None:
    n = await network(api, ctx)
    city = n.cities[0]
    council = (await api.ok("POST", f"/orgs/{city.org_id}/spaces", city.admin, {
        "name": "Council", "description": "", "visibility": "private"}, status=201))["space"]
    await api.ok("POST", f"/spaces/{council['id']}/members", city.admin,
                 {"user_id": n.flagger.id})
    await api.ok("POST", f"/spaces/{council['id']}/members", city.admin,
                 {"user_id": n.troll.id})
    topic = await api.topic(city.admin, council["id"], title="Budget")
    post = await api.post(n.troll, topic["id"], "Secret rude words")
    await api.ok("POST", f"/posts/{post['id']}/flags", n.flagger, {"reason": "abuse"},
                 status=201)
    # Mona moderates the city's public space, not its council.
    page = await api.ok("GET", "/moderation/queue", n.mona)
    assert council["id"] not in {i["space"]["id"] for i in page["items"]}
    assert "Secret rude words" not in str(page)
    page = await api.ok("GET", "/moderation/queue", city.admin)
    item = next(i for i in page["items"] if i["space"]["id"] == council["id"])
    assert item["space"]["visibility"] == "private"
    assert item["flagged"]["post"]["body"] == "Secret rude words"


async def test_bad_queries_answer_422_in_the_envelope(api: Api, ctx: Context) -> None:
    n = await network(api, ctx)
    for query in ("cursor=abc", "cursor=1.7.1", "cursor=1.0.99999999999", "limit=0",
                  "limit=51", "org_id=x", "space_id=-1", "space_id=99999999999"):
        r = await api.call("GET", f"/moderation/queue?{query}", n.mona)
        assert r.status_code == 422, (query, r.text)
        assert r.json()["error"]["code"], r.text
    r = await api.call("GET", "/moderation/queue")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "not_signed_in"
    r = await api.call("GET", "/moderation/spaces")
    assert r.status_code == 401
