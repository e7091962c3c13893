"""Following levels over the API and for notifications: the defaults set by opening
and posting, choices per topic and per space, what a topic inherits from its space,
who watches a topic, and every refusal (docs/notifications.md)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cps.services.context import Context
from cps.services.following import levels
from tests.support.api import Api, User
from tests.support.direct import tiers_in
from tests.support.world import Builder

pytestmark = pytest.mark.anyio


async def _topic_level(api: Api, topic_id: int, user: User) -> dict[str, Any]:
    return dict(await api.ok("GET", f"/topics/{topic_id}/follow", user))


async def _watchers(ctx: Context, topic_id: int) -> list[int]:
    async with ctx.db.read() as session:
        return await levels.watchers(session, topic_id)


def _refused(r: httpx.Response, status: int, code: str) -> None:
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code, r.text


async def test_opening_watches_posting_tracks_and_nobody_else_is_changed(api: Api) -> None:
    w = await api.world()
    topic = w["topic"]["id"]
    # The admin opened the topic: watching, a level of the topic's own.
    assert await _topic_level(api, topic, w["admin"]) == {"level": "watching",
                                                          "inherited": False}
    # A reader who never posted: normal, from nowhere in particular.
    assert await _topic_level(api, topic, w["citizen"]) == {"level": "normal",
                                                            "inherited": True}
    await api.post(w["citizen"], topic, "Me too")
    assert await _topic_level(api, topic, w["citizen"]) == {"level": "tracking",
                                                            "inherited": False}
    # The opener posting again stays watching.
    await api.post(w["admin"], topic, "Thanks")
    assert (await _topic_level(api, topic, w["admin"]))["level"] == "watching"


async def test_asking_a_question_watches_it(api: Api) -> None:
    w = await api.world()
    body = await api.ok("POST", f"/spaces/{w['space']['id']}/topics", w["citizen"],
                        {"title": "When is the bus coming?", "body": "Line 7", "kind": "question"})
    assert (await _topic_level(api, body["topic"]["id"], w["citizen"]))["level"] == "watching"


async def test_a_choice_is_kept_and_no_default_overrides_it(api: Api) -> None:
    w = await api.world()
    topic = w["topic"]["id"]
    for level in ("muted", "tracking", "watching", "normal"):
        assert await api.ok("PUT", f"/topics/{topic}/follow", w["citizen"],
                            {"level": level}) == {"level": level, "inherited": False}
        assert (await _topic_level(api, topic, w["citizen"]))["level"] == level
    # Posting after choosing "normal" does not make them track it.
    await api.post(w["citizen"], topic, "A word")
    assert (await _topic_level(api, topic, w["citizen"]))["level"] == "normal"
    # Others' levels are their own.
    assert (await _topic_level(api, topic, w["admin"]))["level"] == "watching"


async def test_a_topic_follows_its_space_unless_it_has_a_level(api: Api, ctx: Context) -> None:
    w = await api.world()
    space, topic = w["space"]["id"], w["topic"]["id"]
    citizen = w["citizen"]
    assert await api.ok("GET", f"/spaces/{space}/follow", citizen) == {"level": "normal",
                                                                       "inherited": False}
    assert await api.ok("PUT", f"/spaces/{space}/follow", citizen,
                        {"level": "watching"}) == {"level": "watching", "inherited": False}
    assert await api.ok("GET", f"/spaces/{space}/follow", citizen) == {"level": "watching",
                                                                       "inherited": False}
    assert await _topic_level(api, topic, citizen) == {"level": "watching", "inherited": True}
    # Watching the space, posting does not narrow the topic to tracking.
    await api.post(citizen, topic, "Watching all of it")
    assert await _topic_level(api, topic, citizen) == {"level": "watching", "inherited": True}
    async with ctx.db.read() as session:
        assert await levels.level(session, citizen.id, topic) == "watching"
        assert await levels.levels_of(session, [citizen.id, w["admin"].id, 999], topic) == {
            citizen.id: "watching", w["admin"].id: "watching", 999: "normal"}
    # Muting the topic overrides the space.
    await api.ok("PUT", f"/topics/{topic}/follow", citizen, {"level": "muted"})
    async with ctx.db.read() as session:
        assert await levels.level(session, citizen.id, topic) == "muted"


async def test_watchers_are_the_topics_and_the_spaces_minus_other_choices(
        api: Api, ctx: Context) -> None:
    w = await api.world()
    space, topic = w["space"]["id"], w["topic"]["id"]
    fan, muter, tracker, other = [await api.user(n) for n in ("Fan", "Muter", "Tracker", "Other")]
    for person in (fan, muter, tracker):
        await api.ok("PUT", f"/spaces/{space}/follow", person, {"level": "watching"})
    await api.ok("PUT", f"/topics/{topic}/follow", muter, {"level": "muted"})
    await api.ok("PUT", f"/topics/{topic}/follow", tracker, {"level": "tracking"})
    await api.ok("PUT", f"/topics/{topic}/follow", other, {"level": "watching"})
    assert await _watchers(ctx, topic) == sorted([w["admin"].id, fan.id, other.id])
    # A second topic of the space: the space's watchers, and its opener.
    second = await api.topic(w["citizen"], space, "Trees")
    assert await _watchers(ctx, second["id"]) == sorted(
        [w["citizen"].id, fan.id, muter.id, tracker.id])
    assert await _watchers(ctx, 999_999) == []


async def test_watchers_of_a_private_topic_are_its_readers_now(api: Api, ctx: Context) -> None:
    build = Builder(api, tiers=tiers_in(ctx))
    w = await build.world(tier="plus")
    member = await api.user("Member")
    council = await build.space(w["admin"], w["org"]["id"], "private", name="Council",
                                members=[member])
    topic = await api.topic(w["admin"], council["id"], "Budget")
    await api.ok("PUT", f"/topics/{topic['id']}/follow", member, {"level": "watching"})
    assert await _watchers(ctx, topic["id"]) == sorted([w["admin"].id, member.id])
    await api.ok("DELETE", f"/spaces/{council['id']}/members/{member.id}", w["admin"])
    assert await _watchers(ctx, topic["id"]) == [w["admin"].id]
    # Once out, they cannot read or set their level either.
    for method, body in (("GET", None), ("PUT", {"level": "watching"})):
        _refused(await api.call(method, f"/topics/{topic['id']}/follow", member, body),
                 404, "not_found")
        _refused(await api.call(method, f"/spaces/{council['id']}/follow", member, body),
                 404, "not_found")


@pytest.mark.parametrize("path", ["/topics/{topic}/follow", "/spaces/{space}/follow"])
async def test_refusals(api: Api, path: str) -> None:
    w = await api.world()
    url = path.format(topic=w["topic"]["id"], space=w["space"]["id"])
    citizen = w["citizen"]
    # Signed out: 401, reading or choosing.
    _refused(await api.call("GET", url), 401, "not_signed_in")
    _refused(await api.call("PUT", url, None, {"level": "muted"}), 401, "not_signed_in")
    # Not a level, no level, odd types: 422.
    bodies: list[Any] = [{"level": "loud"}, {}, {"level": None}, {"level": 3},
                         {"level": "WATCHING"}, {"level": ["muted"]}, []]
    for body in bodies:
        r = await api.call("PUT", url, citizen, body)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["error"]["code"] in {"invalid", "validation_error"}, r.text
    # Not JSON: 400 / 415.
    r = await api.call("PUT", url, citizen, content=b"{", headers={
        "Content-Type": "application/json"})
    assert r.status_code == 400
    r = await api.call("PUT", url, citizen, content=b"level=muted", headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 415
    # Forged ids: unknown, zero, past 2^31.
    for forged in (999_999, 0, 2**31, 99_999_999_999):
        bad = path.format(topic=forged, space=forged)
        _refused(await api.call("GET", bad, citizen), 404, "not_found")
        _refused(await api.call("PUT", bad, citizen, {"level": "muted"}), 404, "not_found")
    # Nothing of that changed the level.
    assert (await api.ok("GET", url, citizen))["level"] == "normal"
