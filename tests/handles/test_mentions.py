"""Mentions: how `@handle` is read and shown in a post, and who `mentioned()` says a
post reaches: readers of its space now, never its author, at most ten."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from cps.services.context import Context
from cps.services.discussion import markdown, mentions
from cps.storage.models import Post
from tests.support.api import Api, User
from tests.support.direct import tiers_in
from tests.support.world import Builder

pytestmark = pytest.mark.anyio


async def _handle(api: Api, user: User) -> str:
    return str((await api.ok("GET", "/me", user))["user"]["handle"])


async def _mentioned(ctx: Context, post_id: int) -> list[int]:
    async with ctx.db.read() as session:
        post = await session.scalar(select(Post).where(Post.id == post_id))
        assert post is not None
        return await mentions.mentioned(session, post)


@pytest.mark.parametrize(("text", "found"), [
    ("Thanks @min-ji.", ["min-ji"]),
    ("@Min-Ji and @bo_kim, then @min-ji again", ["min-ji", "bo_kim"]),
    ("write to ana@city.example", []),
    ("`@min-ji` in code", []),
    ("    @min-ji in an indented block", []),
    ("```\n@min-ji\n```", []),
    ("[@min-ji](https://example.org)", []),
    ("**@min-ji** in bold", ["min-ji"]),
    ("@ab is too short, @" + "a" * 31 + " too long", []),
    ("x/@min-ji is a path", []),
])
def test_a_mention_is_read_as_a_reader_sees_the_text(text: str, found: list[str]) -> None:
    assert markdown.handles_in(text) == found


async def test_a_post_marks_mentions_of_people_who_exist(api: Api) -> None:
    w = await api.world()
    handle = await _handle(api, w["citizen"])
    post = await api.post(w["admin"], w["topic"]["id"],
                          f"Hi @{handle}, @nobody-here, `@{handle}` and me@{handle}.org")
    link = f'<a class="mention" href="/u/{handle}" rel="nofollow ugc noopener">'
    assert post["html"] == (
        f"<p>Hi {link}@{handle}</a>, @nobody-here, "
        f"<code>@{handle}</code> and me@{handle}.org</p>\n")
    # Edited: marked again from the new text.
    edited = (await api.ok("PATCH", f"/posts/{post['id']}", w["admin"],
                           {"body": f"Only **@{handle.upper()}**"}))["post"]
    assert edited["html"] == (
        f"<p>Only <strong>{link}@{handle.upper()}</a></strong></p>\n")


async def test_a_body_cannot_forge_a_mention_or_other_markup(api: Api) -> None:
    w = await api.world()
    post = await api.post(w["citizen"], w["topic"]["id"],
                          '<a class="mention" href="/u/admin">@admin</a> [x](/u/y "t")')
    assert post["html"] == (
        '<p>&lt;a class="mention" href="/u/admin"&gt;@admin&lt;/a&gt; '
        '<a href="/u/y" title="t" rel="nofollow ugc noopener">x</a></p>\n')


async def test_mentioned_is_who_may_read_the_post_now(api: Api, ctx: Context) -> None:
    build = Builder(api, tiers=tiers_in(ctx))
    w = await build.world(tier="plus")
    admin, member, outsider = w["admin"], await api.user("Member"), await api.user("Outsider")
    council = await build.space(admin, w["org"]["id"], "private", name="Council",
                                members=[member])
    topic = await api.topic(admin, council["id"], "Budget")
    handles = {u.id: await _handle(api, u) for u in (admin, member, outsider)}
    body = " ".join(f"@{h}" for h in handles.values())
    post = await api.post(member, topic["id"], body)
    # The outsider cannot read the council; the author is not told of their own post.
    assert await _mentioned(ctx, post["id"]) == [admin.id]
    admin_post = await api.post(admin, topic["id"], body)
    assert await _mentioned(ctx, admin_post["id"]) == [member.id]
    # Someone who leaves the space is not reached by what they can no longer read.
    await api.ok("DELETE", f"/spaces/{council['id']}/members/{member.id}", admin)
    assert await _mentioned(ctx, admin_post["id"]) == []
    # In a public space everyone may read: the outsider too.
    public = await api.post(member, w["topic"]["id"], body)
    assert await _mentioned(ctx, public["id"]) == [admin.id, outsider.id]


async def test_at_most_ten_people_are_mentioned_per_post(api: Api, ctx: Context) -> None:
    w = await api.world()
    people = [await api.user(f"Neighbour {i}") for i in range(11)]
    handles: list[Any] = [await _handle(api, p) for p in people]
    post = await api.post(w["citizen"], w["topic"]["id"],
                          " ".join(f"@{h}" for h in handles) + " " + f"@{handles[0]}")
    assert await _mentioned(ctx, post["id"]) == [p.id for p in people[:10]]
    assert post["html"].count('class="mention"') == 12  # shown, all of them


async def test_a_mention_in_code_reaches_nobody(api: Api, ctx: Context) -> None:
    w = await api.world()
    handle = await _handle(api, w["admin"])
    post = await api.post(w["citizen"], w["topic"]["id"],
                          f"`@{handle}`\n\n```\n@{handle}\n```\n\nmail {handle}@x.org")
    assert await _mentioned(ctx, post["id"]) == []


async def test_a_flood_of_mentions_reaches_ten_and_costs_one_bounded_lookup(
        api: Api, ctx: Context) -> None:
    w = await api.world()
    people = [await api.user(f"Flooded {i}") for i in range(12)]
    handles = [await _handle(api, p) for p in people]
    noise = " ".join(f"@ghost-{i:04d}" for i in range(1500))
    post = await api.post(w["citizen"], w["topic"]["id"],
                          noise + " " + " ".join(f"@{h}" for h in handles))
    # Only the first 50 handles named are looked up: the real ones came too late.
    assert await _mentioned(ctx, post["id"]) == []
    early = await api.post(w["citizen"], w["topic"]["id"],
                           " ".join(f"@{h}" for h in handles) + " " + noise)
    assert await _mentioned(ctx, early["id"]) == [p.id for p in people[:10]]
