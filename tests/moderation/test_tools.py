"""Space settings, and the plus-tier tools: word filter, pre-moderation, slow mode."""

from __future__ import annotations

import pytest

from cps.services.context import Context
from cps.services.tiers import plans
from tests.api.helpers import assert_error
from tests.moderation.conftest import moderated_world, names_on, post_in
from tests.support.api import Api
from tests.support.direct import set_tier

pytestmark = pytest.mark.anyio

PLUS_SETTINGS = [
    {"word_filter": {"mode": "block", "words": ["idiot"]}},
    {"word_filter": {"words": ["idiot"]}},
    {"premoderation_posts": 2},
    {"slow_mode_seconds": 30},
]


@pytest.mark.parametrize("tier", plans.TIERS)
@pytest.mark.parametrize("change", PLUS_SETTINGS, ids=["filter", "words", "premod", "slow"])
async def test_the_plus_tools_follow_the_entitlement_table(
    api: Api, ctx: Context, tier: str, change: dict[str, object]
) -> None:
    w = await moderated_world(api, ctx, tier=tier)
    s = w["space"]["id"]
    r = await api.call("PATCH", f"/spaces/{s}", w["mod"], change)
    if plans.allows(tier, "moderation_tools"):
        assert r.status_code == 200, r.text
        assert r.json()["settings"]["tools_available"] is True
    else:
        error = assert_error(r, 402, "tier_required")
        assert error["required_tier"] == "plus"
        settings = (await api.ok("GET", f"/spaces/{s}/moderation/settings", w["mod"]))["settings"]
        assert settings["word_filter"] == {"mode": "off", "words": []}
        assert settings["premoderation_posts"] == settings["slow_mode_seconds"] == 0


async def test_settings_every_tier_has_and_turning_tools_off(api: Api, ctx: Context) -> None:
    w = await moderated_world(api)
    s = w["space"]["id"]
    out = await api.ok("PATCH", f"/spaces/{s}", w["mod"],
                       {"topic_policy": "moderators", "flag_threshold": 5,
                        "slow_mode_seconds": 0, "word_filter": {"mode": "off"}})
    assert out["space"]["topic_policy"] == "moderators"
    assert out["settings"]["flag_threshold"] == 5 and out["settings"]["tools_available"] is False
    assert (await api.ok("GET", f"/spaces/{s}"))["space"]["topic_policy"] == "moderators"
    assert await names_on(ctx, f"space:{s}") == [
        "topic.created", "moderation.logged", "space.settings_changed"]
    for body, field in [({"flag_threshold": 0}, "flag_threshold"),
                        ({"topic_policy": "everyone"}, "topic_policy"),
                        ({"slow_mode_seconds": -1}, "slow_mode_seconds"),
                        ({"word_filter": {"mode": "shout"}}, "word_filter.mode")]:
        assert field in assert_error(
            await api.call("PATCH", f"/spaces/{s}", w["mod"], body), 422)["fields"]


async def test_topic_policy_moderators_only(api: Api, ctx: Context) -> None:
    w = await moderated_world(api)
    s = w["space"]["id"]
    await api.ok("PATCH", f"/spaces/{s}", w["mod"], {"topic_policy": "moderators"})
    assert_error(await api.call("POST", f"/spaces/{s}/topics", w["citizen"],
                                {"title": "Mine", "body": "x"}), 403)
    await api.topic(w["mod"], s, title="Official")
    await api.ok("PATCH", f"/spaces/{s}", w["mod"], {"topic_policy": "participants"})
    await api.topic(w["citizen"], s, title="Mine")


async def test_the_word_filter_blocks_with_a_clear_code(api: Api, ctx: Context) -> None:
    w = await moderated_world(api, ctx, tier="plus")
    s, t = w["space"]["id"], w["topic"]["id"]
    await api.ok("PATCH", f"/spaces/{s}", w["mod"],
                 {"word_filter": {"mode": "block", "words": ["Idiot", "go  away", "idiot", ""]}})
    settings = (await api.ok("GET", f"/spaces/{s}/moderation/settings", w["mod"]))["settings"]
    assert settings["word_filter"] == {"mode": "block", "words": ["idiot", "go away"]}
    for body in ("You IDIOT", "Just go\n away", "\uff49\uff44\uff49\uff4f\uff54!"):
        r = await api.call("POST", f"/topics/{t}/posts", w["citizen"], {"body": body})
        error = assert_error(r, 422, "blocked_words")
        assert "body" in error["fields"]
    # Whole words only.
    await api.post(w["citizen"], t, "Idiotic rules, idiotproof design")
    r = await api.call("POST", f"/spaces/{s}/topics", w["citizen"],
                       {"title": "Idiot council", "body": "fine"})
    assert "title" in assert_error(r, 422, "blocked_words")["fields"]
    post = await api.post(w["citizen"], t, "fine")
    r = await api.call("PATCH", f"/posts/{post['id']}", w["citizen"], {"body": "idiot"})
    assert_error(r, 422, "blocked_words")
    # Moderators are not filtered.
    await api.post(w["mod"], t, "Do not call anyone an idiot.")


async def test_the_word_filter_can_send_posts_to_review(api: Api, ctx: Context) -> None:
    w = await moderated_world(api, ctx, tier="plus")
    s, t = w["space"]["id"], w["topic"]["id"]
    await api.ok("PATCH", f"/spaces/{s}", w["mod"],
                 {"word_filter": {"mode": "review", "words": ["casino"]}})
    held = await api.post(w["citizen"], t, "Visit my casino")
    assert held["pending"] is True and held["hidden"] is True
    assert held["body"] == "Visit my casino"
    assert held["id"] not in [p["id"] for p in (await api.ok("GET", f"/topics/{t}/posts"))["posts"]]
    queue = await api.ok("GET", f"/spaces/{s}/moderation/queue", w["mod"])
    assert [p["id"] for p in queue["pending"]] == [held["id"]]
    assert "post.created" not in (await names_on(ctx, f"topic:{t}"))[1:]
    # A title cannot wait for review.
    r = await api.call("POST", f"/spaces/{s}/topics", w["citizen"],
                       {"title": "Casino night", "body": "x"})
    assert_error(r, 422, "blocked_words")


async def test_pre_moderation_holds_a_newcomers_first_posts(api: Api, ctx: Context) -> None:
    w = await moderated_world(api, ctx, tier="plus")
    s, t = w["space"]["id"], w["topic"]["id"]
    await api.ok("PATCH", f"/spaces/{s}", w["mod"], {"premoderation_posts": 2})
    newcomer = await api.user("Newcomer")
    first = await api.post(newcomer, t, "Hello all")
    second = await api.post(newcomer, t, "Me again")
    assert first["pending"] and second["pending"]
    # Only its author and the moderators see a held post.
    for viewer, sees in ((None, False), (w["citizen"], False), (newcomer, True),
                         (w["mod"], True), (w["admin"], True)):
        ids = [p["id"] for p in (await api.ok("GET", f"/topics/{t}/posts", viewer))["posts"]]
        assert (first["id"] in ids) is sees, viewer
    # Others cannot react to, flag or reply to it.
    for method, path, body in [
        ("POST", f"/posts/{first['id']}/reactions", {"kind": "like"}),
        ("POST", f"/posts/{first['id']}/flags", {"reason": "spam"}),
    ]:
        assert_error(await api.call(method, path, w["citizen"], body), 404)
    assert "parent_id" in assert_error(await api.call(
        "POST", f"/topics/{t}/posts", w["citizen"], {"body": "hi", "parent_id": first["id"]}),
        422)["fields"]
    approved = (await api.ok("POST", f"/posts/{first['id']}/approve", w["mod"]))["post"]
    assert approved["pending"] is False and approved["hidden"] is False
    events = await names_on(ctx, f"topic:{t}")
    assert events[-1] == "post.created"
    seen = post_in((await api.ok("GET", f"/topics/{t}/posts"))["posts"], first["id"])
    assert seen["body"] == "Hello all"
    rejected = (await api.ok("POST", f"/posts/{second['id']}/reject", w["mod"],
                             {"reason": "Please stay on topic"}))["post"]
    assert rejected["hidden_reason"] == "Please stay on topic" and not rejected["pending"]
    assert second["id"] not in [p["id"] for p in
                                (await api.ok("GET", f"/topics/{t}/posts"))["posts"]]
    assert_error(await api.call("POST", f"/posts/{second['id']}/approve", w["mod"]), 409,
                 "not_pending")
    # One approved post is not yet two: the third still waits; after two, no more.
    assert (await api.post(newcomer, t, "third"))["pending"] is True
    await api.ok("POST", f"/posts/{(await api.post(newcomer, t, 'fourth'))['id']}/approve",
                 w["mod"])
    assert (await api.post(newcomer, t, "fifth"))["pending"] is False
    # A held opening post: the topic is there, its first post waits.
    other = await api.user("Other newcomer")
    topic = await api.topic(other, s, title="Potholes", body="On Main Street")
    assert (await api.ok("GET", f"/topics/{topic['id']}/posts"))["posts"] == []


async def test_slow_mode_one_post_per_participant_per_n_seconds_in_a_topic(api: Api, ctx: Context) -> None:
    w = await moderated_world(api, ctx, tier="plus")
    s, t = w["space"]["id"], w["topic"]["id"]
    await api.ok("PATCH", f"/spaces/{s}", w["mod"], {"slow_mode_seconds": 60})
    await api.post(w["citizen"], t, "first")
    r = await api.call("POST", f"/topics/{t}/posts", w["citizen"], {"body": "second"})
    assert_error(r, 429, "slow_mode")
    assert 55 <= int(r.headers["Retry-After"]) <= 60
    # Another topic, another participant and the moderators are not slowed.
    other = await api.topic(w["admin"], s, title="Other")
    await api.post(w["citizen"], other["id"], "elsewhere")
    await api.post(w["admin"], t, "moderator")
    await api.post(await api.user(), t, "someone else")
    # A downgrade turns the tool off without touching the setting.
    await set_tier(ctx, w["org"]["id"], "free")
    await api.post(w["citizen"], t, "second, after the downgrade")
    settings = (await api.ok("GET", f"/spaces/{s}/moderation/settings", w["mod"]))["settings"]
    assert settings["slow_mode_seconds"] == 60 and settings["tools_available"] is False
