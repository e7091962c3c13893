"""Reviewer R2's attacks on search (issue 16), over the HTTP API on both databases:
outsiders, removed members, banned members, a moderator of another space and a
hidden post's non-author try every way in; snippets are fed markup; cursors and
limits are forged. Each attack that held stays here as evidence."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import pytest

from cps.services.context import Context
from tests.search.support import find, post_ids, topic_ids
from tests.support.api import Api, User
from tests.support.direct import tiers_in
from tests.support.world import Builder

pytestmark = pytest.mark.anyio

SECRET = "zanzibarquux"  # a word only unreadable things carry


async def _setting(api: Api, ctx: Context) -> dict[str, Any]:
    """An org with a public and a private space; a private topic and post, a hidden
    and a deleted post in the public space, all carrying SECRET; a moderator of the
    public space only, a member later removed, a banned member, an outsider."""
    build = Builder(api, tiers=tiers_in(ctx))
    admin = await api.user("Org Admin")
    org = await build.org(admin, "City of Saga", tier="plus")
    member, removed, banned, outsider, writer, mod_elsewhere = [
        await api.user(n) for n in ("Member", "Removed", "Banned", "Outsider", "Writer",
                                    "Open space moderator")]
    public = await build.space(admin, org["id"], name="Open Square",
                               moderators=[mod_elsewhere])
    private = await build.space(admin, org["id"], "private", name="Closed Council",
                                members=[member, removed, banned])
    closed = await api.topic(admin, private["id"], f"Council {SECRET} minutes",
                             f"The {SECRET} budget")
    closed_post = await api.post(member, closed["id"], f"Reply on {SECRET} plans")
    # the private space's own moderation: a hidden post there
    hidden_private = await api.post(removed, closed["id"], f"Hidden {SECRET} reply")
    await api.ok("POST", f"/posts/{hidden_private['id']}/hide", admin, {"reason": "Off topic"})
    opened = await api.topic(admin, public["id"], "Open harbour talk", "Harbour plans")
    hidden = await api.post(writer, opened["id"], f"Hidden {SECRET} words here")
    await api.ok("POST", f"/posts/{hidden['id']}/hide", admin, {"reason": "Spam"})
    deleted = await api.post(writer, opened["id"], f"Deleted {SECRET} words here")
    await api.ok("DELETE", f"/posts/{deleted['id']}", writer)
    await api.ok("DELETE", f"/spaces/{private['id']}/members/{removed.id}", admin)
    await api.ok("POST", f"/spaces/{private['id']}/bans", admin,
                 {"user_id": banned.id, "reason": "Leaked minutes"}, status=201)
    return {"admin": admin, "org": org, "public": public, "private": private,
            "closed": closed, "closed_post": closed_post, "hidden": hidden,
            "hidden_private": hidden_private, "deleted": deleted, "opened": opened,
            "member": member, "removed": removed, "banned": banned, "outsider": outsider,
            "writer": writer, "mod_elsewhere": mod_elsewhere}


def _queries(s: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    pid, oid = s["private"]["id"], s["org"]["id"]
    return [
        (SECRET, {}),
        (SECRET[:4], {}),  # a prefix
        (f'"{SECRET} budget"', {}),
        (f'"{SECRET}', {}),  # an unbalanced quote
        (f"{SECRET} -harbour", {}),
        (f"{SECRET} is:question", {}),
        (f"{SECRET} status:open", {}),
        (f"{SECRET} is:official", {}),
        (f"{SECRET} after:2000-01-01 before:2100-01-01", {}),
        (f'space:"Closed Council" {SECRET}', {}),
        ('space:"Closed Council"', {}),  # the filter alone: every row of the space
        (f"space:{pid}", {}),
        ("org:\"City of Saga\"", {}),
        (f"org:{oid}", {}),
        ("", {"space_id": pid}),
        ("", {"org_id": oid}),
        ("", {"author_id": s["member"].id}),
        ("", {"author_id": s["writer"].id}),
        ("minutes", {"kind": "topic"}),
        ("council", {}),
        (SECRET, {"kind": "post", "space_id": pid}),
        (SECRET, {"limit": 50}),
    ]


def _unreadable(s: dict[str, Any], who: str) -> tuple[set[int], set[int]]:
    """(topics, posts) `who` must never get."""
    private_posts = {s["closed_post"]["id"], s["hidden_private"]["id"]}
    private_topics = {s["closed"]["id"]}
    hidden = {s["hidden"]["id"]}
    deleted = {s["deleted"]["id"]}
    if who == "mod_elsewhere":  # moderates the public space: sees its hidden post
        return private_topics, private_posts | deleted
    if who == "member":  # a member of the private space, not its moderator
        return set(), {s["hidden_private"]["id"]} | hidden | deleted
    return private_topics, private_posts | hidden | deleted


@pytest.mark.parametrize("who", ["anonymous", "outsider", "removed", "banned",
                                 "mod_elsewhere", "member"])
async def test_no_query_returns_what_the_searcher_may_not_read(api: Api, ctx: Context, who: str) -> None:
    s = await _setting(api, ctx)
    user: User | None = None if who == "anonymous" else s[who]
    never_topics, never_posts = _unreadable(s, who)
    for q, params in _queries(s):
        results = await find(api, q, user, **params)
        assert not set(topic_ids(results)) & never_topics, (who, q, params, results)
        assert not set(post_ids(results)) & never_posts, (who, q, params, results)
        for r in results:
            assert SECRET not in r["snippet"].replace("<mark>", "").replace("</mark>", "") \
                or r["post_id"] not in never_posts, (who, q, r)
    # what may be read is found: the member finds the private post, the moderator the
    # hidden one (so the attacks above searched the right words)
    if who == "member":
        assert s["closed_post"]["id"] in post_ids(await find(api, SECRET, user))
    if who == "mod_elsewhere":
        assert post_ids(await find(api, SECRET, user)) == [s["hidden"]["id"]]


async def test_a_private_space_by_name_answers_as_a_space_nobody_has(api: Api, ctx: Context) -> None:
    """Naming a private space (or its id) tells an outsider nothing: the same empty
    page as a name no space has, never a 404 or 422 that confirms it exists."""
    s = await _setting(api, ctx)
    for user in (None, s["outsider"], s["removed"]):
        for q in ('space:"Closed Council"', 'space:"No Such Space At All"',
                  f"space:{s['private']['id']}", "space:2147483000"):
            body = await api.ok("GET", "/search?" + urlencode({"q": q}), user)
            assert body == {"results": [], "next_cursor": None}, (q, body)
        for params in ({"space_id": s["private"]["id"]}, {"space_id": 2147483000}):
            body = await api.ok("GET", "/search?" + urlencode({"q": "council", **params}), user)
            assert body == {"results": [], "next_cursor": None}, (params, body)


async def test_a_hidden_post_edited_by_its_author_stays_out_of_others_searches(
        api: Api, ctx: Context) -> None:
    s = await _setting(api, ctx)
    hid = s["hidden"]["id"]
    await api.ok("PATCH", f"/posts/{hid}", s["writer"], {"body": "Fresh marmalade words"})
    for user in (None, s["outsider"], s["member"]):
        assert await find(api, "marmalade", user) == []
    [own] = await find(api, "marmalade", s["writer"])
    assert own["post_id"] == hid and own["hidden"]
    # the old words are gone for everyone, the author and the moderators included
    for user in (s["writer"], s["admin"], s["mod_elsewhere"]):
        assert hid not in post_ids(await find(api, SECRET, user))


async def test_a_space_turned_private_or_a_member_removed_is_seen_at_once(api: Api, ctx: Context) -> None:
    s = await _setting(api, ctx)
    member = s["member"]
    assert s["closed_post"]["id"] in post_ids(await find(api, SECRET, member))
    await api.ok("DELETE", f"/spaces/{s['private']['id']}/members/{member.id}", s["admin"])
    assert await find(api, SECRET, member) == []
    assert await find(api, 'space:"Closed Council"', member) == []


MARKUP_BODIES = [
    "<script>alert('quokka')</script> quokka",
    "<img src=x onerror=alert(1)> quokka",
    "[quokka](javascript:alert(1)) and [quokka2](https://example.org/\"><b>x</b>)",
    "&lt;script&gt;quokka&lt;/script&gt; &amp;lt;b&amp;gt; &#60;i&#62; quokka",
    "<mark>quokka</mark> and </mark><mark onclick=x()>quokka",
    "quokka <svg/onload=alert(1)> <iframe src=//evil></iframe> <a href=x>quokka</a>",
    "quokka ```\n<style>*{x}</style>\n``` `<b>code</b>` quokka",
    "quokka <!-- comment --> <![CDATA[ x ]]> quokka",
]


async def test_snippets_only_ever_carry_mark_whatever_the_body(api: Api) -> None:
    w = await api.world()
    for body in MARKUP_BODIES:
        await api.post(w["citizen"], w["topic"]["id"], body)
    await api.topic(w["admin"], w["space"]["id"], "<mark>quokka</mark> <script>x</script>",
                    "<img src=x onerror=alert(2)>")
    results = await find(api, "quokka")
    assert len(results) == len(MARKUP_BODIES) + 1
    for q in ("quokka", "mark quokka", "script", "lt", "amp", "img", "onerror", "b"):
        for r in await find(api, q):
            snippet = r["snippet"]
            tags = re.findall(r"<[^>]*>", snippet)
            assert set(tags) <= {"<mark>", "</mark>"}, (q, snippet)
            # marks are balanced and never nested
            assert re.fullmatch(r"(?:[^<]|<mark>[^<]*</mark>)*", snippet), (q, snippet)
            bare = snippet.replace("<mark>", "").replace("</mark>", "")
            assert "<" not in bare and ">" not in bare, (q, snippet)
            # every & begins an entity
            assert not re.search(r"&(?!(?:amp|lt|gt|quot|#x?[0-9a-fA-F]+);)", bare), snippet


@pytest.mark.parametrize("cursor", ["-1", "1001", "abc", "99999", " 20", "２０", "1e3",
                                    "20.0", "0x10", "9" * 40, "20\x00", "%00", "20;DROP"])
async def test_forged_cursors_are_422(api: Api, cursor: str) -> None:
    w = await api.world()
    await api.post(w["citizen"], w["topic"]["id"], "gravel path")
    r = await api.call("GET", "/search?" + urlencode({"q": "gravel", "cursor": cursor}))
    assert r.status_code == 422, (cursor, r.text)
    assert r.json()["error"]["code"] == "invalid"


@pytest.mark.parametrize("limit", ["0", "-1", "51", str(10**20), "abc", "1.5", "", " 5"])
async def test_odd_limits_are_422(api: Api, limit: str) -> None:
    r = await api.call("GET", "/search?" + urlencode({"q": "gravel", "limit": limit}))
    assert r.status_code == 422, (limit, r.text)
    assert r.json()["error"]["code"] == "invalid"


async def test_the_last_cursor_page_and_odd_queries_never_fail(api: Api) -> None:
    w = await api.world()
    await api.post(w["citizen"], w["topic"]["id"], "gravel path")
    body = await api.ok("GET", "/search?" + urlencode({"q": "gravel", "cursor": "1000"}))
    assert body == {"results": [], "next_cursor": None}
    for q in ("x" * 10_000, "gravel " * 2000):
        r = await api.call("GET", "/search?" + urlencode({"q": q}))
        assert r.status_code == 422, r.text
        assert r.json()["error"]["code"] == "invalid"
    for q in ("a\x00b", "gravel\x00", '"', '""', '"""', '-"', "-", "--gravel", "-gravel", '"gravel', "gravel\"",
              "*", "gravel*", "NEAR(gravel path)", "gravel OR path", "gravel AND NOT x",
              "^gravel", "(gravel", "gravel:", ":gravel", "path:", "@", "@@", "'", "\\",
              "%", "_", "gravel%", "\u200b", "\ufeffgravel", "🙂 gravel", "ǵravel"):
        r = await api.call("GET", "/search?" + urlencode({"q": q}))
        assert r.status_code in (200, 422), (q, r.text)
        if r.status_code == 422:
            assert r.json()["error"]["fields"], (q, r.text)
