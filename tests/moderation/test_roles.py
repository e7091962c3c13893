"""Roles are per space: a moderator of space A has no power in space B, for every
moderation action; organization admins act in every space of their organization."""

from __future__ import annotations

from typing import Any

import pytest

from cps.services.context import Context
from tests.api.helpers import assert_error
from tests.moderation.conftest import audit_rows
from tests.moderation.scene import Space, two_spaces
from tests.support.api import Api

pytestmark = pytest.mark.anyio


def every_moderation_call(b: Space, a: Space, appeal_id: int) -> list[tuple[str, str, Any]]:
    """Every moderation action, aimed at space B's things."""
    return [
        ("PATCH", f"/spaces/{b.id}", {"topic_policy": "moderators"}),
        ("GET", f"/spaces/{b.id}/moderation/settings", None),
        ("PATCH", f"/topics/{b.topic}", {"locked": True}),
        ("PATCH", f"/topics/{b.topic}", {"title": "Renamed"}),
        ("POST", f"/topics/{b.spare_topic}/move", {"space_id": a.id}),
        ("POST", f"/topics/{a.spare_topic}/move", {"space_id": b.id}),
        ("POST", f"/posts/{b.post}/hide", {"reason": "x"}),
        ("POST", f"/posts/{b.hidden}/restore", None),
        ("GET", f"/spaces/{b.id}/moderation/queue", None),
        ("POST", f"/flags/{b.flag}/resolve", {"action": "hide"}),
        ("POST", f"/spaces/{b.id}/moderation/bulk", {"action": "hide", "post_ids": [b.post]}),
        ("POST", f"/posts/{b.held}/approve", None),
        ("POST", f"/posts/{b.held}/reject", {"reason": "no"}),
        ("POST", f"/spaces/{b.id}/mutes", {"user_id": b.author.id, "reason": "x"}),
        ("DELETE", f"/spaces/{b.id}/mutes/{b.author.id}", None),
        ("POST", f"/spaces/{b.id}/bans", {"user_id": b.author.id, "reason": "x"}),
        ("DELETE", f"/spaces/{b.id}/bans/{b.author.id}", None),
        ("GET", f"/spaces/{b.id}/sanctions", None),
        ("GET", f"/spaces/{b.id}/moderation/audit", None),
        ("POST", f"/appeals/{appeal_id}/answer", {"decision": "overturn", "reason": "x"}),
        ("POST", f"/spaces/{b.id}/moderators", {"user_id": a.mod.id}),
    ]


async def test_a_moderator_of_one_space_has_no_power_in_another(api: Api, ctx: Context) -> None:
    w = await two_spaces(api, ctx)
    a, b = w["a"], w["b"]
    appeal = (await api.ok("POST", f"/posts/{b.hidden}/appeal", b.author, {"text": "Why?"},
                           status=201))["appeal"]
    # B's moderator has the author muted and banned, so lifting them would do something.
    for kind in ("mutes", "bans"):
        await api.ok("POST", f"/spaces/{b.id}/{kind}", b.mod,
                     {"user_id": b.author.id, "reason": "x"}, status=201)
    before = len(await audit_rows(ctx))
    for method, path, body in every_moderation_call(b, a, appeal["id"]):
        r = await api.call(method, path, a.mod, body)
        assert_error(r, 403)
    assert len(await audit_rows(ctx)) == before
    # Nothing changed in B: the post is visible, the held post still waits, the flag is open.
    posts = (await api.ok("GET", f"/topics/{b.topic}/posts"))["posts"]
    assert next(p for p in posts if p["id"] == b.post)["hidden"] is False
    assert b.held not in [p["id"] for p in posts]
    queue = await api.ok("GET", f"/spaces/{b.id}/moderation/queue", b.mod)
    assert [g["post"]["id"] for g in queue["flagged"]] == [b.post2]
    assert [p["id"] for p in queue["pending"]] == [b.held, b.held2]
    assert [x["id"] for x in queue["appeals"]] == [appeal["id"]]
    topic = (await api.ok("GET", f"/topics/{b.topic}"))["topic"]
    assert topic["locked"] is False and topic["title"] == "B topic"
    # A's moderator cannot read B's appeal either: it is invisible to them.
    assert_error(await api.call("GET", f"/appeals/{appeal['id']}", a.mod), 404)


async def test_a_bulk_action_in_ones_own_space_cannot_reach_another(api: Api, ctx: Context) -> None:
    w = await two_spaces(api, ctx)
    a, b = w["a"], w["b"]
    r = await api.call("POST", f"/spaces/{a.id}/moderation/bulk", a.mod,
                       {"action": "hide", "post_ids": [a.post, b.post]})
    assert "post_ids" in assert_error(r, 422)["fields"]
    r = await api.call("POST", f"/spaces/{a.id}/moderation/bulk", a.mod,
                       {"action": "dismiss", "flag_ids": [b.flag]})
    assert "flag_ids" in assert_error(r, 422)["fields"]
    posts = (await api.ok("GET", f"/topics/{a.topic}/posts"))["posts"]
    assert all(not p["hidden"] for p in posts if p["id"] == a.post)


async def test_participants_and_strangers_have_no_moderation_power(api: Api, ctx: Context) -> None:
    w = await two_spaces(api, ctx)
    a, b = w["a"], w["b"]
    appeal = (await api.ok("POST", f"/posts/{b.hidden}/appeal", b.author, {"text": "Why?"},
                           status=201))["appeal"]
    for method, path, body in every_moderation_call(b, a, appeal["id"]):
        assert_error(await api.call(method, path, b.citizen, body), 403)
        assert_error(await api.call(method, path, None, body), 401)


async def test_the_organization_admin_acts_in_every_space(api: Api, ctx: Context) -> None:
    w = await two_spaces(api, ctx)
    for space in (w["a"], w["b"]):
        await api.ok("POST", f"/posts/{space.post}/hide", w["admin"], {"reason": "x"})
        await api.ok("POST", f"/spaces/{space.id}/mutes", w["admin"],
                     {"user_id": space.citizen.id, "reason": "Cool down", "duration_seconds": 60},
                     status=201)
        log = (await api.ok("GET", f"/spaces/{space.id}/moderation/audit", w["admin"]))
        assert [(e["action"], e["role"]) for e in log["entries"][:2]] == [
            ("user.mute", "org_admin"), ("post.hide", "org_admin")]
    # An admin of another organization is nobody here.
    stranger = await api.user("Other city admin")
    await api.org(stranger, name="Other city")
    assert_error(await api.call("POST", f"/posts/{w['a'].post2}/hide", stranger, {}), 403)
