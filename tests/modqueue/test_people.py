"""Acting on people by name (issue 17): the person card a space's moderators read
before muting or banning, the people search of the pickers, and a person's own
ban or mute on the space, said before they write. Both databases."""

from __future__ import annotations

import pytest

from cps.services.context import Context
from tests.modqueue.conftest import network
from tests.support.api import Api

pytestmark = pytest.mark.anyio


async def test_the_card_shows_the_person_their_posts_and_sanctions_in_this_space_only(
    api: Api, ctx: Context
) -> None:
    n = await network(api, ctx)
    first, second = n.cities[0], n.cities[1]
    await api.post(n.troll, first.topic_id, "Second rude post")
    await api.ok("POST", f"/spaces/{first.space_id}/mutes", n.mona,
                 {"user_id": n.troll.id, "reason": "Cool off", "duration_seconds": 3600},
                 status=201)
    await api.call("DELETE", f"/spaces/{first.space_id}/mutes/{n.troll.id}", n.mona)
    await api.ok("POST", f"/spaces/{second.space_id}/bans", n.mona,
                 {"user_id": n.troll.id, "reason": "Elsewhere"}, status=201)
    card = (await api.ok("GET", f"/spaces/{first.space_id}/people/{n.troll.id}",
                         n.mona))["person"]
    assert card["user"]["display_name"] == "Troll Person"
    assert card["user"]["handle"] and card["user"]["stakeholder_type"] == "citizen"
    assert "email" not in card["user"]
    assert card["staff"] is False
    assert card["posts_in_space"] == 2
    org = (await api.ok("GET", f"/orgs/{first.org_id}"))["org"]["name"]
    assert [p["excerpt"] for p in card["recent_posts"]] == [
        "Second rude post", f"Rude words about {org}"]
    assert card["recent_posts"][0]["topic_title"].startswith("Benches in")
    # Only this space's sanctions: the lifted mute, not the ban of the second city.
    assert [(s["kind"], s["reason"], s["active"]) for s in card["sanctions"]] == [
        ("mute", "Cool off", False)]
    # Staff say so (they cannot be sanctioned here).
    staff = (await api.ok("GET", f"/spaces/{first.space_id}/people/{first.admin.id}",
                          n.mona))["person"]
    assert staff["staff"] is True


async def test_only_the_spaces_moderators_read_the_card(api: Api, ctx: Context) -> None:
    n = await network(api, ctx)
    first = n.cities[0]
    path = f"/spaces/{first.space_id}/people/{n.troll.id}"
    r = await api.call("GET", path, n.citizen)
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden", r.text
    r = await api.call("GET", path, n.troll)  # not even about oneself
    assert r.status_code == 403, r.text
    r = await api.call("GET", path)
    assert r.status_code == 401, r.text
    # Another city's admin moderates their own space, not this one.
    r = await api.call("GET", path, n.cities[1].admin)
    assert r.status_code == 403, r.text
    for bad in (f"/spaces/{first.space_id}/people/2147483647",
                f"/spaces/{first.space_id}/people/99999999999",
                f"/spaces/2147483647/people/{n.troll.id}"):
        r = await api.call("GET", bad, n.mona)
        assert r.status_code == 404, (bad, r.text)
        assert r.json()["error"]["code"] == "not_found"


async def test_people_are_found_by_name_or_handle_without_their_email(
    api: Api, ctx: Context
) -> None:
    n = await network(api, ctx)
    admin = n.cities[0].admin
    me = (await api.ok("GET", "/me", n.troll))["user"]
    for query in ("troll", "Troll", "pers", f"@{me['handle']}", me["handle"][:4]):
        users = (await api.ok("GET", f"/people?q={query}", admin))["users"]
        assert n.troll.id in [u["id"] for u in users], (query, users)
        assert all("email" not in u for u in users)
    assert (await api.ok("GET", "/people?q=", admin))["users"] == []
    assert (await api.ok("GET", "/people?q=%25", admin))["users"] == []  # a literal %
    assert (await api.ok("GET", "/people?q=zzzzzz", admin))["users"] == []
    # Limited, and only for those who moderate something.
    for i in range(12):
        await api.user(f"Namesake {i}")
    assert len((await api.ok("GET", "/people?q=namesake", admin))["users"]) == 10
    r = await api.call("GET", "/people?q=troll", n.citizen)
    assert r.status_code == 403, r.text
    r = await api.call("GET", "/people?q=troll")
    assert r.status_code == 401, r.text
    r = await api.call("GET", "/people?q=" + "x" * 81, admin)
    assert r.status_code == 422, r.text
    # An organization's admin names its first moderators before it has any space.
    founder = await api.user("Founder Person")
    await api.org(founder, f"City of Newfound {n.mona.id}")
    users = (await api.ok("GET", "/people?q=troll", founder))["users"]
    assert [u["id"] for u in users] == [n.troll.id]


async def test_a_banned_or_muted_person_sees_it_on_the_space_before_writing(
    api: Api, ctx: Context
) -> None:
    n = await network(api, ctx)
    first, second = n.cities[0], n.cities[1]
    space = (await api.ok("GET", f"/spaces/{first.space_id}", n.troll))["space"]
    assert space["standing"] is None
    await api.ok("POST", f"/spaces/{first.space_id}/mutes", n.mona,
                 {"user_id": n.troll.id, "reason": "Cool off", "duration_seconds": 7200},
                 status=201)
    await api.ok("POST", f"/spaces/{second.space_id}/bans", n.mona,
                 {"user_id": n.troll.id, "reason": "Harassment"}, status=201)
    muted = (await api.ok("GET", f"/spaces/{first.space_id}", n.troll))["space"]["standing"]
    assert muted["kind"] == "mute" and muted["reason"] == "Cool off"
    assert muted["expires_at"] is not None
    banned = (await api.ok("GET", f"/spaces/{second.space_id}", n.troll))["space"]["standing"]
    assert banned == {"kind": "ban", "expires_at": None, "reason": "Harassment"}
    # Nobody else's view of the space says it, and the server still refuses the post.
    other = (await api.ok("GET", f"/spaces/{second.space_id}", n.citizen))["space"]
    assert other["standing"] is None
    anonymous = (await api.ok("GET", f"/spaces/{second.space_id}"))["space"]
    assert anonymous["standing"] is None
    r = await api.call("POST", f"/topics/{second.topic_id}/posts", n.troll, {"body": "hi"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "banned", r.text
