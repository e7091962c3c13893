"""Hiding and restoring, flags, the queue, resolving flags one at a time or in bulk."""

from __future__ import annotations

from datetime import datetime

import pytest

from cps.services.context import Context
from tests.api.helpers import assert_error
from tests.moderation.conftest import make_platform_admin, moderated_world, names_on, post_in
from tests.support.api import Api, User
from tests.support.direct import events_on

pytestmark = pytest.mark.anyio


async def test_a_hidden_post_keeps_its_place_and_its_author_is_told_why(api: Api, ctx: Context) -> None:
    w = await moderated_world(api)
    t = w["topic"]["id"]
    post = await api.post(w["citizen"], t, "rude words")
    reply = await api.post(w["admin"], t, "calm reply", parent_id=post["id"])
    await api.ok("POST", f"/posts/{post['id']}/hide", w["mod"], {"reason": "Be kind"})
    posts = (await api.ok("GET", f"/topics/{t}/posts"))["posts"]
    ids = [p["id"] for p in posts]
    assert ids.index(reply["id"]) == ids.index(post["id"]) + 1
    assert post_in(posts, post["id"])["body"] == "" and post_in(posts, reply["id"])["body"]
    [notice] = [e["data"] for e in await events_on(ctx, f"user:{w['citizen'].id}")
                if e["name"] == "moderation.notice"]
    assert notice == {"action": "post.hidden", "space_id": w["space"]["id"], "topic_id": t,
                      "post_id": post["id"], "reason": "Be kind"}
    await api.ok("POST", f"/posts/{post['id']}/restore", w["mod"])
    assert await names_on(ctx, f"topic:{t}") == [
        "post.created", "post.created", "post.created", "post.hidden", "post.restored"]


async def test_the_queue_groups_flags_per_post_most_flagged_then_oldest_first(api: Api, ctx: Context) -> None:
    w = await moderated_world(api)
    t, s = w["topic"]["id"], w["space"]["id"]
    people = [await api.user(f"P{i}") for i in range(3)]
    first, second, third = [await api.post(w["citizen"], t, f"post {i}") for i in range(3)]
    # `third` gets two flags, `first` and `second` one each (`first` flagged earlier).
    await api.ok("POST", f"/posts/{first['id']}/flags", people[0], {"reason": "spam"}, status=201)
    await api.ok("POST", f"/posts/{third['id']}/flags", people[0],
                 {"reason": "other", "note": "Personal data"}, status=201)
    await api.ok("POST", f"/posts/{second['id']}/flags", people[1], {"reason": "off_topic"},
                 status=201)
    await api.ok("POST", f"/posts/{third['id']}/flags", people[1], {"reason": "abuse"},
                 status=201)
    queue = await api.ok("GET", f"/spaces/{s}/moderation/queue", w["mod"])
    assert [(g["post"]["id"], g["flag_count"]) for g in queue["flagged"]] == [
        (third["id"], 2), (first["id"], 1), (second["id"], 1)]
    top = queue["flagged"][0]
    assert top["reasons"] == {"other": 1, "abuse": 1} and top["auto_hidden"] is False
    assert datetime.fromisoformat(top["first_flagged_at"]).tzinfo is not None
    assert [(f["reason"], f["note"]) for f in top["flags"]] == [
        ("other", "Personal data"), ("abuse", "")]
    assert queue["pending"] == [] and queue["appeals"] == []


async def test_resolving_a_flag_hides_or_dismisses_and_tells_every_flagger(api: Api, ctx: Context) -> None:
    w = await moderated_world(api)
    t, s = w["topic"]["id"], w["space"]["id"]
    people = [await api.user(f"P{i}") for i in range(2)]
    bad, fine = [await api.post(w["citizen"], t, body) for body in ("bad", "fine")]
    flags = {}
    for post in (bad, fine):
        for person in people:
            flags[post["id"], person.id] = (await api.ok(
                "POST", f"/posts/{post['id']}/flags", person, {"reason": "spam"}, status=201
            ))["flag"]["id"]
    out = await api.ok("POST", f"/flags/{flags[bad['id'], people[0].id]}/resolve", w["mod"],
                       {"action": "hide", "reason": "Advertising"})
    assert out["resolution"] == {"post_id": bad["id"], "outcome": "hidden", "flags_resolved": 2}
    out = await api.ok("POST", f"/flags/{flags[fine['id'], people[1].id]}/resolve", w["mod"],
                       {"action": "dismiss"})
    assert out["resolution"]["outcome"] == "dismissed"
    for person in people:
        told = {(e["data"]["post_id"], e["data"]["outcome"])
                for e in await events_on(ctx, f"user:{person.id}") if e["name"] == "flag.resolved"}
        assert told == {(bad["id"], "hidden"), (fine["id"], "dismissed")}
    posts = (await api.ok("GET", f"/topics/{t}/posts"))["posts"]
    assert post_in(posts, bad["id"])["hidden"] and not post_in(posts, fine["id"])["hidden"]
    mine = post_in((await api.ok("GET", f"/topics/{t}/posts", w["citizen"]))["posts"], bad["id"])
    assert mine["hidden_reason"] == "Advertising"
    assert (await api.ok("GET", f"/spaces/{s}/moderation/queue", w["mod"]))["flagged"] == []
    r = await api.call("POST", f"/flags/{flags[bad['id'], people[1].id]}/resolve", w["mod"],
                       {"action": "dismiss"})
    assert_error(r, 409, "already_resolved")
    assert_error(await api.call("POST", "/flags/999999/resolve", w["mod"], {"action": "hide"}),
                 404)
    r = await api.call("POST", f"/flags/{flags[bad['id'], people[1].id]}/resolve", w["mod"],
                       {"action": "delete"})
    assert "action" in assert_error(r, 422)["fields"]


async def test_n_distinct_flaggers_hide_a_post_pending_review_and_dismissal_restores_it(
    api: Api, ctx: Context
) -> None:
    w = await moderated_world(api)
    t, s = w["topic"]["id"], w["space"]["id"]
    await api.ok("PATCH", f"/spaces/{s}", w["mod"], {"flag_threshold": 2})
    people = [await api.user(f"P{i}") for i in range(2)]  # participants before the post
    post = await api.post(w["citizen"], t, "Controversial but fair")
    await api.ok("POST", f"/posts/{post['id']}/flags", people[0], {"reason": "abuse"}, status=201)
    assert not post_in((await api.ok("GET", f"/topics/{t}/posts"))["posts"], post["id"])["hidden"]
    await api.ok("POST", f"/posts/{post['id']}/flags", people[1], {"reason": "abuse"}, status=201)
    assert post_in((await api.ok("GET", f"/topics/{t}/posts"))["posts"], post["id"])["hidden"]
    [group] = (await api.ok("GET", f"/spaces/{s}/moderation/queue", w["mod"]))["flagged"]
    assert group["auto_hidden"] is True
    out = await api.ok("POST", f"/spaces/{s}/moderation/bulk", w["mod"],
                       {"action": "dismiss", "flag_ids": [f["id"] for f in group["flags"]],
                        "reason": "Disagreement is not abuse"})
    assert out["results"] == [{"post_id": post["id"], "outcome": "dismissed",
                               "flags_resolved": 2}]
    assert not post_in((await api.ok("GET", f"/topics/{t}/posts"))["posts"], post["id"])["hidden"]
    assert (await names_on(ctx, f"topic:{t}"))[-2:] == ["post.hidden", "post.restored"]


async def test_bulk_hide_many_posts(api: Api, ctx: Context) -> None:
    w = await moderated_world(api)
    t, s = w["topic"]["id"], w["space"]["id"]
    spam = [await api.post(w["citizen"], t, f"spam {i}") for i in range(3)]
    out = await api.ok("POST", f"/spaces/{s}/moderation/bulk", w["mod"],
                       {"action": "hide", "post_ids": [p["id"] for p in spam],
                        "reason": "Spam wave"})
    assert [r["post_id"] for r in out["results"]] == [p["id"] for p in spam]
    posts = (await api.ok("GET", f"/topics/{t}/posts"))["posts"]
    assert all(post_in(posts, p["id"])["hidden"] for p in spam)
    assert (await names_on(ctx, f"topic:{t}"))[-3:] == ["post.hidden"] * 3
    assert "post_ids" in assert_error(
        await api.call("POST", f"/spaces/{s}/moderation/bulk", w["mod"], {"action": "hide"}),
        422)["fields"]
    too_many = {"action": "hide", "post_ids": list(range(1, 102))}
    assert_error(await api.call("POST", f"/spaces/{s}/moderation/bulk", w["mod"], too_many), 422)


async def _flag(api: Api, post_id: int, people: list[User], reason: str = "abuse") -> None:
    for person in people:
        await api.ok("POST", f"/posts/{post_id}/flags", person, {"reason": reason}, status=201)


async def _hidden(api: Api, topic_id: int, post_id: int) -> bool:
    return bool(post_in((await api.ok("GET", f"/topics/{topic_id}/posts"))["posts"],
                        post_id)["hidden"])


async def test_accounts_made_after_a_post_cannot_hide_it_but_reach_the_queue(api: Api, ctx: Context) -> None:
    w = await moderated_world(api)
    t, s = w["topic"]["id"], w["space"]["id"]
    neighbours = [await api.user(f"Neighbour {i}") for i in range(3)]
    opinion = await api.post(w["citizen"], t, "The new tram line is a mistake")
    spam = await api.post(await api.user("Spam Seller"), t, "Cheap watches at example.com")
    # Three accounts made a moment after the post flag it: it stays visible for everyone.
    throwaways = [await api.user(f"Throwaway {i}") for i in range(3)]
    await _flag(api, opinion["id"], throwaways)
    assert not await _hidden(api, t, opinion["id"])
    # Two participants older than the post add theirs: still fewer than three that count.
    await _flag(api, opinion["id"], neighbours[:2])
    assert not await _hidden(api, t, opinion["id"])
    [group] = (await api.ok("GET", f"/spaces/{s}/moderation/queue", w["mod"]))["flagged"]
    assert group["post"]["id"] == opinion["id"] and group["flag_count"] == 5
    assert group["auto_hidden"] is False
    assert [f["established"] for f in group["flags"]] == [False] * 3 + [True] * 2
    # Three established participants still hide a spam post at once, as before.
    await _flag(api, spam["id"], neighbours[:2], "spam")
    assert not await _hidden(api, t, spam["id"])
    await _flag(api, spam["id"], neighbours[2:], "spam")
    assert await _hidden(api, t, spam["id"])
    queue = (await api.ok("GET", f"/spaces/{s}/moderation/queue", w["mod"]))["flagged"]
    assert [(g["post"]["id"], g["auto_hidden"]) for g in queue] == [
        (opinion["id"], False), (spam["id"], True)]
    assert [f["established"] for f in queue[1]["flags"]] == [True] * 3


async def test_flags_never_hide_a_staff_post_but_put_it_first_in_the_queue(api: Api, ctx: Context) -> None:
    w = await moderated_world(api)
    t, s = w["topic"]["id"], w["space"]["id"]
    people = [await api.user(f"Resident {i}") for i in range(4)]
    platform = await api.user("Pat from the platform")
    await make_platform_admin(ctx, platform)
    # A moderator of another space of the same organization is not staff here.
    elsewhere = await api.space(w["admin"], w["org"]["id"], name="Parks")
    other_mod = await api.user("Parks moderator")
    await api.ok("POST", f"/spaces/{elsewhere['id']}/moderators", w["admin"],
                 {"user_id": other_mod.id}, status=201)
    citizen_post = await api.post(w["citizen"], t, "Buy my stuff")
    other_post = await api.post(other_mod, t, "A word from the parks team")
    staff_posts = [await api.post(u, t, f"Official notice {i}")
                   for i, u in enumerate((w["mod"], w["admin"], platform))]
    await _flag(api, citizen_post["id"], people)  # four flags
    await _flag(api, other_post["id"], people[:3])
    for staff_post in staff_posts:
        await _flag(api, staff_post["id"], people[:3])  # three established flaggers each
    for staff_post in staff_posts:
        assert not await _hidden(api, t, staff_post["id"])
    assert await _hidden(api, t, citizen_post["id"]) and await _hidden(api, t, other_post["id"])
    queue = (await api.ok("GET", f"/spaces/{s}/moderation/queue", w["mod"]))["flagged"]
    assert [(g["post"]["id"], g["escalated"], g["auto_hidden"]) for g in queue] == [
        *[(p["id"], True, False) for p in staff_posts],
        (citizen_post["id"], False, True), (other_post["id"], False, True)]
    assert [e["name"] for e in await events_on(ctx, f"topic:{t}")].count("post.hidden") == 2
    # A moderator still hides a staff post by hand.
    first = queue[0]["flags"][0]["id"]
    await api.ok("POST", f"/flags/{first}/resolve", w["admin"],
                 {"action": "hide", "reason": "Not an official notice"})
    assert await _hidden(api, t, staff_posts[0]["id"])
