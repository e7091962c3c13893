"""A mention added by editing a post tells the person it adds, once, within the
post's bound of ten; nobody it already named hears again; a muted topic, a person
who may not read the space and a hidden post tell nobody (docs/notifications.md)."""

from __future__ import annotations

import pytest

from cps.services.context import Context
from tests.moderation.conftest import moderated_world
from tests.notifications.support import heard, kinds, notes
from tests.support.api import Api, User
from tests.support.direct import tiers_in
from tests.support.world import Builder

pytestmark = pytest.mark.anyio


async def _handle(api: Api, user: User) -> str:
    return str((await api.ok("GET", "/me", user))["user"]["handle"])


async def _edit(api: Api, user: User, post_id: int, body: str) -> None:
    await api.ok("PATCH", f"/posts/{post_id}", user, {"body": body})


async def test_a_mention_added_by_an_edit_tells_that_person_once(
        api: Api, ctx: Context) -> None:
    w = await api.world()
    author, named = w["admin"], w["citizen"]
    handle = await _handle(api, named)
    post = await api.post(author, w["topic"]["id"], "The bus stop moved")
    assert await notes(api, named) == []
    await _edit(api, author, post["id"], f"The bus stop moved, @{handle} was right")
    [note] = await notes(api, named)
    assert note["kind"] == "mention" and note["post_id"] == post["id"]
    assert note["actor"]["id"] == author.id
    [event] = await heard(ctx, named)
    assert event["notification"]["kind"] == "mention" and event["unread_count"] == 1
    # Edited again, still naming them, or removing and adding them back: no second word.
    await _edit(api, author, post["id"], f"The bus stop moved; @{handle} was right.")
    await _edit(api, author, post["id"], "The bus stop moved.")
    await _edit(api, author, post["id"], f"The bus stop moved. Thanks @{handle}")
    assert await kinds(api, named) == ["mention"]


async def test_an_edit_never_reaches_past_ten_people_per_post(api: Api) -> None:
    w = await api.world()
    people = [await api.user(f"Neighbour {i}") for i in range(14)]
    names = [await _handle(api, p) for p in people]
    post = await api.post(w["admin"], w["topic"]["id"],
                          " ".join(f"@{n}" for n in names[:8]))
    await _edit(api, w["admin"], post["id"], " ".join(f"@{n}" for n in names))
    told = [p for p in people if await kinds(api, p) == ["mention"]]
    assert told == people[:10]
    assert [await kinds(api, p) for p in people[10:]] == [[]] * 4


async def test_an_edit_mentions_nobody_who_may_not_read_or_muted_it(api: Api) -> None:
    w = await moderated_world(api)
    outsider, muting = await api.user("Outsider"), await api.user("Muting Citizen")
    await api.ok("PUT", f"/topics/{w['topic']['id']}/follow", muting, {"level": "muted"})
    post = await api.post(w["citizen"], w["topic"]["id"], "Plain words")
    await _edit(api, w["citizen"], post["id"],
                f"Plain words @{await _handle(api, muting)} @{await _handle(api, w['citizen'])}")
    assert await notes(api, muting) == []
    assert await notes(api, w["citizen"]) == []  # never the author
    # A hidden post reaches nobody, even when its author edits a mention in.
    hidden = await api.post(w["citizen"], w["topic"]["id"], "Loud opinion")
    await api.ok("POST", f"/posts/{hidden['id']}/hide", w["mod"], {"reason": "Insulting"})
    await _edit(api, w["citizen"], hidden["id"], f"Loud opinion @{await _handle(api, outsider)}")
    assert await notes(api, outsider) == []


async def test_an_edit_in_a_private_space_tells_no_outsider(api: Api, ctx: Context) -> None:
    build = Builder(api, tiers=tiers_in(ctx))
    w = await build.world(tier="plus")
    outsider = await api.user("Outsider")
    private = await build.space(w["admin"], w["org"]["id"], "private", name="Council")
    topic = await api.topic(w["admin"], private["id"], "Budget draft")
    secret = await api.post(w["admin"], topic["id"], "Numbers")
    await _edit(api, w["admin"], secret["id"], f"Numbers for @{await _handle(api, outsider)}")
    assert await notes(api, outsider) == []
