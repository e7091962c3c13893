"""The analytics dashboard (premium): real numbers on a dataset with known times,
who may see it, and its parameters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select, update

from cps.services.context import Actor, Context
from cps.services.discussion import posts
from cps.services.reports import analytics
from cps.storage.models import Flag, Post
from tests.reports.conftest import place, set_post_time, set_topic_time
from tests.support.api import Api, User
from tests.support.direct import set_tier

pytestmark = pytest.mark.anyio


def _midnight() -> datetime:
    now = datetime.now(UTC)
    return datetime(now.year, now.month, now.day, tzinfo=UTC)


def at(days_ago: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return _midnight() - timedelta(days=days_ago) + timedelta(hours=hour, minutes=minute,
                                                              seconds=second)


def day(days_ago: int) -> str:
    return (_midnight() - timedelta(days=days_ago)).date().isoformat()


async def _reply(api: Api, ctx: Context, user: User, topic_id: int, when: datetime,
                 body: str = "A reply", parent_id: int | None = None) -> dict[str, Any]:
    post = await api.post(user, topic_id, body, parent_id=parent_id)
    await set_post_time(ctx, post["id"], when)
    return post


async def _dataset(api: Api, ctx: Context) -> dict[str, Any]:
    """Two spaces of a premium organization, posts spread over the last 10 days.

    Space A: T1 (citizen admin, 5 days ago; replies: the admin herself after 1 min,
    business after 600 s, academia the next day), T2 (business, 2 days ago; the admin
    answers after 1200 s; a government reply, hidden), T3 (academia, yesterday, only
    her own reply: unanswered), T0 (10 days ago, outside a 7-day window; a government
    reply yesterday), a business reply today then deleted, a newcomer's post held for
    review. Space B: T4 (government, 3 days ago; academia answers after 3000 s).
    """
    admin, org, space_a = await place(api, ctx, "premium")
    space_b = await api.space(admin, org["id"], name="Housing")
    biz = await api.user("Shop owner", stakeholder_type="business")
    aca = await api.user("Professor", stakeholder_type="academia")
    gov = await api.user("Ministry", stakeholder_type="government")
    a, b = space_a["id"], space_b["id"]

    t1 = await api.topic(admin, a, "Bike lanes")
    await set_topic_time(ctx, t1["id"], at(5, 10))
    await _reply(api, ctx, admin, t1["id"], at(5, 10, 1), "Adding a detail")
    await _reply(api, ctx, biz, t1["id"], at(5, 10, 10))
    r3 = await _reply(api, ctx, aca, t1["id"], at(4, 9))

    t2 = await api.topic(biz, a, "Parking")
    await set_topic_time(ctx, t2["id"], at(2, 8))
    await _reply(api, ctx, admin, t2["id"], at(2, 8, 20))
    r5 = await _reply(api, ctx, gov, t2["id"], at(2, 9))
    await api.ok("POST", f"/posts/{r5['id']}/hide", admin, {"reason": "Off topic"})

    t3 = await api.topic(aca, a, "Trees")
    await set_topic_time(ctx, t3["id"], at(1, 12))
    await _reply(api, ctx, aca, t3["id"], at(1, 13))

    t0 = await api.topic(admin, a, "Old news")
    await set_topic_time(ctx, t0["id"], at(10, 9))
    await _reply(api, ctx, gov, t0["id"], at(1, 15))

    t4 = await api.topic(gov, b, "Rents")
    await set_topic_time(ctx, t4["id"], at(3, 7))
    r9 = await _reply(api, ctx, aca, t4["id"], at(3, 7, 50))

    r8 = await api.post(biz, t2["id"], "Today, then deleted")  # today: now
    await api.ok("DELETE", f"/posts/{r8['id']}", biz)
    await api.ok("PATCH", f"/spaces/{a}", admin, {"premoderation_posts": 1})
    newcomer = await api.user("Newcomer", stakeholder_type="civil_society")
    held = await api.post(newcomer, t1["id"], "Held for review")
    assert held["pending"] is True

    # A flag on r3 raised 4 days ago and dismissed 5 minutes later; one on r9, open.
    flag = (await api.ok("POST", f"/posts/{r3['id']}/flags", gov, {"reason": "spam"},
                         status=201))["flag"]
    await api.ok("POST", f"/flags/{flag['id']}/resolve", admin, {"action": "dismiss"})
    async with ctx.db.write() as tx:
        await tx.session.execute(update(Flag).where(Flag.id == flag["id"]).values(
            created_at=at(4, 9, 30), resolved_at=at(4, 9, 35)))
    await api.ok("POST", f"/posts/{r9['id']}/flags", biz, {"reason": "off_topic"}, status=201)
    return {"admin": admin, "org": org, "a": a, "b": b, "gov": gov}


def _by_day(body: dict[str, Any]) -> dict[str, tuple[int, int, int]]:
    return {d["day"]: (d["posts"], d["topics"], d["participants"])
            for d in body["participation"]}


async def test_the_organization_dashboard_on_a_known_dataset(api: Api, ctx: Context) -> None:
    w = await _dataset(api, ctx)
    body = await api.ok("GET", f"/orgs/{w['org']['id']}/analytics?days=7", w["admin"])
    assert (body["scope"], body["org_id"], body["space_id"], body["days"]) == (
        "org", w["org"]["id"], None, 7)
    assert body["since"].startswith(day(6))
    assert [d["day"] for d in body["participation"]] == [day(n) for n in range(6, -1, -1)]
    assert _by_day(body) == {
        day(6): (0, 0, 0),
        day(5): (3, 1, 2),
        day(4): (1, 0, 1),
        day(3): (2, 1, 2),
        day(2): (3, 1, 3),
        day(1): (3, 1, 2),
        day(0): (1, 0, 1),  # the deleted post happened; the held one does not count
    }
    assert body["totals"] == {"topics": 4, "posts": 13, "participants": 4, "flags": 2,
                              "hidden_posts": 1}
    assert {s["stakeholder_type"]: (s["participants"], s["posts"])
            for s in body["stakeholders"]} == {
        "citizen": (1, 3), "business": (1, 3), "academia": (1, 4), "government": (1, 3),
        "civil_society": (0, 0)}
    assert body["response_times"] == {"median_seconds": 1200.0, "p90_seconds": 3000.0,
                                      "answered": 3, "unanswered": 1}
    assert body["flag_handling"] == {"median_seconds": 300.0, "p90_seconds": 300.0,
                                     "resolved": 1, "open": 1}


async def test_a_space_dashboard_and_a_shorter_window(api: Api, ctx: Context) -> None:
    w = await _dataset(api, ctx)
    space = await api.ok("GET", f"/spaces/{w['a']}/analytics?days=7", w["admin"])
    assert (space["scope"], space["space_id"]) == ("space", w["a"])
    assert space["totals"] == {"topics": 3, "posts": 11, "participants": 4, "flags": 1,
                               "hidden_posts": 1}
    assert _by_day(space)[day(3)] == (0, 0, 0)
    assert space["response_times"] == {"median_seconds": 900.0, "p90_seconds": 1200.0,
                                       "answered": 2, "unanswered": 1}

    short = await api.ok("GET", f"/orgs/{w['org']['id']}/analytics?days=3", w["admin"])
    assert list(_by_day(short)) == [day(2), day(1), day(0)]
    assert short["totals"] == {"topics": 2, "posts": 7, "participants": 4, "flags": 1,
                               "hidden_posts": 1}
    assert short["response_times"] == {"median_seconds": 1200.0, "p90_seconds": 1200.0,
                                       "answered": 1, "unanswered": 1}
    assert short["flag_handling"] == {"median_seconds": None, "p90_seconds": None,
                                      "resolved": 0, "open": 1}

    # The default window is 30 days: it reaches T0, opened 10 days ago.
    default = await api.ok("GET", f"/orgs/{w['org']['id']}/analytics", w["admin"])
    assert default["days"] == 30 and len(default["participation"]) == 30
    assert default["totals"]["topics"] == 5 and default["totals"]["posts"] == 14
    # T0 was answered 9 days after it opened.
    assert (default["response_times"]["answered"], default["response_times"]["unanswered"]) \
        == (4, 1)


async def test_an_empty_organization_has_a_dashboard_of_zeros(api: Api, ctx: Context) -> None:
    admin, org, _ = await place(api, ctx, "premium")
    body = await api.ok("GET", f"/orgs/{org['id']}/analytics?days=1", admin)
    assert body["participation"] == [{"day": day(0), "posts": 0, "topics": 0,
                                      "participants": 0}]
    assert body["totals"] == {"topics": 0, "posts": 0, "participants": 0, "flags": 0,
                              "hidden_posts": 0}
    assert body["response_times"] == {"median_seconds": None, "p90_seconds": None,
                                      "answered": 0, "unanswered": 0}


def test_percentiles() -> None:
    assert analytics.percentile([], 0.9) is None
    assert analytics.percentile([5.0], 0.9) == 5.0
    assert analytics.percentile([float(n) for n in range(1, 11)], 0.9) == 9.0
    assert analytics.percentile([float(n) for n in range(1, 12)], 0.9) == 10.0
    assert analytics.percentile([3.0, 1.0, 2.0], 0.5) == 2.0


# --- who may see it -------------------------------------------------------------------


async def test_who_may_see_the_dashboards(api: Api, ctx: Context, platform_admin: User) -> None:
    admin, org, space = await place(api, ctx, "premium")
    oid, sid = org["id"], space["id"]
    moderator, citizen = await api.user("Space moderator"), await api.user("Citizen")
    await api.ok("POST", f"/spaces/{sid}/moderators", admin, {"user_id": moderator.id},
                 status=201)
    for path in (f"/orgs/{oid}/analytics", f"/spaces/{sid}/analytics"):
        for allowed in (admin, platform_admin):
            assert (await api.call("GET", path, allowed)).status_code == 200
        r = await api.call("GET", path)
        assert r.status_code == 401 and r.json()["error"]["code"] == "not_signed_in"
        r = await api.call("GET", path, citizen)
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    # A space's moderator sees the space, not the whole organization.
    assert (await api.call("GET", f"/spaces/{sid}/analytics", moderator)).status_code == 200
    assert (await api.call("GET", f"/orgs/{oid}/analytics", moderator)).status_code == 403
    for path in ("/orgs/999999/analytics", "/spaces/999999/analytics"):
        r = await api.call("GET", path, admin)
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


async def test_a_private_space_dashboard_is_invisible_to_non_members(api: Api, ctx: Context) -> None:
    admin, _, space = await place(api, ctx, "premium", "private")
    stranger = await api.user("Stranger")
    r = await api.call("GET", f"/spaces/{space['id']}/analytics", stranger)
    assert r.status_code == 404
    assert (await api.call("GET", f"/spaces/{space['id']}/analytics", admin)).status_code == 200


@pytest.mark.parametrize("tier", ["free", "plus"])
async def test_below_premium_the_dashboards_answer_402(api: Api, ctx: Context, tier: str) -> None:
    admin, org, space = await place(api, ctx, tier)
    for path in (f"/orgs/{org['id']}/analytics", f"/spaces/{space['id']}/analytics"):
        r = await api.call("GET", path, admin)
        assert r.status_code == 402, r.text
        error = r.json()["error"]
        assert error["code"] == "tier_required" and error["required_tier"] == "premium"
    await set_tier(ctx, org["id"], "premium")
    assert (await api.call("GET", f"/orgs/{org['id']}/analytics", admin)).status_code == 200


@pytest.mark.parametrize("days", ["0", "366", "-1", "abc", "7.5", ""])
async def test_a_bad_window_is_refused_in_the_error_envelope(api: Api, ctx: Context, days: str) -> None:
    admin, org, space = await place(api, ctx, "premium")
    for path in (f"/orgs/{org['id']}/analytics", f"/spaces/{space['id']}/analytics"):
        r = await api.call("GET", path, admin, params={"days": days})
        assert r.status_code == 422, r.text
        error = r.json()["error"]
        assert error["code"] == "invalid" and "days" in error["fields"]


# --- cost -----------------------------------------------------------------------------


async def test_ten_thousand_posts_are_summed_up(api: Api, ctx: Context) -> None:
    admin, org, space = await place(api, ctx, "premium")
    topics = [await api.topic(admin, space["id"], f"Topic {i}") for i in range(10)]
    people = [await api.user(f"Voice {i}", stakeholder_type=kind)
              for i, kind in enumerate(analytics.STAKEHOLDER_TYPES)]
    start = _midnight() - timedelta(days=29)
    # 9,990 replies spread over the last 30 days, 4 minutes apart, written in bulk
    # (their tree paths set afterwards, as posts.insert_post does one at a time).
    rows = [{"topic_id": topics[n % 10]["id"], "author_id": people[n % 5].id, "depth": 0,
             "path": f"bulk{n}", "body": f"Reply {n}", "html": f"<p>Reply {n}</p>",
             "client_id": f"bulk-{n}", "created_at": start + timedelta(minutes=4 * n)}
            for n in range(9990)]
    async with ctx.db.write() as tx:
        for i in range(0, len(rows), 500):
            await tx.session.execute(insert(Post), rows[i:i + 500])
        ids = (await tx.session.scalars(
            select(Post.id).where(Post.client_id.like("bulk-%")))).all()
        paths = [{"id": post_id, "path": str(post_id).zfill(posts.PATH_WIDTH)}
                 for post_id in ids]
        for i in range(0, len(paths), 500):
            await tx.session.execute(update(Post), paths[i:i + 500])
    user = Actor(id=admin.id, display_name="Admin", stakeholder_type="citizen",
                 is_platform_admin=False)
    # How fast is for benchmarks (bench/README.md), not for a test on a shared machine.
    view = await analytics.for_org(ctx, user, org["id"], 30)
    assert view.totals.posts == 10_000
    assert sum(d.posts for d in view.participation) == 10_000
    assert view.totals.participants == 6
    assert [s.posts for s in view.stakeholders] == [1998 + 10, 1998, 1998, 1998, 1998]
