"""Hiding and restoring, flags, the queue, resolving flags one at a time or in bulk."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.api.helpers import assert_error
from tests.moderation.conftest import moderated_world, names_on, post_in
from tests.support.api import Api
from tests.support.direct import events_on

pytestmark = pytest.mark.anyio


async def test_a_hidden_post_keeps_its_place_and_its_author_is_told_why(api: Api, ctx):
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


async def test_the_queue_groups_flags_per_post_most_flagged_then_oldest_first(api: Api, ctx):
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


async def test_resolving_a_flag_hides_or_dismisses_and_tells_every_flagger(api: Api, ctx):
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
    api: Api, ctx
):
    w = await moderated_world(api)
    t, s = w["topic"]["id"], w["space"]["id"]
    await api.ok("PATCH", f"/spaces/{s}", w["mod"], {"flag_threshold": 2})
    post = await api.post(w["citizen"], t, "Controversial but fair")
    people = [await api.user(f"P{i}") for i in range(2)]
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


async def test_bulk_hide_many_posts(api: Api, ctx):
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
