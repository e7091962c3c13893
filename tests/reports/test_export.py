"""Export of a space (plus): who may, what it holds, CSV safety, streaming."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest

from cps.services.context import Actor, Context
from cps.services.discussion import posts
from cps.services.reports import exports
from cps.services.reports.views import ExportDocument
from cps.storage.models import Topic
from tests.reports.conftest import place
from tests.support.api import Api, User
from tests.support.direct import set_tier

pytestmark = pytest.mark.anyio


async def _discussion(api: Api, ctx: Context) -> dict[str, Any]:
    """A plus space with a thread holding every kind of post."""
    admin, org, space = await place(api, ctx, "plus")
    sid = space["id"]
    citizen = await api.user("Citizen", stakeholder_type="business")
    topic = await api.topic(admin, sid, "Bike lanes", "Where should they go?")
    tid = topic["id"]
    opening = (await api.ok("GET", f"/topics/{tid}/posts"))["posts"][0]
    reply = await api.post(citizen, tid, "On Main Street", parent_id=opening["id"])
    nested = await api.post(admin, tid, "Why there?", parent_id=reply["id"])
    hidden = await api.post(citizen, tid, "Rude words")
    await api.ok("POST", f"/posts/{hidden['id']}/hide", admin, {"reason": "Be civil"})
    deleted = await api.post(citizen, tid, "Second thoughts, my secret text")
    await api.ok("DELETE", f"/posts/{deleted['id']}", citizen)
    for kind, who in (("like", admin), ("agree", admin), ("agree", citizen)):
        await api.ok("POST", f"/posts/{reply['id']}/reactions", who, {"kind": kind})
    await api.ok("PATCH", f"/spaces/{sid}", admin, {"premoderation_posts": 1})
    newcomer = await api.user("Newcomer", stakeholder_type="academia")
    pending = await api.post(newcomer, tid, "Held for review")
    rejected = await api.post(newcomer, tid, "Held and turned down")
    await api.ok("POST", f"/posts/{rejected['id']}/reject", admin, {"reason": "Off topic"})
    other = await api.topic(citizen, sid, "Night buses", "Line 7 at 2am")
    return {
        "admin": admin, "org": org, "space": space, "citizen": citizen, "newcomer": newcomer,
        "topic": topic, "other": other,
        "ids": {"opening": opening["id"], "reply": reply["id"], "nested": nested["id"],
                "hidden": hidden["id"], "deleted": deleted["id"], "pending": pending["id"],
                "rejected": rejected["id"]},
    }


async def test_json_export_holds_every_topic_and_post_with_status_and_reactions(api: Api, ctx: Context) -> None:
    w = await _discussion(api, ctx)
    ids = w["ids"]
    r = await api.call("GET", f"/spaces/{w['space']['id']}/export", w["admin"])
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    assert re.fullmatch(
        rf'attachment; filename="space-{w["space"]["id"]}-mobility-\d{{4}}-\d\d-\d\d\.json"',
        r.headers["content-disposition"])
    doc = r.json()
    ExportDocument.model_validate(doc)
    assert doc["space"]["name"] == "Mobility"
    assert doc["space"]["org_name"] == w["org"]["name"]
    assert [t["title"] for t in doc["topics"]] == ["Bike lanes", "Night buses"]
    first = doc["topics"][0]
    by_id = {p["id"]: p for p in first["posts"]}
    # Thread order: every post before its replies, siblings oldest first.
    assert [p["id"] for p in first["posts"]] == [
        ids["opening"], ids["reply"], ids["nested"], ids["hidden"], ids["deleted"],
        ids["pending"], ids["rejected"]]
    assert {k: by_id[v]["status"] for k, v in ids.items()} == {
        "opening": "visible", "reply": "visible", "nested": "visible", "hidden": "hidden",
        "deleted": "deleted", "pending": "pending", "rejected": "rejected"}
    assert by_id[ids["nested"]]["parent_id"] == ids["reply"]
    assert by_id[ids["nested"]]["depth"] == 2
    assert by_id[ids["reply"]]["author"] == {
        "id": w["citizen"].id, "display_name": "Citizen", "handle": "citizen",
        "stakeholder_type": "business", "official": None}
    assert by_id[ids["reply"]]["reactions"] == {
        "like": 1, "agree": 2, "disagree": 0, "insightful": 0, "thanks": 0}
    # Hidden, held and rejected posts keep their text for moderators; a deleted one loses it.
    assert by_id[ids["hidden"]]["body"] == "Rude words"
    assert by_id[ids["hidden"]]["hidden_reason"] == "Be civil"
    assert by_id[ids["pending"]]["body"] == "Held for review"
    assert by_id[ids["deleted"]]["body"] is None
    assert by_id[ids["deleted"]]["hidden_reason"] is None
    assert "secret text" not in r.text
    # No email or other private data.
    for user in (w["admin"], w["citizen"], w["newcomer"]):
        assert user.email not in r.text
    assert "password" not in r.text
    assert doc["topics"][1]["author"]["display_name"] == "Citizen"
    assert [p["body"] for p in doc["topics"][1]["posts"]] == ["Line 7 at 2am"]


async def test_an_empty_space_exports_as_an_empty_list(api: Api, ctx: Context) -> None:
    admin, _, space = await place(api, ctx, "premium")
    doc = await api.ok("GET", f"/spaces/{space['id']}/export?format=json", admin)
    assert doc["topics"] == []
    r = await api.call("GET", f"/spaces/{space['id']}/export?format=csv", admin)
    assert r.text == ",".join(exports.CSV_COLUMNS) + "\r\n"


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


async def test_csv_export_round_trips_awkward_text(api: Api, ctx: Context) -> None:
    admin, _, space = await place(api, ctx, "plus")
    citizen = await api.user('Kim "the cyclist", Seoul')
    awkward = [
        'Commas, "quotes" and\nnew lines\r\nof every kind',
        "Unicode: 서울 자전거 — café ✓ 🚲",
        "Trailing spaces and a tab\tinside   ",
    ]
    topic = await api.topic(admin, space["id"], 'A "quoted", title', "Opening")
    for body in awkward:
        await api.post(citizen, topic["id"], body)
    r = await api.call("GET", f"/spaces/{space['id']}/export?format=csv", admin)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"].endswith('.csv"')
    r.content.decode("utf-8")  # valid UTF-8
    rows = _rows(r.text)
    assert list(rows[0]) == list(exports.CSV_COLUMNS)
    assert [row["body"] for row in rows] == ["Opening", *awkward]
    assert {row["topic_title"] for row in rows} == {'A "quoted", title'}
    assert rows[1]["author_name"] == 'Kim "the cyclist", Seoul'
    assert rows[1]["status"] == "visible"
    assert rows[0]["parent_id"] == "" and rows[0]["depth"] == "0"
    assert [int(row["post_id"]) for row in rows] == sorted(int(row["post_id"]) for row in rows)


async def test_csv_cells_that_a_spreadsheet_would_run_get_an_apostrophe(api: Api, ctx: Context) -> None:
    admin, _, space = await place(api, ctx, "plus")
    attacker = await api.user("=HYPERLINK(\"http://evil\")")
    topic = await api.topic(admin, space["id"], "=1+1", "Opening")
    dangerous = ["=SUM(A1:A9)", "+1 555", "-2+3", "@cmd", "\tindent", "\rcarriage",
                 "=cmd|' /C calc'!A0"]
    for body in dangerous:
        await api.post(attacker, topic["id"], body)
    await api.post(attacker, topic["id"], "A plain = sign inside is fine")
    r = await api.call("GET", f"/spaces/{space['id']}/export?format=csv", admin)
    rows = _rows(r.text)
    assert [row["body"] for row in rows[1:]] == [
        *("'" + body for body in dangerous), "A plain = sign inside is fine"]
    assert rows[0]["topic_title"] == "'=1+1"
    assert rows[1]["author_name"] == "'=HYPERLINK(\"http://evil\")"
    # JSON keeps the text as written: it is data, not a spreadsheet.
    doc = await api.ok("GET", f"/spaces/{space['id']}/export", admin)
    assert doc["topics"][0]["posts"][1]["body"] == "=SUM(A1:A9)"


async def test_csv_export_shows_status_and_drops_deleted_text(api: Api, ctx: Context) -> None:
    w = await _discussion(api, ctx)
    r = await api.call("GET", f"/spaces/{w['space']['id']}/export?format=csv", w["admin"])
    rows = {int(row["post_id"]): row for row in _rows(r.text)}
    ids = w["ids"]
    assert rows[ids["deleted"]]["status"] == "deleted"
    assert rows[ids["deleted"]]["body"] == ""
    assert rows[ids["hidden"]]["hidden_reason"] == "Be civil"
    assert rows[ids["pending"]]["status"] == "pending"
    assert rows[ids["rejected"]]["status"] == "rejected"
    assert rows[ids["reply"]]["reactions_agree"] == "2"
    assert rows[ids["nested"]]["parent_id"] == str(ids["reply"])
    assert "secret text" not in r.text
    assert w["citizen"].email not in r.text


# --- who may export ------------------------------------------------------------------


async def test_who_may_export(api: Api, ctx: Context) -> None:
    admin, org, space = await place(api, ctx, "plus")
    sid = space["id"]
    moderator, citizen = await api.user("Space moderator"), await api.user("Citizen")
    await api.ok("POST", f"/spaces/{sid}/moderators", admin, {"user_id": moderator.id},
                 status=201)
    await api.topic(citizen, sid)
    for allowed in (admin, moderator):
        assert (await api.call("GET", f"/spaces/{sid}/export", allowed)).status_code == 200
    r = await api.call("GET", f"/spaces/{sid}/export", citizen)
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    r = await api.call("GET", f"/spaces/{sid}/export")
    assert r.status_code == 401 and r.json()["error"]["code"] == "not_signed_in"
    r = await api.call("GET", "/spaces/999999/export", admin)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    # A moderator of another space of the same organization is no moderator here.
    other = await api.space(admin, org["id"], name="Housing")
    r = await api.call("GET", f"/spaces/{other['id']}/export", moderator)
    assert r.status_code == 403


async def test_a_private_space_is_invisible_to_non_members(api: Api, ctx: Context) -> None:
    admin, _, space = await place(api, ctx, "plus", "private")
    member, stranger = await api.user("Member"), await api.user("Stranger")
    await api.ok("POST", f"/spaces/{space['id']}/members", admin, {"user_id": member.id},
                 status=201)
    r = await api.call("GET", f"/spaces/{space['id']}/export", stranger)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = await api.call("GET", f"/spaces/{space['id']}/export", member)
    assert r.status_code == 403
    assert (await api.call("GET", f"/spaces/{space['id']}/export", admin)).status_code == 200


async def test_a_platform_admin_may_export_any_space(api: Api, ctx: Context, platform_admin: User) -> None:
    _, _, space = await place(api, ctx, "plus", "private")
    r = await api.call("GET", f"/spaces/{space['id']}/export?format=csv", platform_admin)
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("fmt", ["xml", "CSV", "", "json,csv"])
async def test_an_unknown_format_is_refused_in_the_error_envelope(api: Api, ctx: Context, fmt: str) -> None:
    admin, _, space = await place(api, ctx, "plus")
    r = await api.call("GET", f"/spaces/{space['id']}/export", admin, params={"format": fmt})
    # An empty value is not one of the declared choices either (absent is the default).
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid" and "format" in error["fields"]


async def test_below_plus_the_export_answers_402(api: Api, ctx: Context) -> None:
    admin, _, space = await place(api, ctx, "free")
    await api.topic(admin, space["id"])
    for fmt in ("json", "csv"):
        r = await api.call("GET", f"/spaces/{space['id']}/export?format={fmt}", admin)
        assert r.status_code == 402, r.text
        assert r.headers["content-type"] == "application/json"
        assert "content-disposition" not in r.headers
        error = r.json()["error"]
        assert error["code"] == "tier_required" and error["required_tier"] == "plus"
    # A citizen is told they may not, whatever the tier.
    citizen = await api.user("Citizen")
    assert (await api.call("GET", f"/spaces/{space['id']}/export", citizen)).status_code == 403
    await set_tier(ctx, (await api.ok("GET", f"/spaces/{space['id']}"))["space"]["org_id"],
                   "plus")
    assert (await api.call("GET", f"/spaces/{space['id']}/export", admin)).status_code == 200


# --- a large space, streamed -----------------------------------------------------------


async def _fill(ctx: Context, actor_id: int, topic_ids: list[int], per_topic: int) -> None:
    """Write posts through the posts service, in one transaction per topic."""
    actor = Actor(id=actor_id, display_name="Admin", stakeholder_type="citizen",
                  is_platform_admin=False)
    for tid in topic_ids:
        async with ctx.db.write() as tx:
            topic = await tx.session.get(Topic, tid)
            assert topic is not None
            for i in range(per_topic):
                await posts.insert_post(tx, topic, actor, body=f"Reply {i}, topic {tid}",
                                        parent=None, client_id=None)


async def test_a_large_space_is_streamed_a_page_at_a_time_with_every_post(api: Api, ctx: Context) -> None:
    admin, _, space = await place(api, ctx, "plus")
    topics = [await api.topic(admin, space["id"], f"Topic {i}") for i in range(3)]
    await _fill(ctx, admin.id, [t["id"] for t in topics], 833)  # 3 topics of 834 = 2,502 posts
    user = Actor(id=admin.id, display_name="Admin", stakeholder_type="citizen",
                 is_platform_admin=False)
    export = await exports.open_export(ctx, user, space["id"], "csv")
    assert export.total_posts == 2502
    seen: list[int] = []
    chunks = [chunk async for chunk in export.chunks(seen.append)]
    # The header, then pages of at most PAGE rows (2,000: a page ends inside a topic).
    pages = [*range(exports.PAGE, 2502, exports.PAGE), 2502]
    assert len(pages) >= 2 and len(chunks) == 1 + len(pages)
    assert seen == pages

    r = await api.call("GET", f"/spaces/{space['id']}/export?format=csv", admin)
    rows = _rows(r.text)
    assert len(rows) == 2502
    # Topic after topic, each topic's posts in id order (they are all replies to it).
    keys = [(int(row["topic_id"]), int(row["post_id"])) for row in rows]
    assert keys == sorted(keys) and len(set(keys)) == 2502
    assert [k[0] for k in keys] == sorted([t["id"] for t in topics] * 834)
    ids = [k[1] for k in keys]

    doc = (await api.call("GET", f"/spaces/{space['id']}/export", admin)).json()
    ExportDocument.model_validate(doc)
    assert [len(t["posts"]) for t in doc["topics"]] == [834, 834, 834]
    json_ids = [p["id"] for t in doc["topics"] for p in t["posts"]]
    assert json_ids == ids
