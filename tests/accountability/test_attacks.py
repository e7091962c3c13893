"""Civic accountability attacked from outside, over the real API: other people's tokens
and forged ids, odd input, private spaces leaking into the reports or the live channel
(docs/accountability.md, docs/api.md "Questions to the city" and "Responsiveness
reports"). Every refusal is the contract's error envelope, never a 500."""

from __future__ import annotations

import base64
import functools
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from cps.services.context import Context
from tests.api.helpers import assert_error
from tests.live.helpers import set_tier
from tests.support.api import Api, User
from tests.support.clients import live_client
from tests.support.direct import tiers_in
from tests.support.servers import InProcessServer
from tests.support.world import Builder

pytestmark = pytest.mark.anyio

BEYOND = 2**31
SECRET = "Secret council question about the mayor"


@dataclass
class Cities:
    """Seoul (plus tier: a public space with a moderator, a private one with a member,
    an official) and Busan (its admin, its official, a space of its own), and a citizen
    who is none of these."""

    seoul_admin: User
    seoul: dict[str, Any]
    space: dict[str, Any]
    private: dict[str, Any]
    member: User
    mod: User
    official: User
    citizen: User
    busan_admin: User
    busan: dict[str, Any]
    busan_space: dict[str, Any]
    busan_official: User


async def cities(api: Api, build: Builder) -> Cities:
    seoul_admin = await api.user("Seoul Admin")
    seoul = await build.org(seoul_admin, "City of Seoul", tier="plus")
    mod = await api.user("Mona Keeper")
    member = await api.user("Council Member")
    space = await build.space(seoul_admin, seoul["id"], name="Streets", moderators=[mod])
    private = await build.space(seoul_admin, seoul["id"], "private", name="Council",
                                members=[member])
    official = await api.user("Min-ji Clerk", "government")
    await api.ok("POST", f"/orgs/{seoul['id']}/officials", seoul_admin, {"user_id": official.id})
    busan_admin = await api.user("Busan Admin")
    busan = await build.org(busan_admin, "City of Busan")
    busan_space = await build.space(busan_admin, busan["id"], name="Harbour")
    busan_official = await api.user("Busan Clerk", "government")
    await api.ok("POST", f"/orgs/{busan['id']}/officials", busan_admin,
                 {"user_id": busan_official.id})
    citizen = await api.user("Ji-woo Citizen")
    return Cities(seoul_admin, seoul, space, private, member, mod, official, citizen,
                  busan_admin, busan, busan_space, busan_official)


async def ask(api: Api, user: User, space_id: int,
              title: str = "When is the bus stop fixed?") -> dict[str, Any]:
    body = await api.ok("POST", f"/spaces/{space_id}/topics", user,
                        {"title": title, "body": "It has been broken for a month.",
                         "kind": "question"})
    return dict(body["topic"])


async def status_of(api: Api, topic_id: int, user: User | None = None) -> str:
    return str((await api.ok("GET", f"/topics/{topic_id}", user))["topic"]["question"]["status"])


async def history(api: Api, topic_id: int, user: User | None = None) -> list[dict[str, Any]]:
    return list((await api.ok("GET", f"/topics/{topic_id}/status-history", user))["changes"])


def no_crash(response: httpx.Response) -> None:
    """Not a 500, not a stack trace; an error is in the envelope."""
    assert response.status_code < 500, (response.status_code, response.text)
    assert "Traceback" not in response.text
    if response.status_code >= 400:
        assert_error(response, response.status_code)


# --- other people's tokens and forged ids ---------------------------------------------


async def test_another_citys_admin_names_and_removes_no_official_of_ours(
    api: Api, ctx: Context
) -> None:
    c = await cities(api, Builder(api, tiers=tiers_in(ctx)))
    seoul = c.seoul["id"]
    assert_error(await api.call("POST", f"/orgs/{seoul}/officials", c.busan_admin,
                                {"user_id": c.citizen.id}), 403)
    assert_error(await api.call("POST", f"/orgs/{seoul}/officials", c.busan_official,
                                {"user_id": c.busan_official.id}), 403)
    assert_error(await api.call("POST", f"/orgs/{seoul}/officials", c.mod,
                                {"user_id": c.mod.id}), 403)
    assert_error(await api.call("POST", f"/orgs/{seoul}/officials", None,
                                {"user_id": c.citizen.id}), 401)
    removed = await api.call("DELETE", f"/orgs/{seoul}/officials/{c.official.id}", c.busan_admin)
    assert removed.status_code in (403, 404)
    assert_error(removed, removed.status_code)
    # An official is no admin: they name nobody either.
    assert_error(await api.call("POST", f"/orgs/{seoul}/officials", c.official,
                                {"user_id": c.citizen.id}), 403)
    listed = (await api.ok("GET", f"/orgs/{seoul}/officials"))["officials"]
    assert [o["user"]["id"] for o in listed] == [c.official.id]
    assert "email" not in str(listed)
    # Forged ids and bodies.
    for org_id in (0, BEYOND, 99_999_999):
        assert_error(await api.call("POST", f"/orgs/{org_id}/officials", c.seoul_admin,
                                    {"user_id": c.citizen.id}), 404)
        assert_error(await api.call("GET", f"/orgs/{org_id}/officials"), 404)
    for user_id in (BEYOND, 0, -1, "1", True, None, 1.5, [1]):
        assert_error(await api.call("POST", f"/orgs/{seoul}/officials", c.seoul_admin,
                                    {"user_id": user_id}), 422)
    assert_error(await api.call("POST", f"/orgs/{seoul}/officials", c.seoul_admin,
                                {"user_id": 99_999_999}), 404)
    assert_error(await api.call("DELETE", f"/orgs/{seoul}/officials/{BEYOND}",
                                c.seoul_admin), 404)


async def test_nobody_but_the_citys_staff_moves_a_question(api: Api, ctx: Context) -> None:
    c = await cities(api, Builder(api, tiers=tiers_in(ctx)))
    topic = await ask(api, c.citizen, c.space["id"])
    t = topic["id"]
    for outsider in (c.busan_official, c.busan_admin, c.citizen, c.member, await api.user()):
        for status in ("acknowledged", "answered", "declined"):
            body: dict[str, Any] = {"status": status}
            if status == "declined":
                body["reason"] = "Not ours"
            assert_error(await api.call("POST", f"/topics/{t}/status", outsider, body), 403)
    assert_error(await api.call("POST", f"/topics/{t}/status", None,
                                {"status": "acknowledged"}), 401)
    # A moderator of Busan's space is nobody in Seoul's.
    busan_mod = await api.user("Busan Mod")
    await api.ok("POST", f"/spaces/{c.busan_space['id']}/moderators", c.busan_admin,
                 {"user_id": busan_mod.id})
    assert_error(await api.call("POST", f"/topics/{t}/status", busan_mod,
                                {"status": "acknowledged"}), 403)
    assert await status_of(api, t) == "open"
    assert len(await history(api, t)) == 1
    # Seoul's official moves nothing in Busan's space.
    busan_q = await ask(api, c.citizen, c.busan_space["id"])
    assert_error(await api.call("POST", f"/topics/{busan_q['id']}/status", c.official,
                                {"status": "acknowledged"}), 403)
    assert_error(await api.call("POST", f"/topics/{busan_q['id']}/status", c.seoul_admin,
                                {"status": "acknowledged"}), 403)
    assert await status_of(api, busan_q["id"]) == "open"
    # Only moderators and admins make a discussion a question: not an official.
    talk = await api.topic(c.citizen, c.space["id"], "Chat")
    for user in (c.official, c.citizen):
        assert_error(await api.call("POST", f"/topics/{talk['id']}/status", user,
                                    {"status": "open"}), 403)
    # Forged topic ids.
    for topic_id in (0, BEYOND, 99_999_999):
        assert_error(await api.call("POST", f"/topics/{topic_id}/status", c.official,
                                    {"status": "acknowledged"}), 404)
        assert_error(await api.call("GET", f"/topics/{topic_id}/status-history"), 404)


async def test_banned_and_muted_people_ask_nothing_and_a_muted_official_answers_nothing(
    api: Api, ctx: Context
) -> None:
    c = await cities(api, Builder(api, tiers=tiers_in(ctx)))
    s = c.space["id"]
    banned, muted = await api.user("Banned"), await api.user("Muted")
    await api.ok("POST", f"/spaces/{s}/bans", c.mod, {"user_id": banned.id, "reason": "Spam"},
                 status=201)
    await api.ok("POST", f"/spaces/{s}/mutes", c.mod, {"user_id": muted.id, "reason": "Calm"},
                 status=201)
    for user, code in ((banned, "banned"), (muted, "muted")):
        assert_error(await api.call("POST", f"/spaces/{s}/topics", user,
                                    {"title": "Why?", "body": "Tell me", "kind": "question"}),
                     403, code)
    listed = (await api.ok("GET", f"/spaces/{s}/topics"))["topics"]
    assert all(t["title"] != "Why?" for t in listed)
    # An official muted in the space: their post is refused and answers nothing.
    topic = await ask(api, c.citizen, s)
    await api.ok("POST", f"/spaces/{s}/mutes", c.mod,
                 {"user_id": c.official.id, "reason": "Cool off"}, status=201)
    assert_error(await api.call("POST", f"/topics/{topic['id']}/posts", c.official,
                                {"body": "The answer"}), 403, "muted")
    assert await status_of(api, topic["id"]) == "open"
    # A banned asker is still answered (the city's answer is public), and reads the history.
    await api.ok("POST", f"/spaces/{s}/bans", c.mod,
                 {"user_id": c.citizen.id, "reason": "Spam"}, status=201)
    await api.ok("POST", f"/topics/{topic['id']}/status", c.seoul_admin,
                 {"status": "answered", "note": "Fixed on Monday"})
    assert await status_of(api, topic["id"]) == "answered"


async def test_a_private_spaces_question_is_not_found_by_outsiders(
    api: Api, ctx: Context
) -> None:
    c = await cities(api, Builder(api, tiers=tiers_in(ctx)))
    topic = await ask(api, c.member, c.private["id"], SECRET)
    t = topic["id"]
    outsiders: list[User | None] = [c.citizen, c.busan_admin, c.busan_official, c.mod, None]
    for outsider in outsiders:
        assert_error(await api.call("GET", f"/topics/{t}/status-history", outsider), 404)
        assert_error(await api.call("GET", f"/topics/{t}", outsider), 404)
        if outsider is not None:
            r = await api.call("POST", f"/topics/{t}/status", outsider,
                               {"status": "acknowledged"})
            assert_error(r, 404)
            assert SECRET not in r.text
        assert_error(await api.call("GET", f"/spaces/{c.private['id']}/responsiveness",
                                    outsider), 404)
    assert len(await history(api, t, c.member)) == 1
    # An official who is not a member may not read the space: 404 as to anyone (docs/api.md:
    # "404 for a topic the caller may not read"); the city's admin moves it, the member sees.
    assert_error(await api.call("POST", f"/topics/{t}/status", c.official,
                                {"status": "acknowledged"}), 404)
    await api.ok("POST", f"/topics/{t}/status", c.seoul_admin, {"status": "acknowledged"})
    assert [ch["to"] for ch in await history(api, t, c.member)] == ["open", "acknowledged"]


async def test_a_private_spaces_questions_stay_out_of_the_public_reports(
    api: Api, ctx: Context
) -> None:
    c = await cities(api, Builder(api, tiers=tiers_in(ctx)))
    secret = await ask(api, c.member, c.private["id"], SECRET)
    public = await ask(api, c.citizen, c.space["id"], "Public question")
    await api.ok("POST", f"/topics/{secret['id']}/status", c.seoul_admin, {"status": "answered"})
    await api.post(c.official, public["id"], "Answered in public")
    readers: list[User | None] = [None, c.citizen, c.member, c.seoul_admin, c.official]
    for reader in readers:
        org = await api.call("GET", f"/orgs/{c.seoul['id']}/responsiveness", reader)
        network = await api.call("GET", "/responsiveness", reader)
        space = await api.call("GET", f"/spaces/{c.space['id']}/responsiveness", reader)
        for r in (org, network, space):
            assert r.status_code == 200, r.text
            assert SECRET not in r.text and "Council" not in r.text
        for body in (org.json(), network.json(), space.json()):
            assert (body["asked"], body["answered"]) == (1, 1), body
        assert [(o["org"]["id"], o["asked"]) for o in network.json()["orgs"]] == [
            (c.seoul["id"], 1)]
        listed = await api.call("GET", f"/spaces/{c.space['id']}/topics", reader)
        assert SECRET not in listed.text
    # The private space's own report counts it, for those who may read the space.
    for insider in (c.member, c.seoul_admin):
        mine = await api.ok("GET", f"/spaces/{c.private['id']}/responsiveness", insider)
        assert (mine["asked"], mine["answered"]) == (1, 1)


async def test_a_hidden_or_deleted_answer_leaves_no_text_in_the_history(
    api: Api, ctx: Context
) -> None:
    c = await cities(api, Builder(api, tiers=tiers_in(ctx)))
    first = await ask(api, c.citizen, c.space["id"])
    hidden = await api.post(c.official, first["id"], "Hidden answer text zebra")
    await api.ok("POST", f"/posts/{hidden['id']}/hide", c.mod, {"reason": "Wrong"})
    second = await ask(api, c.citizen, c.space["id"], "And the lights?")
    deleted = await api.post(c.official, second["id"], "Deleted answer text giraffe")
    await api.ok("DELETE", f"/posts/{deleted['id']}", c.official)
    for topic, post, text in ((first, hidden, "zebra"), (second, deleted, "giraffe")):
        for reader in (None, c.citizen):
            r = await api.call("GET", f"/topics/{topic['id']}/status-history", reader)
            assert r.status_code == 200
            assert text not in r.text
            [_, answered] = r.json()["changes"]
            assert answered["to"] == "answered" and answered["answer_post_id"] == post["id"]
            shown = await api.call("GET", f"/topics/{topic['id']}", reader)
            assert text not in shown.text
        assert await status_of(api, topic["id"]) == "answered"


async def test_an_answer_post_must_be_a_published_post_of_this_topic(
    api: Api, ctx: Context
) -> None:
    c = await cities(api, Builder(api, tiers=tiers_in(ctx)))
    s = c.space["id"]
    topic = await ask(api, c.citizen, s)
    t = topic["id"]
    other = await ask(api, c.citizen, s, "Another one")
    [foreign] = await api.posts(other["id"])
    secret = await ask(api, c.member, c.private["id"], SECRET)
    [private_post] = await api.posts(secret["id"], c.member)
    busan_topic = await ask(api, c.citizen, c.busan_space["id"])
    [busan_post] = await api.posts(busan_topic["id"])
    reply = await api.post(c.citizen, t, "Any news?")
    await api.ok("POST", f"/posts/{reply['id']}/hide", c.mod, {"reason": "Rude"})
    gone = await api.post(c.citizen, t, "Bump")
    await api.ok("DELETE", f"/posts/{gone['id']}", c.citizen)
    await api.ok("PATCH", f"/spaces/{s}", c.mod, {"premoderation_posts": 5})
    held = await api.post(c.citizen, t, "Wait for me")
    assert held["pending"] is True
    for post_id in (foreign["id"], private_post["id"], busan_post["id"], reply["id"],
                    gone["id"], held["id"], BEYOND, 2**63, 0, -1, 99_999_999):
        r = await api.call("POST", f"/topics/{t}/status", c.official,
                           {"status": "answered", "answer_post_id": post_id})
        assert_error(r, 422)
        assert SECRET not in r.text
    for post_id in (str(foreign["id"]), True, 1.5, [foreign["id"]], {"id": 1}):
        assert_error(await api.call("POST", f"/topics/{t}/status", c.official,
                                    {"status": "answered", "answer_post_id": post_id}), 422)
    # Only with `answered`.
    opening = (await api.posts(t, c.mod))[0]
    assert_error(await api.call("POST", f"/topics/{t}/status", c.official,
                                {"status": "acknowledged", "answer_post_id": opening["id"]}), 422)
    assert await status_of(api, t) == "open"
    assert len(await history(api, t)) == 1


# --- odd input ------------------------------------------------------------------------


async def test_odd_status_bodies_are_422_never_500(api: Api, ctx: Context) -> None:
    c = await cities(api, Builder(api, tiers=tiers_in(ctx)))
    t = (await ask(api, c.citizen, c.space["id"]))["id"]
    bodies: list[Any] = [
        {"status": "closed"}, {"status": ""}, {"status": "OPEN"}, {"status": "Acknowledged"},
        {"status": None}, {"status": 1}, {"status": ["acknowledged"]}, {},
        {"status": "acknowledged\x00"}, {"status": "acknowledged "},
        {"status": "acknowledged", "note": "x" * 2001},
        {"status": "acknowledged", "note": "x" * 200_000},
        {"status": "acknowledged", "note": 5},
        {"status": "acknowledged", "reason": "Not declined"},
        {"status": "declined"}, {"status": "declined", "reason": "   "},
        {"status": "declined", "reason": "y" * 2001},
        [], "acknowledged",
    ]
    for body in bodies:
        r = await api.call("POST", f"/topics/{t}/status", c.official, body)
        assert_error(r, 422)
    no_body = await api.call("POST", f"/topics/{t}/status", c.official)
    assert_error(no_body, 415, "unsupported_media_type")
    for raw in (b"{", b"\xff\xfe", b'{"status": "acknowledged"', b"null"):
        r = await api.call("POST", f"/topics/{t}/status", c.official,
                           content=raw, headers={"Content-Type": "application/json"})
        no_crash(r)
        assert r.status_code in (400, 422)
    assert await status_of(api, t) == "open"
    # The bounds themselves are accepted, trimmed.
    ok = await api.ok("POST", f"/topics/{t}/status", c.official,
                      {"status": "acknowledged", "note": "  " + "n" * 2000 + "  "})
    assert ok["topic"]["question"]["status"] == "acknowledged"
    assert (await history(api, t))[-1]["note"] == "n" * 2000


async def test_nul_bytes_in_a_note_or_reason_are_refused_or_kept_never_500(
    api: Api, ctx: Context
) -> None:
    c = await cities(api, Builder(api, tiers=tiers_in(ctx)))
    t = (await ask(api, c.citizen, c.space["id"]))["id"]
    r = await api.call("POST", f"/topics/{t}/status", c.official,
                       {"status": "acknowledged", "note": "before\x00after"})
    no_crash(r)
    assert r.status_code in (200, 422)
    r = await api.call("POST", f"/topics/{t}/status", c.official,
                       {"status": "declined", "reason": "no\x00way"})
    no_crash(r)
    assert r.status_code in (200, 422)
    for body in (await api.call("GET", f"/topics/{t}/status-history"),
                 await api.call("GET", f"/topics/{t}")):
        assert body.status_code == 200


async def test_a_response_target_outside_1_to_365_is_422(api: Api, ctx: Context) -> None:
    c = await cities(api, Builder(api, tiers=tiers_in(ctx)))
    s = c.space["id"]
    for days in (0, -1, 366, 10**12, "14", True, False, 14.5, [14], "", "\x00"):
        assert_error(await api.call("PATCH", f"/spaces/{s}", c.mod,
                                    {"response_target_days": days}), 422)
    for user in (c.official, c.citizen, c.busan_admin):
        assert_error(await api.call("PATCH", f"/spaces/{s}", user,
                                    {"response_target_days": 3}), 403)
    # null in a PATCH leaves the setting as it was (as for every other setting).
    await api.ok("PATCH", f"/spaces/{s}", c.mod, {"response_target_days": None})
    space = (await api.ok("GET", f"/spaces/{s}"))["space"]
    assert space["response_target_days"] == 14
    for days in (1, 365):
        await api.ok("PATCH", f"/spaces/{s}", c.mod, {"response_target_days": days})
        assert (await api.ok("GET", f"/spaces/{s}"))["space"]["response_target_days"] == days


@pytest.mark.parametrize("query, field", [
    ("from=2024-02-30", "from"), ("to=2023-02-29", "to"), ("from=2024-1-01", "from"),
    ("from=20240101", "from"), ("to=2024-01-01T00:00:00Z", "to"), ("from=yesterday", "from"),
    ("from=0001-01-01", "from"), ("to=9999-12-31", "to"), ("from=0999-12-31", "from"),
    ("to=9000-01-01", "to"), ("from=%00", "from"), ("from=2024-01-01%00", "from"),
    ("from=-2024-01-01", "from"), ("from=+2024-01-01", "from"),
    ("from=2024-05-02&to=2024-05-01", "from"),
    ("from=&to=2024-05-01", "from"), ("to=", "to"),
    ("from=" + "9" * 5000, "from"),
])
async def test_malformed_report_periods_are_422_naming_the_parameter(
    api: Api, ctx: Context, query: str, field: str
) -> None:
    c = await cities(api, Builder(api, tiers=tiers_in(ctx)))
    for path in (f"/spaces/{c.space['id']}/responsiveness",
                 f"/orgs/{c.seoul['id']}/responsiveness", "/responsiveness"):
        r = await api.call("GET", f"{path}?{query}")
        error = assert_error(r, 422)
        if field != "from" or "to=" not in query:
            assert field in error["fields"], error
        else:
            assert set(error["fields"]) & {"from", "to"}, error


async def test_the_widest_periods_answer_and_forged_report_ids_are_404(
    api: Api, ctx: Context
) -> None:
    c = await cities(api, Builder(api, tiers=tiers_in(ctx)))
    await ask(api, c.citizen, c.space["id"])
    for query in ("from=1000-01-01&to=8999-12-31", "from=1000-01-01", "to=8999-12-31",
                  "from=2024-02-29&to=2024-02-29", "to=1000-01-01"):
        for path in (f"/spaces/{c.space['id']}/responsiveness",
                     f"/orgs/{c.seoul['id']}/responsiveness", "/responsiveness"):
            r = await api.call("GET", f"{path}?{query}")
            assert r.status_code == 200, (path, query, r.text)
    wide = await api.ok("GET", "/responsiveness?from=1000-01-01&to=8999-12-31")
    assert wide["period"] == {"from": "1000-01-01", "to": "8999-12-31"}
    assert wide["asked"] == 1
    for bad in (0, BEYOND, 99_999_999):
        assert_error(await api.call("GET", f"/spaces/{bad}/responsiveness"), 404)
        assert_error(await api.call("GET", f"/orgs/{bad}/responsiveness"), 404)
    r = await api.call("GET", "/responsiveness", headers={"Authorization": "Bearer forged"})
    assert_error(r, 401)


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


async def test_forged_horizontal_cursors_and_unknown_sorts_are_refused(
    api: Api, ctx: Context
) -> None:
    c = await cities(api, Builder(api, tiers=tiers_in(ctx)))
    s = c.space["id"]
    for n in range(3):
        await api.topic(c.citizen, s, f"Topic {n}")
    page = await api.ok("GET", f"/spaces/{s}/topics?sort=horizontal&limit=1")
    assert page["next_cursor"]
    forged = [
        "x", "%00", "h", _cursor("h|9|2024-01-01T00:00:00+00:00|1"),
        _cursor("h|-1|2024-01-01T00:00:00+00:00|1"), _cursor("h|1|2024-01-01T00:00:00|1"),
        _cursor(f"h|1|2024-01-01T00:00:00+00:00|{BEYOND}"),
        _cursor("h|1|2024-01-01T00:00:00+00:00|0"),
        _cursor("h|1|0001-01-01T00:00:00+14:00|1"),
        _cursor("h|1|9999-12-31T23:59:59-14:00|1"),
        _cursor("h|1|2024-01-01T00:00:00+00:00|1|extra"),
        _cursor("h|1|not a time|1"), _cursor("h|1|2024-01-01T00:00:00+00:00|one"),
        _cursor("h|1\x00|2024-01-01T00:00:00+00:00|1"),
        _cursor("0|2024-01-01T00:00:00+00:00|1"),  # an activity cursor
        base64.urlsafe_b64encode(b"\xff\xfe|\x00").decode(), "a" * 10_000,
    ]
    for cursor in forged:
        r = await api.call("GET", f"/spaces/{s}/topics",
                           params={"sort": "horizontal", "cursor": cursor})
        no_crash(r)
        assert r.status_code == 422, (cursor, r.text)
    # A horizontal cursor in the activity order.
    assert_error(await api.call("GET", f"/spaces/{s}/topics",
                                params={"cursor": page["next_cursor"]}), 422)
    for sort in ("Horizontal", "random", "", "horizontal\x00", "kinds"):
        assert_error(await api.call("GET", f"/spaces/{s}/topics", params={"sort": sort}), 422)
    # Well-formed cursors of odd (but real) instants answer a page.
    for cursor in (_cursor("h|5|1000-01-01T00:00:00+00:00|1"),
                   _cursor("h|0|8999-12-31T23:59:59+00:00|2147483647")):
        r = await api.call("GET", f"/spaces/{s}/topics",
                           params={"sort": "horizontal", "cursor": cursor})
        no_crash(r)
        assert r.status_code in (200, 422)


async def test_a_topic_kind_other_than_discussion_or_question_is_422(
    api: Api, ctx: Context
) -> None:
    c = await cities(api, Builder(api, tiers=tiers_in(ctx)))
    s = c.space["id"]
    for kind in ("poll", "", "QUESTION", "Question", "question ", "question\x00", 1, True,
                 ["question"], {"kind": "question"}):
        assert_error(await api.call("POST", f"/spaces/{s}/topics", c.citizen,
                                    {"title": "Odd", "body": "Odd", "kind": kind}), 422)
    assert (await api.ok("GET", f"/spaces/{s}/topics"))["topics"] == []
    # answers_question is a boolean.
    t = (await ask(api, c.citizen, s))["id"]
    for flag in ("false", 0, None, "no"):
        r = await api.call("POST", f"/topics/{t}/posts", c.official,
                           {"body": "Not yet", "answers_question": flag})
        no_crash(r)
        assert r.status_code == 422, (flag, r.text)
    assert await status_of(api, t) == "open"


# --- the live channel -----------------------------------------------------------------


async def test_a_private_spaces_question_steps_never_reach_an_outsider_live(
    live_api: Api, served_app: InProcessServer, database_url: str
) -> None:
    api = live_api
    c = await cities(api, Builder(api, tiers=functools.partial(set_tier, database_url)))
    p = c.private["id"]
    topic = await ask(api, c.member, p, SECRET)
    t = topic["id"]
    async with live_client(served_app.ws_url, c.citizen.token) as outsider, \
            live_client(served_app.ws_url, None) as anonymous, \
            live_client(served_app.ws_url, c.member.token) as member:
        for client in (outsider, anonymous):
            for channel in (f"space:{p}", f"topic:{t}"):
                await client.send({"type": "subscribe", "channel": channel})
                error = await client.expect("error", channel=channel)
                assert error["code"] in ("not_found", "forbidden"), error
                assert SECRET not in str(error)
        await member.subscribe(f"space:{p}")
        await api.ok("POST", f"/topics/{t}/status", c.seoul_admin, {"status": "acknowledged"})
        [step] = await member.events(f"space:{p}", 1)
        assert step["name"] == "question.status_changed"
        assert step["data"]["topic_id"] == t
        await outsider.quiet(0.5)
        await anonymous.quiet(0.2)


async def test_a_question_moved_into_a_private_space_leaves_the_public_reports(
    api: Api, ctx: Context
) -> None:
    c = await cities(api, Builder(api, tiers=tiers_in(ctx)))
    topic = await ask(api, c.citizen, c.space["id"], SECRET)
    t = topic["id"]
    assert (await api.ok("GET", f"/orgs/{c.seoul['id']}/responsiveness"))["asked"] == 1
    await api.ok("POST", f"/topics/{t}/move", c.seoul_admin, {"space_id": c.private["id"]})
    for path in (f"/orgs/{c.seoul['id']}/responsiveness", "/responsiveness",
                 f"/spaces/{c.space['id']}/responsiveness"):
        r = await api.call("GET", path, c.citizen)
        assert r.status_code == 200 and r.json()["asked"] == 0, (path, r.text)
        assert SECRET not in r.text
    # The asker is no member: the question is now out of their sight, as its topic is.
    assert_error(await api.call("GET", f"/topics/{t}/status-history", c.citizen), 404)
    assert_error(await api.call("GET", f"/topics/{t}/status-history"), 404)
    mine = await api.ok("GET", f"/spaces/{c.private['id']}/responsiveness", c.seoul_admin)
    assert mine["asked"] == 1
