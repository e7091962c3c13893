"""The audit log: no moderation code path skips it; it is append-only, filterable,
and readable only by the organization's admins and the space's moderators. The
public log shows the kind of act, the rule, the role and the time, nothing more."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, update
from sqlalchemy.exc import DBAPIError

from cps.http.routes import moderation as moderation_routes
from cps.services.context import Context
from cps.storage.models import ModerationAction
from tests.api.helpers import assert_error
from tests.moderation.conftest import audit_rows, moderated_world
from tests.moderation.scene import two_spaces
from tests.support.api import Api

pytestmark = pytest.mark.anyio

# Moderation acts that live in other route modules.
ELSEWHERE = {
    ("PATCH", "/topics/{topic_id:int}"),
    ("POST", "/posts/{post_id:int}/hide"),
    ("POST", "/posts/{post_id:int}/restore"),
}
# State-changing endpoints that are not moderation acts (people asking for one).
NOT_ACTS = {
    ("POST", "/posts/{post_id:int}/appeal"),
    ("POST", "/spaces/{space_id:int}/bans/appeal"),
}


def _steps(w: dict[str, Any]) -> list[tuple[str, str, str, Any, list[str]]]:
    """(declared path, method, path, body, audit actions expected), in an order that works."""
    a, b = w["a"], w["a_other"]
    return [
        ("/spaces/{space_id:int}", "PATCH", f"/spaces/{a.id}",
         {"flag_threshold": 4, "premoderation_posts": 0}, ["space.settings"]),
        ("/topics/{topic_id:int}", "PATCH", f"/topics/{a.topic}", {"pinned": True},
         ["topic.pinned"]),
        ("/topics/{topic_id:int}/move", "POST", f"/topics/{a.spare_topic}/move",
         {"space_id": b}, ["topic.move", "topic.move"]),
        ("/posts/{post_id:int}/hide", "POST", f"/posts/{a.post}/hide", {"reason": "Rude"},
         ["post.hide"]),
        ("/posts/{post_id:int}/restore", "POST", f"/posts/{a.post}/restore", None,
         ["post.restore"]),
        ("/flags/{flag_id:int}/resolve", "POST", f"/flags/{a.flag}/resolve",
         {"action": "dismiss", "reason": "Not spam"}, ["flags.dismiss"]),
        ("/spaces/{space_id:int}/moderation/bulk", "POST", f"/spaces/{a.id}/moderation/bulk",
         {"action": "hide", "post_ids": [a.post2], "reason": "Spam"}, ["post.hide"]),
        ("/posts/{post_id:int}/approve", "POST", f"/posts/{a.held}/approve", None,
         ["post.approve"]),
        ("/posts/{post_id:int}/reject", "POST", f"/posts/{a.held2}/reject",
         {"reason": "Off topic"}, ["post.reject"]),
        ("/spaces/{space_id:int}/mutes", "POST", f"/spaces/{a.id}/mutes",
         {"user_id": a.citizen.id, "reason": "Cool down", "duration_seconds": 600}, ["user.mute"]),
        ("/spaces/{space_id:int}/mutes/{user_id:int}", "DELETE",
         f"/spaces/{a.id}/mutes/{a.citizen.id}", None, ["user.unmute"]),
        ("/spaces/{space_id:int}/bans", "POST", f"/spaces/{a.id}/bans",
         {"user_id": a.author.id, "reason": "Spam", "rule": "spam", "hide_posts": True},
         ["user.ban", "post.hide"]),
        ("/spaces/{space_id:int}/bans/appeal", "POST", f"/spaces/{a.id}/bans/appeal",
         {"text": "It was my brother"}, []),
        ("/appeals/{appeal_id:int}/answer", "POST", "/appeals/{ban_appeal}/answer",
         {"decision": "overturn", "reason": "Fair enough"}, ["appeal.overturn"]),
        ("/spaces/{space_id:int}/bans", "POST", f"/spaces/{a.id}/bans",
         {"user_id": a.author.id, "reason": "Again"}, ["user.ban"]),
        ("/spaces/{space_id:int}/bans/{user_id:int}", "DELETE",
         f"/spaces/{a.id}/bans/{a.author.id}", None, ["user.unban"]),
        ("/posts/{post_id:int}/appeal", "POST", f"/posts/{a.hidden}/appeal",
         {"text": "I was quoting"}, []),
    ]


async def test_every_moderation_endpoint_writes_its_audit_rows(api: Api, ctx: Context) -> None:
    w = await two_spaces(api, ctx)
    a = w["a"]
    w["a_other"] = w["b"].id
    # Moving a topic needs a moderator of both spaces.
    await api.ok("POST", f"/spaces/{w['b'].id}/moderators", w["admin"], {"user_id": a.mod.id},
                 status=201)
    # An appeal is answered by someone other than the moderator who decided.
    second = await api.user("Second moderator of A")
    await api.ok("POST", f"/spaces/{a.id}/moderators", w["admin"], {"user_id": second.id},
                 status=201)
    covered = set()
    last = (await audit_rows(ctx))[-1].id
    ban_appeal = None
    for declared, method, path, body, expected in _steps(w):
        covered.add((method, declared))
        user = a.mod
        if declared.endswith("/appeal"):
            user = a.author
        elif declared.endswith("/answer"):
            user = second
        path = path.format(ban_appeal=ban_appeal)
        answer = await api.ok(method, path, user, body)
        if declared == "/spaces/{space_id:int}/bans/appeal":
            ban_appeal = answer["appeal"]["id"]
        rows = await audit_rows(ctx, last)
        assert [r.action for r in rows] == expected, (method, path)
        for row in rows:
            assert row.actor_id == user.id and row.actor_role == "moderator", (method, path)
            assert row.created_at <= datetime.now(UTC)
        if rows:
            last = rows[-1].id
    # Automatic hiding after enough flags is audited too, as the system's act.
    flaggers = [await api.user(f"Flagger {i}") for i in range(4)]
    fresh = await api.post(await api.user("Fresh"), a.topic, "Nobody likes you")
    for flagger in flaggers:
        await api.ok("POST", f"/posts/{fresh['id']}/flags", flagger, {"reason": "abuse"},
                     status=201)
    rows = await audit_rows(ctx, last)
    assert [(r.action, r.actor_id, r.actor_role, r.rule) for r in rows] == [
        ("post.hide", None, "system", "flag_threshold")]
    # Every state-changing moderation endpoint is in the table above.
    changing = {(ep.method, ep.path) for ep in moderation_routes.endpoints() if ep.changes_state}
    assert (changing | ELSEWHERE) - covered == set()
    assert {k for k in covered if k in NOT_ACTS} == NOT_ACTS


async def test_the_audit_log_is_append_only(api: Api, ctx: Context) -> None:
    w = await moderated_world(api)
    post = await api.post(w["citizen"], w["topic"]["id"], "x")
    await api.ok("POST", f"/posts/{post['id']}/hide", w["mod"], {"reason": "x"})
    for statement in (update(ModerationAction).values(reason="nothing happened"),
                      delete(ModerationAction)):
        with pytest.raises(DBAPIError):
            async with ctx.db.write() as tx:
                await tx.session.execute(statement)
    [row] = await audit_rows(ctx)
    assert row.reason == "x"


async def test_the_audit_log_filters_by_action_actor_and_time(api: Api, ctx: Context) -> None:
    w = await moderated_world(api)
    s, t = w["space"]["id"], w["topic"]["id"]
    posts = [await api.post(w["citizen"], t, f"p{i}") for i in range(3)]
    await api.ok("POST", f"/posts/{posts[0]['id']}/hide", w["mod"], {"reason": "one"})
    await api.ok("POST", f"/posts/{posts[1]['id']}/hide", w["admin"], {"reason": "two"})
    await api.ok("PATCH", f"/topics/{t}", w["mod"], {"locked": True})

    async def actions(query: str = "") -> list[str]:
        body = await api.ok("GET", f"/spaces/{s}/moderation/audit{query}", w["mod"])
        return [e["action"] for e in body["entries"]]

    assert await actions() == ["topic.locked", "post.hide", "post.hide"]
    assert await actions("?action=post.hide") == ["post.hide", "post.hide"]
    assert await actions(f"?actor={w['admin'].id}") == ["post.hide"]
    assert await actions(f"?actor={w['mod'].id}&action=post.hide") == ["post.hide"]
    later = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    assert await actions(f"?since={later.replace('+00:00', 'Z')}") == []
    earlier = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    assert len(await actions(f"?since={earlier.replace('+', '%2B')}")) == 3
    page = await api.ok("GET", f"/spaces/{s}/moderation/audit?limit=2", w["mod"])
    assert len(page["entries"]) == 2 and page["next_before"] == page["entries"][1]["id"]
    rest = await api.ok("GET", f"/spaces/{s}/moderation/audit?before={page['next_before']}",
                        w["mod"])
    assert [e["reason"] for e in rest["entries"]] == ["one"]
    for bad in ("?since=yesterday", "?actor=x", "?limit=0"):
        assert_error(await api.call("GET", f"/spaces/{s}/moderation/audit{bad}", w["mod"]), 422)


async def test_the_audit_log_is_for_admins_and_moderators_the_public_log_for_everyone(
    api: Api, ctx: Context
) -> None:
    w = await moderated_world(api)
    s = w["space"]["id"]
    post = await api.post(w["citizen"], w["topic"]["id"], "Buy cheap watches at example.com")
    await api.ok("POST", f"/spaces/{s}/mutes", w["mod"],
                 {"user_id": w["citizen"].id, "reason": "Selling watches", "rule": "spam"},
                 status=201)
    await api.ok("POST", f"/posts/{post['id']}/hide", w["mod"], {"reason": "Advert"})
    for staff in (w["admin"], w["mod"]):
        assert len((await api.ok("GET", f"/spaces/{s}/moderation/audit", staff))["entries"]) == 2
    assert_error(await api.call("GET", f"/spaces/{s}/moderation/audit", w["citizen"]), 403)
    assert_error(await api.call("GET", f"/spaces/{s}/moderation/audit"), 401)
    for reader in (None, w["citizen"]):
        public = await api.ok("GET", f"/spaces/{s}/moderation/log", reader)
        assert [(e["action"], e["rule"], e["role"]) for e in public["entries"]] == [
            ("post.hide", None, "moderator"), ("user.mute", "spam", "moderator")]
        assert set(public["entries"][0]) == {"id", "action", "rule", "role", "created_at"}
        text = str(public)
        assert "watches" not in text and "Advert" not in text and "Citizen" not in text


async def test_a_private_spaces_logs_are_invisible_to_outsiders(api: Api, ctx: Context) -> None:
    w = await moderated_world(api, ctx, tier="plus")
    private = await api.space(w["admin"], w["org"]["id"], visibility="private", name="Council")
    outsider = await api.user("Outsider")
    for path in ("log", "audit", "queue", "settings"):
        r = await api.call("GET", f"/spaces/{private['id']}/moderation/{path}", outsider)
        assert_error(r, 404)
    assert_error(await api.call("GET", f"/spaces/{private['id']}/moderation/log"), 404)


async def test_the_audit_log_names_what_each_act_was_on(api: Api, ctx: Context) -> None:
    """People read the log: each entry names its person, topic or post, and a
    sanction's end comes as a time, so the page shows no id and no raw date."""
    w = await moderated_world(api)
    s, t = w["space"]["id"], w["topic"]["id"]
    post = await api.post(w["citizen"], t, "Buy cheap watches")
    await api.ok("POST", f"/posts/{post['id']}/hide", w["mod"], {"reason": "Advert"})
    await api.ok("PATCH", f"/topics/{t}", w["mod"], {"locked": True})
    await api.ok("POST", f"/spaces/{s}/mutes", w["mod"],
                 {"user_id": w["citizen"].id, "reason": "Cool down", "duration_seconds": 600},
                 status=201)
    before = datetime.now(UTC)
    entries = (await api.ok("GET", f"/spaces/{s}/moderation/audit", w["mod"]))["entries"]
    mute, lock, hide = entries
    assert mute["target"]["name"] == w["citizen"].display_name
    assert mute["target"]["handle"]
    until = datetime.fromisoformat(mute["until"])
    assert before + timedelta(seconds=590) < until < before + timedelta(seconds=610)
    assert lock["target"] == {"name": w["topic"]["title"], "handle": None, "topic_id": t,
                              "post_id": None}
    assert hide["target"] == {"name": w["topic"]["title"], "handle": None, "topic_id": t,
                              "post_id": post["id"]}
    assert lock["until"] is None and hide["flags"] is None


async def test_a_topic_moved_away_is_not_named_in_the_log_it_left(api: Api, ctx: Context
                                                                 ) -> None:
    """Its title is now the other space's to show (that space may be members-only): the
    log it left says only 'a topic'."""
    w = await moderated_world(api)
    s, t = w["space"]["id"], w["topic"]["id"]
    other = await api.ok("POST", f"/orgs/{w['org']['id']}/spaces", w["admin"],
                         {"name": "Elsewhere"}, status=201)
    await api.ok("POST", f"/topics/{t}/move", w["admin"], {"space_id": other["space"]["id"]})
    entries = (await api.ok("GET", f"/spaces/{s}/moderation/audit", w["admin"]))["entries"]
    moved = [e for e in entries if e["target_type"] == "topic"]
    assert moved and all(e["target"]["name"] is None for e in moved)


async def test_the_audit_log_counts_the_flags_an_act_settled(api: Api, ctx: Context) -> None:
    """A post hidden by its flags, then restored by a moderator who dismissed them: each
    entry says how many flags it settled (the restore once read as none)."""
    w = await moderated_world(api)
    s, t = w["space"]["id"], w["topic"]["id"]
    await api.ok("PATCH", f"/spaces/{s}", w["mod"], {"flag_threshold": 2})
    flaggers = [await api.user(f"Flagger {i}") for i in range(2)]  # older than the post
    post = await api.post(w["citizen"], t, "Everyone here is a fool")
    flags = [(await api.ok("POST", f"/posts/{post['id']}/flags", flagger,
                           {"reason": "abuse"}, status=201))["flag"]["id"] for flagger in flaggers]
    await api.ok("POST", f"/flags/{flags[0]}/resolve", w["mod"], {"action": "dismiss"})
    entries = (await api.ok("GET", f"/spaces/{s}/moderation/audit", w["mod"]))["entries"]
    dismissed, hidden = entries[0], entries[1]
    assert (hidden["action"], hidden["flags"]) == ("post.hide", 2)
    assert (dismissed["action"], dismissed["flags"]) == ("flags.dismiss", 2)
    assert dismissed["detail"] == "2 flags; restored"
