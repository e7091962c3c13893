"""Topics under moderation: rename, pin, lock, archive, and move between spaces."""

from __future__ import annotations

import pytest

from cps.services.context import Context
from tests.api.helpers import assert_error
from tests.moderation.conftest import moderated_world, names_on
from tests.support.api import Api
from tests.support.direct import events_on

pytestmark = pytest.mark.anyio


async def test_rename_pin_lock_archive_each_emit_their_event(api: Api, ctx: Context) -> None:
    w = await moderated_world(api)
    s, t, mod = w["space"]["id"], w["topic"]["id"], w["mod"]
    for change in ({"title": "Cycle lanes"}, {"pinned": True}, {"pinned": False},
                   {"locked": True}, {"locked": False}, {"archived": True}):
        await api.ok("PATCH", f"/topics/{t}", mod, change)
    expected = ["topic.renamed", "topic.pinned", "topic.unpinned", "topic.locked",
                "topic.unlocked", "topic.archived"]
    assert [n for n in await names_on(ctx, f"topic:{t}") if n.startswith("topic.")] == expected
    assert [n for n in await names_on(ctx, f"space:{s}") if n.startswith("topic.")] == \
        ["topic.created", *expected]
    r = await api.call("POST", f"/topics/{t}/posts", w["citizen"], {"body": "late"})
    assert_error(r, 409, "topic_archived")


async def test_a_locked_topic_takes_no_posts(api: Api, ctx: Context) -> None:
    w = await moderated_world(api)
    t = w["topic"]["id"]
    await api.ok("PATCH", f"/topics/{t}", w["mod"], {"locked": True})
    assert_error(await api.call("POST", f"/topics/{t}/posts", w["citizen"], {"body": "x"}), 409,
                 "topic_locked")


async def test_move_a_topic_to_another_space_of_the_organization(api: Api, ctx: Context) -> None:
    w = await moderated_world(api)
    s, t = w["space"]["id"], w["topic"]["id"]
    target = await api.space(w["admin"], w["org"]["id"], name="Parks")
    # The space's moderator does not moderate the target: refused.
    assert_error(await api.call("POST", f"/topics/{t}/move", w["mod"],
                                {"space_id": target["id"]}), 403)
    await api.ok("POST", f"/spaces/{target['id']}/moderators", w["admin"],
                 {"user_id": w["mod"].id}, status=201)
    moved = (await api.ok("POST", f"/topics/{t}/move", w["mod"],
                          {"space_id": target["id"]}))["topic"]
    assert moved["space_id"] == target["id"]
    listed = (await api.ok("GET", f"/spaces/{target['id']}/topics"))["topics"]
    assert [x["id"] for x in listed] == [t]
    assert (await api.ok("GET", f"/spaces/{s}/topics"))["topics"] == []
    for channel in (f"space:{s}", f"space:{target['id']}", f"topic:{t}"):
        [event] = [e for e in await events_on(ctx, channel) if e["name"] == "topic.moved"]
        assert event["data"]["from_space_id"] == s
        assert event["data"]["to_space_id"] == target["id"]
    assert_error(await api.call("POST", f"/topics/{t}/move", w["mod"],
                                {"space_id": target["id"]}), 409, "same_space")


async def test_a_topic_does_not_move_to_another_organization(api: Api, ctx: Context) -> None:
    w = await moderated_world(api)
    t = w["topic"]["id"]
    other_org = await api.org(w["admin"], name="Other city")
    foreign = await api.space(w["admin"], other_org["id"], name="Foreign")
    r = await api.call("POST", f"/topics/{t}/move", w["admin"], {"space_id": foreign["id"]})
    assert "space_id" in assert_error(r, 422)["fields"]
    assert_error(await api.call("POST", f"/topics/{t}/move", w["admin"], {"space_id": 999_999}),
                 404)
    assert_error(await api.call("POST", f"/topics/{t}/move", w["admin"], {"space_id": "x"}), 422)
