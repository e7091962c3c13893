"""Each kind of notification produced by the real act over the API, on both databases:
moderation, flag outcomes, appeal answers, tier decisions, question status; and the
event each sends to the person's pages."""

from __future__ import annotations

import pytest

from cps.services.context import Context
from cps.storage.models import OrgAdmin
from tests.moderation.conftest import moderated_world
from tests.notifications.support import heard, kinds, notes, unread
from tests.support.api import Api
from tests.support.direct import platform_admin

pytestmark = pytest.mark.anyio


async def test_a_moderator_hiding_a_post_tells_its_author(api: Api, ctx: Context) -> None:
    w = await moderated_world(api)
    post = await api.post(w["citizen"], w["topic"]["id"], "Loud opinion")
    await api.ok("POST", f"/posts/{post['id']}/hide", w["mod"], {"reason": "Insulting"})
    [note] = await notes(api, w["citizen"])
    assert note["kind"] == "moderation" and note["post_id"] == post["id"]
    assert note["data"] == {"action": "post.hidden", "reason": "Insulting"}
    assert note["topic_title"] == "Bike lanes" and note["space_name"] == "Mobility"
    assert note["actor"] is None and note["read_at"] is None and note["count"] == 1
    assert await unread(api, w["citizen"]) == 1
    [event] = await heard(ctx, w["citizen"])
    assert event["unread_count"] == 1 and event["notification"]["id"] == note["id"]
    # An event carries ids, never names read later (docs/notifications.md).
    assert "topic_title" not in event["notification"]
    assert await notes(api, w["mod"]) == []


async def test_flaggers_hear_the_outcome_even_when_the_post_is_hidden(
        api: Api, ctx: Context) -> None:
    w = await moderated_world(api)
    post = await api.post(w["admin"], w["topic"]["id"], "Spam spam")
    flag = (await api.ok("POST", f"/posts/{post['id']}/flags", w["citizen"],
                         {"reason": "spam"}, status=201))["flag"]
    await api.ok("POST", f"/flags/{flag['id']}/resolve", w["mod"], {"action": "hide"})
    [note] = await notes(api, w["citizen"])
    assert note["kind"] == "flag_outcome" and note["data"]["outcome"] == "hidden"
    assert note["post_id"] == post["id"] and note["topic_id"] == w["topic"]["id"]


async def test_an_appeal_answer_tells_who_appealed(api: Api, ctx: Context) -> None:
    w = await moderated_world(api)
    post = await api.post(w["citizen"], w["topic"]["id"], "Sharp criticism")
    await api.ok("POST", f"/posts/{post['id']}/hide", w["mod"], {"reason": "Insulting"})
    appeal = (await api.ok("POST", f"/posts/{post['id']}/appeal", w["citizen"],
                           {"text": "It was fair"}, status=201))["appeal"]
    await api.ok("POST", f"/appeals/{appeal['id']}/answer", w["admin"],
                 {"decision": "overturn", "reason": "You are right"})
    got = await notes(api, w["citizen"])
    assert [n["kind"] for n in got] == ["appeal_answer", "moderation"]
    answer = got[0]
    assert answer["actor"]["id"] == w["admin"].id
    assert answer["data"]["decision"] == "overturn" and answer["data"]["reason"] == "You are right"
    # The restore is told by the answer itself, not by a second moderation notification.
    assert got[1]["count"] == 1 and got[1]["data"]["action"] == "post.hidden"


async def test_a_tier_decision_tells_every_admin_of_the_organization(
        api: Api, ctx: Context) -> None:
    root = await platform_admin(ctx, api)
    admin, other = await api.user("Seoul Admin"), await api.user("Second Admin")
    org = await api.org(admin)
    async with ctx.db.write() as tx:  # no endpoint names a second admin yet
        tx.session.add(OrgAdmin(org_id=org["id"], user_id=other.id))
    req = (await api.ok("POST", f"/orgs/{org['id']}/upgrade-requests", admin,
                        {"tier": "plus"}))["upgrade_request"]
    await api.ok("POST", f"/admin/upgrade-requests/{req['id']}/approve", root,
                 {"reason": "Paid"})
    for person in (admin, other):
        [note] = await notes(api, person)
        assert note["kind"] == "tier_decision" and note["actor"]["id"] == root.id
        assert note["data"]["decision"] == "approved" and note["data"]["to_tier"] == "plus"
        assert note["space_id"] is None and note["topic_id"] is None
    await api.ok("POST", f"/admin/orgs/{org['id']}/tier", root,
                 {"tier": "free", "reason": "Unpaid"})
    assert await kinds(api, admin) == ["tier_decision", "tier_decision"]
    assert (await notes(api, admin))[0]["data"]["decision"] == "changed"
    assert await notes(api, root) == []


async def test_a_question_status_change_tells_the_asker(api: Api, ctx: Context) -> None:
    w = await moderated_world(api)
    topic = (await api.ok("POST", f"/spaces/{w['space']['id']}/topics", w["citizen"],
                          {"title": "Bus stop?", "body": "When?", "kind": "question"}))["topic"]
    await api.ok("POST", f"/topics/{topic['id']}/status", w["mod"],
                 {"status": "acknowledged"})
    [note] = await notes(api, w["citizen"])
    assert note["kind"] == "question_status" and note["data"] == {"status": "acknowledged"}
    assert note["actor"]["id"] == w["mod"].id and note["topic_title"] == "Bus stop?"
    await api.ok("POST", f"/topics/{topic['id']}/status", w["mod"],
                 {"status": "declined", "reason": "Not ours"})
    [note] = await notes(api, w["citizen"])
    assert note["count"] == 2 and note["data"] == {"status": "declined"}
    assert await unread(api, w["citizen"]) == 1
