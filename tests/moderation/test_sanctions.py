"""Mutes and bans: per space, for a time or for good, with a reason, lifted by time."""

from __future__ import annotations

import asyncio

import pytest

from cps.services.context import Context
from tests.api.helpers import assert_error
from tests.moderation.conftest import moderated_world, post_in
from tests.support.api import Api
from tests.support.direct import events_on

pytestmark = pytest.mark.anyio


async def test_a_muted_participant_reads_and_reacts_but_does_not_post(api: Api, ctx: Context) -> None:
    w = await moderated_world(api)
    s, t, citizen = w["space"]["id"], w["topic"]["id"], w["citizen"]
    post = await api.post(citizen, t, "before")
    out = await api.ok("POST", f"/spaces/{s}/mutes", w["mod"],
                       {"user_id": citizen.id, "reason": "Shouting", "duration_seconds": 3600},
                       status=201)
    sanction = out["sanction"]
    assert sanction["kind"] == "mute" and sanction["active"] and sanction["reason"] == "Shouting"
    assert sanction["expires_at"] is not None
    assert (await api.call("GET", f"/topics/{t}/posts", citizen)).status_code == 200
    for method, path, body in [
        ("POST", f"/topics/{t}/posts", {"body": "let me speak"}),
        ("POST", f"/spaces/{s}/topics", {"title": "New", "body": "topic"}),
        ("PATCH", f"/posts/{post['id']}", {"body": "edited"}),
    ]:
        r = await api.call(method, path, citizen, body)
        assert "Shouting" not in r.text
        assert_error(r, 403, "muted")
    first = (await api.ok("GET", f"/topics/{t}/posts"))["posts"][0]
    await api.ok("POST", f"/posts/{first['id']}/reactions", citizen, {"kind": "like"})
    # Muted in this space only.
    other = await api.space(w["admin"], w["org"]["id"], name="Parks")
    await api.topic(citizen, other["id"], title="Trees")
    # The notice says why and until when.
    [notice] = [e["data"] for e in await events_on(ctx, f"user:{citizen.id}")
                if e["name"] == "moderation.notice"]
    assert notice["action"] == "user.muted" and notice["reason"] == "Shouting"
    assert notice["expires_at"] is not None
    # Lifted early by a moderator.
    await api.ok("DELETE", f"/spaces/{s}/mutes/{citizen.id}", w["mod"], status=204)
    await api.post(citizen, t, "thank you")
    assert_error(await api.call("DELETE", f"/spaces/{s}/mutes/{citizen.id}", w["mod"]), 404)


async def test_a_banned_participant_reads_but_does_not_post_react_or_flag(api: Api, ctx: Context) -> None:
    w = await moderated_world(api)
    s, t, citizen = w["space"]["id"], w["topic"]["id"], w["citizen"]
    mine = await api.post(citizen, t, "one")
    theirs = await api.post(w["admin"], t, "two")
    await api.ok("POST", f"/spaces/{s}/bans", w["mod"],
                 {"user_id": citizen.id, "reason": "Harassment"}, status=201)
    assert (await api.call("GET", f"/topics/{t}/posts", citizen)).status_code == 200
    assert (await api.call("GET", f"/spaces/{s}/moderation/log", citizen)).status_code == 200
    for method, path, body in [
        ("POST", f"/topics/{t}/posts", {"body": "hello?"}),
        ("POST", f"/spaces/{s}/topics", {"title": "New", "body": "topic"}),
        ("PATCH", f"/posts/{mine['id']}", {"body": "edited"}),
        ("POST", f"/posts/{theirs['id']}/reactions", {"kind": "like"}),
        ("POST", f"/posts/{theirs['id']}/flags", {"reason": "spam"}),
    ]:
        assert_error(await api.call(method, path, citizen, body), 403, "banned")
    # Their own posts stay unless the moderator asked to hide them.
    assert not post_in((await api.ok("GET", f"/topics/{t}/posts"))["posts"], mine["id"])["hidden"]
    assert [e["data"] for e in await events_on(ctx, f"user:{citizen.id}")
            if e["name"] == "access.changed"] == [{"space_id": s}]
    listed = (await api.ok("GET", f"/spaces/{s}/sanctions", w["mod"]))["sanctions"]
    assert [(x["user"]["id"], x["kind"], x["expires_at"]) for x in listed] == [
        (citizen.id, "ban", None)]


async def test_ban_and_hide_all_their_posts_in_the_space(api: Api, ctx: Context) -> None:
    w = await moderated_world(api)
    s, t = w["space"]["id"], w["topic"]["id"]
    spammer = await api.user("Spammer")
    other_topic = await api.topic(w["admin"], s, title="Second")
    spam = [await api.post(spammer, topic, f"buy {i}") for i, topic in
            enumerate((t, t, other_topic["id"]))]
    elsewhere = await api.space(w["admin"], w["org"]["id"], name="Elsewhere")
    far = await api.topic(spammer, elsewhere["id"], title="Far away")
    out = await api.ok("POST", f"/spaces/{s}/bans", w["mod"],
                       {"user_id": spammer.id, "reason": "Spam", "rule": "spam",
                        "hide_posts": True, "duration_seconds": 86_400}, status=201)
    assert out["hidden_posts"] == 3
    for topic in (t, other_topic["id"]):
        posts = (await api.ok("GET", f"/topics/{topic}/posts"))["posts"]
        assert all(p["hidden"] for p in posts if p["author"]["id"] == spammer.id)
    # Not in another space.
    assert not (await api.ok("GET", f"/topics/{far['id']}/posts"))["posts"][0]["hidden"]
    assert len(spam) == 3


async def test_a_sanction_for_a_time_lifts_itself(api: Api, ctx: Context) -> None:
    w = await moderated_world(api)
    s, t, citizen = w["space"]["id"], w["topic"]["id"], w["citizen"]
    await api.ok("POST", f"/spaces/{s}/bans", w["mod"],
                 {"user_id": citizen.id, "reason": "Cool down", "duration_seconds": 1},
                 status=201)
    assert_error(await api.call("POST", f"/topics/{t}/posts", citizen, {"body": "x"}), 403)
    await asyncio.sleep(1.1)
    await api.post(citizen, t, "back")
    assert (await api.ok("GET", f"/spaces/{s}/sanctions", w["mod"]))["sanctions"] == []


async def test_a_new_sanction_replaces_the_one_in_force(api: Api, ctx: Context) -> None:
    w = await moderated_world(api)
    s, citizen = w["space"]["id"], w["citizen"]
    for duration in (60, None):
        body = {"user_id": citizen.id, "reason": "x"}
        if duration:
            body["duration_seconds"] = duration
        await api.ok("POST", f"/spaces/{s}/mutes", w["mod"], body, status=201)
    [mute] = (await api.ok("GET", f"/spaces/{s}/sanctions", w["mod"]))["sanctions"]
    assert mute["expires_at"] is None


async def test_moderators_admins_and_oneself_cannot_be_sanctioned(api: Api, ctx: Context) -> None:
    w = await moderated_world(api)
    s = w["space"]["id"]
    for target, code in ((w["admin"], "cannot_sanction_moderator"),
                         (w["mod"], "cannot_sanction_self")):
        r = await api.call("POST", f"/spaces/{s}/bans", w["mod"],
                           {"user_id": target.id, "reason": "x"})
        assert_error(r, 403, code)
    other_mod = await api.user("Other moderator")
    await api.ok("POST", f"/spaces/{s}/moderators", w["admin"], {"user_id": other_mod.id},
                 status=201)
    assert_error(await api.call("POST", f"/spaces/{s}/mutes", w["mod"],
                                {"user_id": other_mod.id, "reason": "x"}), 403)


@pytest.mark.parametrize(("body", "field"), [
    ({"reason": "x"}, "user_id"),
    ({"user_id": 1}, "reason"),
    ({"user_id": 1, "reason": "  "}, "reason"),
    ({"user_id": 1, "reason": "x", "duration_seconds": 0}, "duration_seconds"),
    ({"user_id": 1, "reason": "x", "duration_seconds": "1 day"}, "duration_seconds"),
    ({"user_id": 1, "reason": "x", "rule": "ugly"}, "rule"),
    ({"user_id": 999_999, "reason": "x"}, "user_id"),
])
async def test_bad_sanction_requests_are_422(
    api: Api, ctx: Context, body: dict[str, object], field: str
) -> None:
    w = await moderated_world(api)
    r = await api.call("POST", f"/spaces/{w['space']['id']}/bans", w["mod"], body)
    assert field in assert_error(r, 422)["fields"]
