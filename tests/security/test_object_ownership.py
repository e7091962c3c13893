"""Every endpoint that takes an id refuses another user's objects.

For each such endpoint there is a probe: an attacker (who is an admin of an
organization of their own, so has privileges, elsewhere) aims it at a victim's
object and must be refused (401, 403, or 404 where the object is private) and
leave it as it was; then its rightful owner makes the same call and succeeds,
which proves the probe was well formed. A new endpoint with an id in its path
fails `test_every_id_based_endpoint_has_a_probe` until it gets a probe here.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from cps.http.routes import all_endpoints
from tests.security.conftest import PASSWORD, Site
from tests.support.api import User, as_declared
from tests.support.world import Builder, tiers_over_api

pytestmark = pytest.mark.anyio

REFUSED = {401, 403, 404}


@dataclass
class Env:
    site: Site
    platform: User
    victim: User  # admin of organization V, so the owner of its spaces and topics
    author: User  # writes in V's spaces (and is a member of its private space)
    moderator: User  # a moderator of V's public space
    attacker: User  # admin of organization X: privileges, but elsewhere
    org: int
    public: int
    public_2: int
    private: int
    topic: int
    private_topic: int

    async def call(self, method: str, path: str, user: User | None,
                   body: Any = None) -> httpx.Response:
        return await self.site.api.call(method, path, user, body)

    async def ok(self, method: str, path: str, user: User | None, body: Any = None) -> Any:
        """A call that must answer its declared success status (tests/support/api.py)."""
        return await self.site.api.ok(method, path, user, body)

    async def post(self, topic: int | None = None, by: User | None = None) -> int:
        body = await self.ok("POST", f"/topics/{topic or self.topic}/posts", by or self.author,
                             {"body": f"Words {uuid.uuid4().hex[:6]}"})
        return int(body["post"]["id"])

    async def read_post(self, post_id: int, topic: int | None = None) -> dict[str, Any]:
        posts = (await self.ok("GET", f"/topics/{topic or self.topic}/posts?limit=100",
                               self.victim))["posts"]
        return dict(next(p for p in posts if p["id"] == post_id))

    async def hidden_post(self) -> int:
        post = await self.post()
        await self.ok("POST", f"/posts/{post}/hide", self.victim, {"reason": "Off topic"})
        return post


@pytest.fixture(scope="module")
async def env(site: Site) -> Env:
    api = site.api
    platform = await site.platform_admin()
    victim, author, moderator, attacker = [await api.user(n) for n in
                                           ("Victim", "Author", "Space moderator", "Attacker")]
    build = Builder(api, tiers=tiers_over_api(api, platform, "ownership probes"))
    org = await build.org(victim, "Victim City", tier="plus")
    other = await build.org(attacker, "Attacker City", tier="plus")
    public = await build.space(victim, org["id"], name="Square", moderators=[moderator])
    public_2 = await build.space(victim, org["id"], name="Market")
    private = await build.space(victim, org["id"], "private", name="Council", members=[author])
    await build.space(attacker, other["id"], name="Attacker's own")
    topic = await api.topic(victim, public["id"], "Benches")
    private_topic = await api.topic(victim, private["id"], "Budget")
    return Env(site, platform, victim, author, moderator, attacker, org["id"], public["id"],
               public_2["id"], private["id"], topic["id"], private_topic["id"])


@dataclass
class Result:
    attacker: httpx.Response
    owner: httpx.Response
    unchanged: bool  # the victim's object, after the attacker and before the owner


Probe = Callable[[Env], Awaitable[Result]]
PROBES: dict[tuple[str, str], Probe] = {}


def probe(method: str, path: str) -> Callable[[Probe], Probe]:
    def register(fn: Probe) -> Probe:
        PROBES[(method, path)] = fn
        return fn
    return register


async def attacker_then_owner(
    e: Env, method: str, path: str, owner: User, body: Any = None, *,
    owner_body: Any = None, unchanged: Callable[[], Awaitable[bool]] | None = None,
) -> Result:
    """The attacker makes the call, then the rightful `owner` makes it again (with
    `owner_body` where given, else the same body). `unchanged`, where given, checks the
    victim's object between the two calls."""
    attacker = await e.call(method, path, e.attacker, body)
    kept = True if unchanged is None else await unchanged()
    owner_answer = await e.call(method, path, owner, body if owner_body is None else owner_body)
    return Result(attacker, owner_answer, kept)


async def _post_has(e: Env, post: int, key: str, value: bool) -> bool:
    """Whether the post, as its space's owner reads it, still has `key` set to `value`."""
    return (await e.read_post(post))[key] is value


def refused_read(method: str, path: str, url: Callable[[Env], str]) -> None:
    """A read the attacker may not make: of the private space's things (404), or of
    what only the space's moderators or the organization's admins see (403)."""

    async def read(e: Env) -> Result:
        return await attacker_then_owner(e, method, url(e), e.victim)

    PROBES[(method, path)] = read


def _in(template: str, key: str, attribute: str) -> Callable[[Env], str]:
    """The URL of `template` with `key` replaced by the environment's `attribute`."""
    return lambda e: template.replace(key, str(getattr(e, attribute)))


for _path in ("/spaces/{space_id:int}", "/spaces/{space_id:int}/moderators",
              "/spaces/{space_id:int}/members", "/spaces/{space_id:int}/topics",
              "/spaces/{space_id:int}/moderation/log"):
    refused_read("GET", _path, _in(_path, "{space_id:int}", "private"))
for _path in ("/topics/{topic_id:int}", "/topics/{topic_id:int}/posts"):
    refused_read("GET", _path, _in(_path, "{topic_id:int}", "private_topic"))
for _path in ("/spaces/{space_id:int}/moderation/settings",
              "/spaces/{space_id:int}/moderation/queue", "/spaces/{space_id:int}/sanctions",
              "/spaces/{space_id:int}/moderation/audit"):
    refused_read("GET", _path, _in(_path, "{space_id:int}", "public"))
for _path in ("/orgs/{org_id:int}/upgrade-requests", "/orgs/{org_id:int}/tier-history"):
    refused_read("GET", _path, _in(_path, "{org_id:int}", "org"))
# The moderators' card of a person in their space (issue 17): a stranger to the space's
# moderation, however privileged elsewhere, may not read it.
refused_read("GET", "/spaces/{space_id:int}/people/{user_id:int}",
             lambda e: f"/spaces/{e.public}/people/{e.author.id}")
# Handles, mentions and following (issue 15): a private space's participants and
# follow levels are its readers'.
refused_read("GET", "/spaces/{space_id:int}/participants",
             _in("/spaces/{space_id:int}/participants", "{space_id:int}", "private"))
refused_read("GET", "/spaces/{space_id:int}/follow",
             _in("/spaces/{space_id:int}/follow", "{space_id:int}", "private"))
refused_read("GET", "/topics/{topic_id:int}/follow",
             _in("/topics/{topic_id:int}/follow", "{topic_id:int}", "private_topic"))


async def _follow_private(e: Env, path: str) -> Result:
    """The attacker may not follow what they cannot read; the victim's level stays."""
    before = await e.ok("GET", path, e.victim)
    attacker = await e.call("PUT", path, e.attacker, {"level": "muted"})
    unchanged = await e.ok("GET", path, e.victim) == before
    return Result(attacker, await e.call("PUT", path, e.victim, {"level": "watching"}),
                  unchanged)


@probe("PUT", "/spaces/{space_id:int}/follow")
async def follow_space(e: Env) -> Result:
    return await _follow_private(e, f"/spaces/{e.private}/follow")


@probe("PUT", "/topics/{topic_id:int}/follow")
async def follow_topic(e: Env) -> Result:
    return await _follow_private(e, f"/topics/{e.private_topic}/follow")


# Exports: for the space's moderators and the organization's admins.
refused_read("GET", "/spaces/{space_id:int}/export",
             _in("/spaces/{space_id:int}/export", "{space_id:int}", "public"))


async def _premium_org(e: Env) -> tuple[int, int]:
    """An organization of the victim's on premium (analytics), with a space."""
    org = await e.site.api.org(e.victim, f"Victim Premium {uuid.uuid4().hex[:4]}")
    await e.ok("POST", f"/admin/orgs/{org['id']}/tier", e.platform,
               {"tier": "premium", "reason": "ownership probes"})
    space = await e.site.api.space(e.victim, org["id"], name="Analytics square")
    return org["id"], space["id"]


@probe("GET", "/orgs/{org_id:int}/analytics")
async def org_analytics(e: Env) -> Result:
    org, _ = await _premium_org(e)
    return await attacker_then_owner(e, "GET", f"/orgs/{org}/analytics", e.victim)


@probe("GET", "/spaces/{space_id:int}/analytics")
async def space_analytics(e: Env) -> Result:
    _, space = await _premium_org(e)
    return await attacker_then_owner(e, "GET", f"/spaces/{space}/analytics", e.victim)


# Responsiveness (issue 14): a private space's report is its readers'; an
# organization's counts its public spaces only, the same for everyone.
refused_read("GET", "/spaces/{space_id:int}/responsiveness",
             _in("/spaces/{space_id:int}/responsiveness", "{space_id:int}", "private"))


@probe("GET", "/orgs/{org_id:int}/responsiveness")
async def org_responsiveness(e: Env) -> Result:
    """Public: the attacker reads what anyone reads."""
    attacker = await e.call("GET", f"/orgs/{e.org}/responsiveness", e.attacker)
    owner = await e.call("GET", f"/orgs/{e.org}/responsiveness", e.victim)
    assert attacker.json() == owner.json()
    return Result(_as_refused(attacker), owner, True)


# Months of the reports' charts: the same rules as the period's report.
refused_read("GET", "/spaces/{space_id:int}/responsiveness/months",
             _in("/spaces/{space_id:int}/responsiveness/months", "{space_id:int}", "private"))


@probe("GET", "/orgs/{org_id:int}/responsiveness/months")
async def org_responsiveness_months(e: Env) -> Result:
    """Public: the attacker reads what anyone reads."""
    attacker = await e.call("GET", f"/orgs/{e.org}/responsiveness/months", e.attacker)
    owner = await e.call("GET", f"/orgs/{e.org}/responsiveness/months", e.victim)
    assert attacker.json() == owner.json()
    return Result(_as_refused(attacker), owner, True)


# Page overviews (issue 17): a private space's and its topics' are their readers';
# an organization's shows the attacker neither the private space, its topics, nor the
# administration.
refused_read("GET", "/spaces/{space_id:int}/overview",
             _in("/spaces/{space_id:int}/overview", "{space_id:int}", "private"))
refused_read("GET", "/topics/{topic_id:int}/overview",
             _in("/topics/{topic_id:int}/overview", "{topic_id:int}", "private_topic"))


@probe("GET", "/orgs/{org_id:int}/overview")
async def org_overview(e: Env) -> Result:
    attacker = await e.call("GET", f"/orgs/{e.org}/overview", e.attacker)
    owner = await e.call("GET", f"/orgs/{e.org}/overview", e.victim)
    seen, theirs = attacker.json(), owner.json()
    assert e.private not in {s["id"] for s in seen["spaces"]}
    assert e.private in {s["id"] for s in theirs["spaces"]}
    assert e.private_topic not in {t["id"] for t in seen["latest"]}
    assert seen["org"]["is_admin"] is False and theirs["org"]["is_admin"] is True
    assert (seen["upgrade_requests"], seen["tier_changes"]) == (None, None)
    assert theirs["upgrade_requests"] is not None and theirs["tier_changes"] is not None
    return Result(_as_refused(attacker), owner, True)


@probe("GET", "/orgs/{org_id:int}")
async def read_org(e: Env) -> Result:
    """Public, but the attacker is not told they administer it."""
    attacker = await e.call("GET", f"/orgs/{e.org}", e.attacker)
    owner = await e.call("GET", f"/orgs/{e.org}", e.victim)
    assert attacker.json()["org"]["is_admin"] is False and owner.json()["org"]["is_admin"]
    return Result(_as_refused(attacker), owner, True)


@probe("GET", "/orgs/{org_id:int}/spaces")
async def list_spaces(e: Env) -> Result:
    """Public, without the private space."""
    attacker = await e.call("GET", f"/orgs/{e.org}/spaces", e.attacker)
    owner = await e.call("GET", f"/orgs/{e.org}/spaces", e.victim)
    assert e.private not in {s["id"] for s in attacker.json()["spaces"]}
    assert e.private in {s["id"] for s in owner.json()["spaces"]}
    return Result(_as_refused(attacker), owner, True)


@probe("POST", "/orgs/{org_id:int}/spaces")
async def create_space(e: Env) -> Result:
    body = {"name": f"Annex {uuid.uuid4().hex[:4]}", "visibility": "private"}
    before = await e.ok("GET", f"/orgs/{e.org}/spaces", e.victim)
    attacker = await e.call("POST", f"/orgs/{e.org}/spaces", e.attacker, body)
    after = await e.ok("GET", f"/orgs/{e.org}/spaces", e.victim)
    return Result(attacker, await e.call("POST", f"/orgs/{e.org}/spaces", e.victim, body),
                  before == after)


async def _moderator_ids(e: Env, space: int) -> set[int]:
    members = (await e.ok("GET", f"/spaces/{space}/moderators", e.victim))["members"]
    return {m["user"]["id"] for m in members}


@probe("POST", "/spaces/{space_id:int}/moderators")
async def add_moderator(e: Env) -> Result:
    attacker = await e.call("POST", f"/spaces/{e.public_2}/moderators", e.attacker,
                            {"user_id": e.attacker.id})
    unchanged = e.attacker.id not in await _moderator_ids(e, e.public_2)
    owner = await e.call("POST", f"/spaces/{e.public_2}/moderators", e.victim,
                         {"user_id": e.author.id})
    await e.ok("DELETE", f"/spaces/{e.public_2}/moderators/{e.author.id}", e.victim)
    return Result(attacker, owner, unchanged)


@probe("DELETE", "/spaces/{space_id:int}/moderators/{user_id:int}")
async def remove_moderator(e: Env) -> Result:
    path = f"/spaces/{e.public}/moderators/{e.moderator.id}"
    attacker = await e.call("DELETE", path, e.attacker)
    unchanged = e.moderator.id in await _moderator_ids(e, e.public)
    owner = await e.call("DELETE", path, e.victim)
    await e.ok("POST", f"/spaces/{e.public}/moderators", e.victim, {"user_id": e.moderator.id})
    return Result(attacker, owner, unchanged)


@probe("POST", "/spaces/{space_id:int}/members")
async def add_member(e: Env) -> Result:
    path = f"/spaces/{e.private}/members"
    attacker = await e.call("POST", path, e.attacker, {"user_id": e.attacker.id})
    unchanged = (await e.call("GET", f"/spaces/{e.private}", e.attacker)).status_code == 404
    candidate = await e.site.api.user("Candidate")
    owner = await e.call("POST", path, e.victim, {"user_id": candidate.id})
    return Result(attacker, owner, unchanged)


@probe("DELETE", "/spaces/{space_id:int}/members/{user_id:int}")
async def remove_member(e: Env) -> Result:
    path = f"/spaces/{e.private}/members/{e.author.id}"
    attacker = await e.call("DELETE", path, e.attacker)
    unchanged = (await e.call("GET", f"/spaces/{e.private}", e.author)).status_code == 200
    owner = await e.call("DELETE", path, e.victim)
    await e.ok("POST", f"/spaces/{e.private}/members", e.victim, {"user_id": e.author.id})
    return Result(attacker, owner, unchanged)


@probe("POST", "/spaces/{space_id:int}/topics")
async def open_topic(e: Env) -> Result:
    body = {"title": "Intrusion", "body": "Hello"}
    return await attacker_then_owner(e, "POST", f"/spaces/{e.private}/topics", e.author, body)


@probe("PATCH", "/topics/{topic_id:int}")
async def rename_topic(e: Env) -> Result:
    attacker = await e.call("PATCH", f"/topics/{e.topic}", e.attacker, {"title": "Hijacked"})
    title = (await e.ok("GET", f"/topics/{e.topic}", e.victim))["topic"]["title"]
    owner = await e.call("PATCH", f"/topics/{e.topic}", e.victim, {"title": "Benches"})
    return Result(attacker, owner, title == "Benches")


@probe("POST", "/topics/{topic_id:int}/move")
async def move_topic(e: Env) -> Result:
    topic = (await e.ok("POST", f"/spaces/{e.public}/topics", e.author,
                        {"title": "Movable", "body": "Here or there?"}))["topic"]["id"]
    attacker = await e.call("POST", f"/topics/{topic}/move", e.attacker,
                            {"space_id": e.public_2})
    space = (await e.ok("GET", f"/topics/{topic}", e.victim))["topic"]["space_id"]
    owner = await e.call("POST", f"/topics/{topic}/move", e.victim, {"space_id": e.public_2})
    return Result(attacker, owner, space == e.public)


@probe("POST", "/topics/{topic_id:int}/status")
async def move_question(e: Env) -> Result:
    """Only the organization's officials, the space's moderators and its admins move a
    question of its space."""
    topic = (await e.ok("POST", f"/spaces/{e.public}/topics", e.author,
                        {"title": "When?", "body": "When is the bench fixed?",
                         "kind": "question"}))["topic"]["id"]
    attacker = await e.call("POST", f"/topics/{topic}/status", e.attacker,
                            {"status": "acknowledged"})
    status = (await e.ok("GET", f"/topics/{topic}", e.victim))["topic"]["question"]["status"]
    owner = await e.call("POST", f"/topics/{topic}/status", e.victim, {"status": "acknowledged"})
    return Result(attacker, owner, status == "open")


refused_read("GET", "/topics/{topic_id:int}/status-history",
             _in("/topics/{topic_id:int}/status-history", "{topic_id:int}", "private_topic"))


@probe("POST", "/topics/{topic_id:int}/posts")
async def post_in_private(e: Env) -> Result:
    return await attacker_then_owner(e, "POST", f"/topics/{e.private_topic}/posts", e.author,
                                     {"body": "Let me in"}, owner_body={"body": "Members only"})


@probe("PATCH", "/posts/{post_id:int}")
async def edit_post(e: Env) -> Result:
    post = await e.post()
    attacker = await e.call("PATCH", f"/posts/{post}", e.attacker, {"body": "Forged"})
    unchanged = (await e.read_post(post))["body"] != "Forged"
    return Result(attacker, await e.call("PATCH", f"/posts/{post}", e.author, {"body": "Mine"}),
                  unchanged)


@probe("DELETE", "/posts/{post_id:int}")
async def delete_post(e: Env) -> Result:
    post = await e.post()
    return await attacker_then_owner(e, "DELETE", f"/posts/{post}", e.author,
                                     unchanged=lambda: _post_has(e, post, "deleted", False))


@probe("GET", "/posts/{post_id:int}/revisions")
async def revisions(e: Env) -> Result:
    post = await e.post(e.private_topic)
    return await attacker_then_owner(e, "GET", f"/posts/{post}/revisions", e.author)


@probe("POST", "/posts/{post_id:int}/reactions")
async def react(e: Env) -> Result:
    post = await e.post(e.private_topic)
    return await attacker_then_owner(e, "POST", f"/posts/{post}/reactions", e.victim,
                                     {"kind": "like"})


@probe("DELETE", "/posts/{post_id:int}/reactions/{kind:str}")
async def unreact(e: Env) -> Result:
    """The attacker can only ever take back their own reaction, never the victim's."""
    post = await e.post()
    await e.ok("POST", f"/posts/{post}/reactions", e.victim, {"kind": "like"})
    attacker = await e.call("DELETE", f"/posts/{post}/reactions/like", e.attacker)
    unchanged = (await e.read_post(post))["reactions"].get("like") == 1
    owner = await e.call("DELETE", f"/posts/{post}/reactions/like", e.victim)
    assert owner.json()["count"] == 0
    if attacker.is_success:
        assert attacker.json()["mine"] is False and attacker.json()["count"] == 1
        attacker = _as_refused(attacker)
    return Result(attacker, owner, unchanged)


@probe("POST", "/posts/{post_id:int}/flags")
async def flag(e: Env) -> Result:
    post = await e.post(e.private_topic)
    return await attacker_then_owner(e, "POST", f"/posts/{post}/flags", e.victim,
                                     {"reason": "spam"})


@probe("POST", "/posts/{post_id:int}/hide")
async def hide(e: Env) -> Result:
    post = await e.post()
    return await attacker_then_owner(e, "POST", f"/posts/{post}/hide", e.victim,
                                     {"reason": "Mine now"}, owner_body={"reason": "Off topic"},
                                     unchanged=lambda: _post_has(e, post, "hidden", False))


@probe("POST", "/posts/{post_id:int}/restore")
async def restore(e: Env) -> Result:
    post = await e.hidden_post()
    return await attacker_then_owner(e, "POST", f"/posts/{post}/restore", e.victim,
                                     unchanged=lambda: _post_has(e, post, "hidden", True))


@probe("POST", "/posts/{post_id:int}/approve")
async def approve_post(e: Env) -> Result:
    post = await _held_post(e)
    return await attacker_then_owner(e, "POST", f"/posts/{post}/approve", e.victim)


@probe("POST", "/posts/{post_id:int}/reject")
async def reject_post(e: Env) -> Result:
    post = await _held_post(e)
    return await attacker_then_owner(e, "POST", f"/posts/{post}/reject", e.victim,
                                     {"reason": "No"}, owner_body={"reason": "Off topic"})


async def _held_post(e: Env) -> int:
    """A post held for review: the space pre-moderates a newcomer's first post."""
    await e.ok("PATCH", f"/spaces/{e.public_2}", e.victim, {"premoderation_posts": 1})
    topic = (await e.ok("POST", f"/spaces/{e.public_2}/topics", e.victim,
                        {"title": f"Held {uuid.uuid4().hex[:4]}", "body": "Open"}))["topic"]
    newcomer = await e.site.api.user("Newcomer")
    post = (await e.ok("POST", f"/topics/{topic['id']}/posts", newcomer,
                       {"body": "My first words"}))["post"]
    await e.ok("PATCH", f"/spaces/{e.public_2}", e.victim, {"premoderation_posts": 0})
    return int(post["id"])


@probe("PATCH", "/spaces/{space_id:int}")
async def space_settings(e: Env) -> Result:
    attacker = await e.call("PATCH", f"/spaces/{e.public}", e.attacker,
                            {"topic_policy": "moderators"})
    policy = (await e.ok("GET", f"/spaces/{e.public}", e.victim))["space"]["topic_policy"]
    owner = await e.call("PATCH", f"/spaces/{e.public}", e.victim,
                         {"topic_policy": "participants"})
    return Result(attacker, owner, policy == "participants")


async def _flag(e: Env) -> int:
    post = await e.post()
    flagger = await e.site.api.user("Flagger")
    return int((await e.ok("POST", f"/posts/{post}/flags", flagger,
                           {"reason": "spam"}))["flag"]["id"])


@probe("POST", "/flags/{flag_id:int}/resolve")
async def resolve_flag(e: Env) -> Result:
    flag_id = await _flag(e)
    return await attacker_then_owner(e, "POST", f"/flags/{flag_id}/resolve", e.victim,
                                     {"action": "dismiss"})


@probe("POST", "/spaces/{space_id:int}/moderation/bulk")
async def bulk(e: Env) -> Result:
    post = await e.post()
    body = {"action": "hide", "post_ids": [post], "reason": "Bulk"}
    return await attacker_then_owner(e, "POST", f"/spaces/{e.public}/moderation/bulk",
                                     e.victim, body,
                                     unchanged=lambda: _post_has(e, post, "hidden", False))


def _sanction(kind: str) -> None:
    async def impose(e: Env) -> Result:
        target = await e.site.api.user(f"Target of a {kind}")
        body = {"user_id": target.id, "reason": "Shouting"}
        attacker = await e.call("POST", f"/spaces/{e.public}/{kind}", e.attacker, body)
        listed = (await e.ok("GET", f"/spaces/{e.public}/sanctions", e.victim))["sanctions"]
        unchanged = all(s.get("user", {}).get("id") != target.id for s in listed)
        return Result(attacker, await e.call("POST", f"/spaces/{e.public}/{kind}", e.victim,
                                             body), unchanged)

    async def lift(e: Env) -> Result:
        target = await e.site.api.user(f"Under a {kind}")
        await e.ok("POST", f"/spaces/{e.public}/{kind}", e.victim,
                   {"user_id": target.id, "reason": "Shouting"})
        return await attacker_then_owner(e, "DELETE", f"/spaces/{e.public}/{kind}/{target.id}",
                                         e.victim)

    PROBES[("POST", f"/spaces/{{space_id:int}}/{kind}")] = impose
    PROBES[("DELETE", f"/spaces/{{space_id:int}}/{kind}/{{user_id:int}}")] = lift


_sanction("mutes")
_sanction("bans")


async def _appeal(e: Env) -> int:
    post = await e.hidden_post()
    appeal = await e.ok("POST", f"/posts/{post}/appeal", e.author, {"text": "It was on topic"})
    return int(appeal["appeal"]["id"])


@probe("POST", "/posts/{post_id:int}/appeal")
async def appeal_post(e: Env) -> Result:
    post = await e.hidden_post()
    return await attacker_then_owner(e, "POST", f"/posts/{post}/appeal", e.author,
                                     {"text": "Unfair"}, owner_body={"text": "It was on topic"})


@probe("POST", "/spaces/{space_id:int}/bans/appeal")
async def appeal_ban(e: Env) -> Result:
    banned = await e.site.api.user("Banned member")
    await e.ok("POST", f"/spaces/{e.private}/members", e.victim, {"user_id": banned.id})
    await e.ok("POST", f"/spaces/{e.private}/bans", e.victim,
               {"user_id": banned.id, "reason": "Shouting"})
    return await attacker_then_owner(e, "POST", f"/spaces/{e.private}/bans/appeal", banned,
                                     {"text": "Let me back"}, owner_body={"text": "I am sorry"})


@probe("POST", "/appeals/{appeal_id:int}/answer")
async def answer_appeal(e: Env) -> Result:
    appeal = await _appeal(e)
    body = {"decision": "overturn", "reason": "Fair point"}
    # The victim hid the post, so the space's other moderator answers its appeal.
    return await attacker_then_owner(e, "POST", f"/appeals/{appeal}/answer", e.moderator, body)


@probe("GET", "/appeals/{appeal_id:int}")
async def read_appeal(e: Env) -> Result:
    appeal = await _appeal(e)
    return await attacker_then_owner(e, "GET", f"/appeals/{appeal}", e.author)


@probe("POST", "/orgs/{org_id:int}/upgrade-requests")
async def ask_upgrade(e: Env) -> Result:
    body = {"tier": "premium", "note": "Please"}
    attacker = await e.call("POST", f"/orgs/{e.org}/upgrade-requests", e.attacker, body)
    pending = (await e.ok("GET", f"/orgs/{e.org}/upgrade-requests", e.victim))["upgrade_requests"]
    unchanged = all(r["status"] != "pending" for r in pending)
    owner = await e.call("POST", f"/orgs/{e.org}/upgrade-requests", e.victim, body)
    await e.ok("POST", f"/admin/upgrade-requests/{owner.json()['upgrade_request']['id']}/reject",
               e.platform, {"reason": "Not now"})
    return Result(attacker, owner, unchanged)


def _decision(action: str, body: dict[str, str] | None) -> Probe:
    async def decide(e: Env) -> Result:
        org = await e.site.api.org(e.victim, f"Growing {uuid.uuid4().hex[:4]}")
        request = (await e.ok("POST", f"/orgs/{org['id']}/upgrade-requests", e.victim,
                              {"tier": "plus"}))["upgrade_request"]
        path = f"/admin/upgrade-requests/{request['id']}/{action}"
        attacker = await e.call("POST", path, e.attacker, body)
        tier = (await e.ok("GET", f"/orgs/{org['id']}", e.victim))["org"]["tier"]
        return Result(attacker, await e.call("POST", path, e.platform, body), tier == "free")

    return decide


PROBES[("POST", "/admin/upgrade-requests/{request_id:int}/approve")] = _decision("approve", None)
PROBES[("POST", "/admin/upgrade-requests/{request_id:int}/reject")] = _decision(
    "reject", {"reason": "Not now"})


@probe("POST", "/admin/orgs/{org_id:int}/tier")
async def set_tier(e: Env) -> Result:
    org = await e.site.api.org(e.victim, f"Steady {uuid.uuid4().hex[:4]}")
    body = {"tier": "premium", "reason": "Gift"}
    attacker = await e.call("POST", f"/admin/orgs/{org['id']}/tier", e.attacker, body)
    tier = (await e.ok("GET", f"/orgs/{org['id']}", e.victim))["org"]["tier"]
    return Result(attacker, await e.call("POST", f"/admin/orgs/{org['id']}/tier", e.platform,
                                         body), tier == "free")


@probe("PUT", "/admin/orgs/{org_id:int}/verified")
async def set_verified(e: Env) -> Result:
    """Only the platform confirms who an organization is."""
    org = await e.site.api.org(e.victim, f"Confirmed {uuid.uuid4().hex[:4]}")
    path = f"/admin/orgs/{org['id']}/verified"
    attacker = await e.call("PUT", path, e.attacker, {"verified": True})
    verified = (await e.ok("GET", f"/orgs/{org['id']}", e.victim))["org"]["verified"]
    return Result(attacker, await e.call("PUT", path, e.platform, {"verified": True}),
                  verified is False)


# Officials (issue 14): the organization's admins name and remove them; anyone reads them.

async def _official_ids(e: Env) -> set[int]:
    officials = (await e.ok("GET", f"/orgs/{e.org}/officials", e.victim))["officials"]
    return {o["user"]["id"] for o in officials}


@probe("POST", "/orgs/{org_id:int}/officials")
async def name_official(e: Env) -> Result:
    attacker = await e.call("POST", f"/orgs/{e.org}/officials", e.attacker,
                            {"user_id": e.attacker.id})
    unchanged = e.attacker.id not in await _official_ids(e)
    owner = await e.call("POST", f"/orgs/{e.org}/officials", e.victim, {"user_id": e.author.id})
    await e.ok("DELETE", f"/orgs/{e.org}/officials/{e.author.id}", e.victim)
    return Result(attacker, owner, unchanged)


@probe("DELETE", "/orgs/{org_id:int}/officials/{user_id:int}")
async def remove_official(e: Env) -> Result:
    await e.ok("POST", f"/orgs/{e.org}/officials", e.victim, {"user_id": e.moderator.id})
    path = f"/orgs/{e.org}/officials/{e.moderator.id}"
    attacker = await e.call("DELETE", path, e.attacker)
    unchanged = e.moderator.id in await _official_ids(e)
    return Result(attacker, await e.call("DELETE", path, e.victim), unchanged)


@probe("GET", "/orgs/{org_id:int}/officials")
async def list_officials(e: Env) -> Result:
    """Public: officials are public figures; the attacker sees what anyone sees."""
    await e.ok("POST", f"/orgs/{e.org}/officials", e.victim, {"user_id": e.moderator.id})
    attacker = await e.call("GET", f"/orgs/{e.org}/officials", e.attacker)
    owner = await e.call("GET", f"/orgs/{e.org}/officials", e.victim)
    assert attacker.json() == owner.json()
    await e.ok("DELETE", f"/orgs/{e.org}/officials/{e.moderator.id}", e.victim)
    return Result(_as_refused(attacker), owner, True)


# Polls.

refused_read("GET", "/topics/{topic_id:int}/polls",
             _in("/topics/{topic_id:int}/polls", "{topic_id:int}", "private_topic"))


async def _poll(e: Env, topic: int | None = None, by: User | None = None) -> dict[str, Any]:
    body = {"question": f"Which {uuid.uuid4().hex[:4]}?", "options": ["Yes", "No"]}
    return dict((await e.ok("POST", f"/topics/{topic or e.topic}/polls", by or e.victim,
                            body))["poll"])


async def _total(e: Env, poll: int) -> int:
    return int((await e.ok("GET", f"/polls/{poll}", e.victim))["poll"]["total_votes"])


@probe("GET", "/polls/{poll_id:int}")
async def read_poll(e: Env) -> Result:
    poll = await _poll(e, e.private_topic)
    return await attacker_then_owner(e, "GET", f"/polls/{poll['id']}", e.author)


@probe("POST", "/topics/{topic_id:int}/polls")
async def open_poll(e: Env) -> Result:
    """Only the topic's author and the space's moderators open polls."""
    body = {"question": "Planted?", "options": ["Yes", "No"]}
    before = await e.ok("GET", f"/topics/{e.topic}/polls", e.victim)
    attacker = await e.call("POST", f"/topics/{e.topic}/polls", e.attacker, body)
    after = await e.ok("GET", f"/topics/{e.topic}/polls", e.victim)
    return Result(attacker, await e.call("POST", f"/topics/{e.topic}/polls", e.victim, body),
                  before == after)


@probe("PUT", "/polls/{poll_id:int}/vote")
async def vote(e: Env) -> Result:
    """Anyone who reads a topic may vote: the private space's polls are the target."""
    poll = await _poll(e, e.private_topic)
    body = {"option_id": poll["options"][0]["id"]}
    attacker = await e.call("PUT", f"/polls/{poll['id']}/vote", e.attacker, body)
    unchanged = await _total(e, poll["id"]) == 0
    return Result(attacker, await e.call("PUT", f"/polls/{poll['id']}/vote", e.author, body),
                  unchanged)


@probe("DELETE", "/polls/{poll_id:int}/vote")
async def withdraw_vote(e: Env) -> Result:
    poll = await _poll(e, e.private_topic)
    await e.ok("PUT", f"/polls/{poll['id']}/vote", e.author,
               {"option_id": poll["options"][0]["id"]})
    attacker = await e.call("DELETE", f"/polls/{poll['id']}/vote", e.attacker)
    unchanged = await _total(e, poll["id"]) == 1
    return Result(attacker, await e.call("DELETE", f"/polls/{poll['id']}/vote", e.author),
                  unchanged)


@probe("POST", "/polls/{poll_id:int}/close")
async def close_poll(e: Env) -> Result:
    poll = await _poll(e)
    attacker = await e.call("POST", f"/polls/{poll['id']}/close", e.attacker)
    unchanged = (await e.ok("GET", f"/polls/{poll['id']}", e.victim))["poll"]["closed"] is False
    return Result(attacker, await e.call("POST", f"/polls/{poll['id']}/close", e.victim),
                  unchanged)


# --- the consensus map (premium): rounds in a premium organization of the victim's ---

_PROPOSAL = ("Night buses should run every fifteen minutes on the four busiest lines, "
             "paid for by moving the money now spent on the little-used late ferry service.")


async def _consensus_round(e: Env, visibility: str = "private") -> tuple[int, int, int]:
    """(topic, round, its first statement) in a premium organization of the victim's."""
    org = await e.site.api.org(e.victim, f"Victim Consensus {uuid.uuid4().hex[:4]}")
    await e.ok("POST", f"/admin/orgs/{org['id']}/tier", e.platform,
               {"tier": "premium", "reason": "ownership probes"})
    space = await e.site.api.space(e.victim, org["id"], visibility, name="Consensus square")
    topic = await e.site.api.topic(e.victim, space["id"], "Night buses")
    found = (await e.ok("POST", f"/topics/{topic['id']}/consensus", e.victim,
                        {"prompt": "How?", "statements": ["Buses", "Bikes"]}))["round"]
    return topic["id"], found["id"], found["statements"][0]["id"]


async def _round_of(e: Env, round_id: int) -> dict[str, Any]:
    return dict((await e.ok("GET", f"/consensus/{round_id}", e.victim))["round"])


@probe("POST", "/topics/{topic_id:int}/consensus")
async def open_consensus_round(e: Env) -> Result:
    topic, found, _ = await _consensus_round(e, "public")
    await e.ok("POST", f"/consensus/{found}/close", e.victim)
    return await attacker_then_owner(e, "POST", f"/topics/{topic}/consensus", e.victim,
                                     {"prompt": "Where?", "statements": ["Here"]})


refused_read("GET", "/topics/{topic_id:int}/consensus",
             _in("/topics/{topic_id:int}/consensus", "{topic_id:int}", "private_topic"))


@probe("GET", "/consensus/{round_id:int}")
async def read_consensus_round(e: Env) -> Result:
    _, found, _ = await _consensus_round(e)
    return await attacker_then_owner(e, "GET", f"/consensus/{found}", e.victim)


@probe("GET", "/consensus/{round_id:int}/next")
async def next_consensus_statement(e: Env) -> Result:
    _, found, _ = await _consensus_round(e)
    return await attacker_then_owner(e, "GET", f"/consensus/{found}/next", e.victim)


@probe("POST", "/consensus/{round_id:int}/statements")
async def propose_consensus_statement(e: Env) -> Result:
    _, found, _ = await _consensus_round(e)

    async def unchanged() -> bool:
        return bool(len((await _round_of(e, found))["statements"]) == 2)

    return await attacker_then_owner(e, "POST", f"/consensus/{found}/statements", e.victim,
                                     {"text": _PROPOSAL}, unchanged=unchanged)


@probe("PUT", "/consensus/{round_id:int}/statements/{statement_id:int}/vote")
async def vote_on_consensus_statement(e: Env) -> Result:
    _, found, statement = await _consensus_round(e)

    async def unchanged() -> bool:
        return bool((await _round_of(e, found))["statements"][0]["agree"] == 0)

    return await attacker_then_owner(
        e, "PUT", f"/consensus/{found}/statements/{statement}/vote", e.victim,
        {"vote": "agree"}, unchanged=unchanged)


async def _decide_probe(e: Env, decision: str) -> Result:
    _, found, _ = await _consensus_round(e, "public")
    pending = (await e.ok("POST", f"/consensus/{found}/statements", e.author,
                          {"text": _PROPOSAL}))["statement"]["id"]

    async def unchanged() -> bool:
        statements = (await _round_of(e, found))["statements"]
        return bool(next(s for s in statements if s["id"] == pending)["status"] == "pending")

    return await attacker_then_owner(
        e, "POST", f"/consensus/{found}/statements/{pending}/{decision}", e.victim,
        unchanged=unchanged)


@probe("POST", "/consensus/{round_id:int}/statements/{statement_id:int}/accept")
async def accept_consensus_statement(e: Env) -> Result:
    return await _decide_probe(e, "accept")


@probe("POST", "/consensus/{round_id:int}/statements/{statement_id:int}/reject")
async def reject_consensus_statement(e: Env) -> Result:
    return await _decide_probe(e, "reject")


@probe("POST", "/consensus/{round_id:int}/close")
async def close_consensus_round(e: Env) -> Result:
    _, found, _ = await _consensus_round(e, "public")

    async def unchanged() -> bool:
        return bool((await _round_of(e, found))["status"] == "open")

    return await attacker_then_owner(e, "POST", f"/consensus/{found}/close", e.victim,
                                     unchanged=unchanged)


@probe("DELETE", "/me/sessions/{session_id:int}")
async def end_session(e: Env) -> Result:
    """Ending someone else's session: the id is the victim's, the caller the attacker."""
    login = await e.site.http.post("/api/v1/auth/login",
                                   json={"email": e.victim.email, "password": PASSWORD})
    e.site.http.cookies.clear()
    token = login.json()["token"]
    sessions = (await e.site.http.get("/api/v1/me/sessions",
                                      headers={"Authorization": f"Bearer {token}"})
                ).json()["sessions"]
    session_id = next(s["id"] for s in sessions if s["current"])
    attacker = await e.call("DELETE", f"/me/sessions/{session_id}", e.attacker)
    still = await e.site.http.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    owner = await e.call("DELETE", f"/me/sessions/{session_id}", e.victim)
    return Result(attacker, owner, still.status_code == 200)


def _as_refused(response: httpx.Response) -> httpx.Response:
    """A public read that showed nothing of the owner's: counts as refused."""
    return httpx.Response(404, json={"error": {"code": "not_found", "message": "public"}})


ID_ENDPOINTS = sorted((ep.method, ep.path) for ep in all_endpoints() if "{" in ep.path)


def test_every_id_based_endpoint_has_a_probe() -> None:
    assert set(PROBES) == set(ID_ENDPOINTS), (
        f"without a probe: {sorted(set(ID_ENDPOINTS) - set(PROBES))}; "
        f"probes for nothing: {sorted(set(PROBES) - set(ID_ENDPOINTS))}")


@pytest.mark.parametrize("endpoint", ID_ENDPOINTS, ids=lambda e: f"{e[0]} {e[1]}")
async def test_another_users_object_is_refused(env: Env, endpoint: tuple[str, str]) -> None:
    if endpoint not in PROBES:
        pytest.fail(f"no probe for {endpoint}")
    result = await PROBES[endpoint](env)
    assert result.attacker.status_code in REFUSED, (result.attacker.status_code,
                                                   result.attacker.text)
    assert "Traceback" not in result.attacker.text
    assert result.unchanged, "the attacker's call changed the victim's object"
    assert as_declared(result.owner), ("the owner's call must pass: the probe is wrong",
                                     result.owner.status_code, result.owner.text)
