"""Authorization as data.

ONE table says what every role gets for every action, in every scope and on
every tier: `ok`, or how it is refused (401 not signed in, 403 not allowed,
404 invisible, 402 the tier does not allow it). Each cell is a test against the
HTTP API; the rows about private spaces are also tests of WebSocket
subscriptions. A private space's events must reach no outsider during a
1,000-post run.

Roles are relative to the actor's own space, a space of organization A:
- member: a member of A's private "own" space;
- moderator: a moderator of A's "own" spaces (public and private);
- org_admin: an admin of organization A;
- participant: signed in, no role anywhere; anonymous: not signed in.
Scopes: the actor's own space, another space of A, a space of organization B.
Tiers: A and B on free, plus or premium (free orgs keep the private spaces they
opened when they were on plus: a downgrade deletes nothing).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.security.conftest import Site
from tests.support.api import User
from tests.support.world import Builder, tiers_over_api

pytestmark = pytest.mark.anyio

ROLES = ("anonymous", "participant", "member", "moderator", "org_admin", "platform_admin")
SCOPES = ("own space", "other space", "other org")
TIERS = ("free", "plus", "premium")

OK, UNAUTH, DENY, HIDDEN, PAY, NA = "ok", "401", "403", "404", "402", "n/a"

Cell = str | dict[str, str]  # one outcome, or one per tier


def tiered(free: str, plus: str, premium: str) -> dict[str, str]:
    return {"free": free, "plus": plus, "premium": premium}


CREATE = tiered(PAY, OK, OK)  # private spaces need plus
# Nothing is above premium: upgrade rows are n/a there.
UPGRADE, UP_UNAUTH, UP_DENY = tiered(OK, OK, NA), tiered(UNAUTH, UNAUTH, NA), tiered(DENY, DENY, NA)

# action -> role -> (own space, other space of the same org, other org)
TABLE: dict[str, dict[str, tuple[Cell, Cell, Cell]]] = {
    "read a private space": {
        "anonymous": (HIDDEN, HIDDEN, HIDDEN),
        "participant": (HIDDEN, HIDDEN, HIDDEN),
        "member": (OK, HIDDEN, HIDDEN),
        "moderator": (OK, HIDDEN, HIDDEN),
        "org_admin": (OK, OK, HIDDEN),
        "platform_admin": (OK, OK, OK),
    },
    "post in a public space": {
        "anonymous": (UNAUTH, UNAUTH, UNAUTH),
        "participant": (OK, OK, OK),
        "member": (OK, OK, OK),
        "moderator": (OK, OK, OK),
        "org_admin": (OK, OK, OK),
        "platform_admin": (OK, OK, OK),
    },
    "post in a private space": {
        "anonymous": (UNAUTH, UNAUTH, UNAUTH),
        "participant": (HIDDEN, HIDDEN, HIDDEN),
        "member": (OK, HIDDEN, HIDDEN),
        "moderator": (OK, HIDDEN, HIDDEN),
        "org_admin": (OK, OK, HIDDEN),
        "platform_admin": (OK, OK, OK),
    },
    "open a topic in a private space": {
        "anonymous": (UNAUTH, UNAUTH, UNAUTH),
        "participant": (HIDDEN, HIDDEN, HIDDEN),
        "member": (OK, HIDDEN, HIDDEN),
        "moderator": (OK, HIDDEN, HIDDEN),
        "org_admin": (OK, OK, HIDDEN),
        "platform_admin": (OK, OK, OK),
    },
    "edit someone else's post": {
        "anonymous": (UNAUTH, UNAUTH, UNAUTH),
        "participant": (DENY, DENY, DENY),
        "member": (DENY, DENY, DENY),
        "moderator": (DENY, DENY, DENY),
        "org_admin": (DENY, DENY, DENY),
        "platform_admin": (DENY, DENY, DENY),
    },
    "delete someone else's post": {
        "anonymous": (UNAUTH, UNAUTH, UNAUTH),
        "participant": (DENY, DENY, DENY),
        "member": (DENY, DENY, DENY),
        "moderator": (DENY, DENY, DENY),
        "org_admin": (DENY, DENY, DENY),
        "platform_admin": (DENY, DENY, DENY),
    },
    "edit someone else's post in a private space": {
        "anonymous": (UNAUTH, UNAUTH, UNAUTH),
        "participant": (HIDDEN, HIDDEN, HIDDEN),
        "member": (DENY, HIDDEN, HIDDEN),
        "moderator": (DENY, HIDDEN, HIDDEN),
        "org_admin": (DENY, DENY, HIDDEN),
        "platform_admin": (DENY, DENY, DENY),
    },
    "hide a post": {
        "anonymous": (UNAUTH, UNAUTH, UNAUTH),
        "participant": (DENY, DENY, DENY),
        "member": (DENY, DENY, DENY),
        "moderator": (OK, DENY, DENY),
        "org_admin": (OK, OK, DENY),
        "platform_admin": (OK, OK, OK),
    },
    "hide a post in a private space": {
        "anonymous": (UNAUTH, UNAUTH, UNAUTH),
        "participant": (HIDDEN, HIDDEN, HIDDEN),
        "member": (DENY, HIDDEN, HIDDEN),
        "moderator": (OK, HIDDEN, HIDDEN),
        "org_admin": (OK, OK, HIDDEN),
        "platform_admin": (OK, OK, OK),
    },
    "lock a topic": {
        "anonymous": (UNAUTH, UNAUTH, UNAUTH),
        "participant": (DENY, DENY, DENY),
        "member": (DENY, DENY, DENY),
        "moderator": (OK, DENY, DENY),
        "org_admin": (OK, OK, DENY),
        "platform_admin": (OK, OK, OK),
    },
    "mute a participant": {
        "anonymous": (UNAUTH, UNAUTH, UNAUTH),
        "participant": (DENY, DENY, DENY),
        "member": (DENY, DENY, DENY),
        "moderator": (OK, DENY, DENY),
        "org_admin": (OK, OK, DENY),
        "platform_admin": (OK, OK, OK),
    },
    "add a moderator": {
        "anonymous": (UNAUTH, UNAUTH, UNAUTH),
        "participant": (DENY, DENY, DENY),
        "member": (DENY, DENY, DENY),
        "moderator": (DENY, DENY, DENY),
        "org_admin": (OK, OK, DENY),
        "platform_admin": (OK, OK, OK),
    },
    "add a member to a private space": {
        "anonymous": (UNAUTH, UNAUTH, UNAUTH),
        "participant": (HIDDEN, HIDDEN, HIDDEN),
        "member": (DENY, HIDDEN, HIDDEN),
        "moderator": (OK, HIDDEN, HIDDEN),
        "org_admin": (OK, OK, HIDDEN),
        "platform_admin": (OK, OK, OK),
    },
    # Organization-wide actions: "other space" is the same organization, so n/a.
    "create a private space": {
        "anonymous": (UNAUTH, NA, UNAUTH),
        "participant": (DENY, NA, DENY),
        "member": (DENY, NA, DENY),
        "moderator": (DENY, NA, DENY),
        "org_admin": (CREATE, NA, DENY),
        "platform_admin": (CREATE, NA, CREATE),
    },
    "ask for an upgrade": {
        "anonymous": (UP_UNAUTH, NA, UP_UNAUTH),
        "participant": (UP_DENY, NA, UP_DENY),
        "member": (UP_DENY, NA, UP_DENY),
        "moderator": (UP_DENY, NA, UP_DENY),
        "org_admin": (UPGRADE, NA, UP_DENY),
        "platform_admin": (UPGRADE, NA, UPGRADE),
    },
    "approve an upgrade": {
        "anonymous": (UP_UNAUTH, NA, UP_UNAUTH),
        "participant": (UP_DENY, NA, UP_DENY),
        "member": (UP_DENY, NA, UP_DENY),
        "moderator": (UP_DENY, NA, UP_DENY),
        # An org admin never approves their own organization's upgrade.
        "org_admin": (UP_DENY, NA, UP_DENY),
        "platform_admin": (UPGRADE, NA, UPGRADE),
    },
}


@dataclass(frozen=True)
class Case:
    action: str
    role: str
    scope: str
    tier: str
    expected: str

    @property
    def id(self) -> str:
        return f"{self.action}|{self.role}|{self.scope}|{self.tier}|{self.expected}"


def _cases(actions: set[str] | None = None) -> list[Case]:
    cases = []
    for action, rows in TABLE.items():
        if actions is not None and action not in actions:
            continue
        for role in ROLES:
            for scope, cell in zip(SCOPES, rows[role], strict=True):
                for tier in TIERS:
                    expected = cell if isinstance(cell, str) else cell[tier]
                    if expected != NA:
                        cases.append(Case(action, role, scope, tier, expected))
    return cases


def test_the_table_covers_every_role_and_scope() -> None:
    for action, rows in TABLE.items():
        assert set(rows) == set(ROLES), action
        for row in rows.values():
            assert len(row) == len(SCOPES)
            for cell in row:
                assert isinstance(cell, str) or set(cell) == set(TIERS)
    assert len(_cases()) > 700


# --- the world --------------------------------------------------------------------


@dataclass
class Place:
    """One tier's organizations A (the actor's) and B, their spaces and people."""

    tier: str
    org: dict[str, int] = field(default_factory=dict)  # scope -> org id
    public: dict[str, int] = field(default_factory=dict)  # scope -> space id
    private: dict[str, int] = field(default_factory=dict)
    public_topic: dict[str, int] = field(default_factory=dict)
    private_topic: dict[str, int] = field(default_factory=dict)
    people: dict[str, User] = field(default_factory=dict)


@dataclass
class World:
    site: Site
    platform: User
    participant: User
    candidate: User  # someone to make moderator, member, or mute
    places: dict[str, Place]

    def actor(self, role: str, tier: str) -> User | None:
        if role == "anonymous":
            return None
        if role == "participant":
            return self.participant
        if role == "platform_admin":
            return self.platform
        return self.places[tier].people[role]

    async def call(self, method: str, path: str, user: User | None,
                   body: Any = None) -> httpx.Response:
        return await self.site.api.call(method, path, user, body)

    @property
    def build(self) -> Builder:
        """The world builder, with tiers set by the platform admin."""
        return Builder(self.site.api,
                       tiers=tiers_over_api(self.site.api, self.platform, "authorization matrix"))

    async def ok(self, method: str, path: str, user: User | None, body: Any = None) -> Any:
        """A call that must answer its declared success status (tests/support/api.py)."""
        return await self.site.api.ok(method, path, user, body)


async def _build_place(site: Site, platform: User, tier: str) -> Place:
    api = site.api
    tiers = tiers_over_api(api, platform, "authorization matrix")
    build = Builder(api, tiers=tiers)
    place = Place(tier)
    people = {name: await api.user(f"{tier} {name}")
              for name in ("org_admin", "foreign_admin", "moderator", "member", "victim")}
    place.people = people
    # Private spaces are opened on plus; the orgs then go to the place's tier (a
    # downgrade deletes nothing).
    a = await build.org(people["org_admin"], f"City A ({tier})", tier="plus")
    b = await build.org(people["foreign_admin"], f"City B ({tier})", tier="plus")
    place.org = {"own space": a["id"], "other space": a["id"], "other org": b["id"]}
    for scope, org_id, admin in (("own space", a["id"], people["org_admin"]),
                                 ("other space", a["id"], people["org_admin"]),
                                 ("other org", b["id"], people["foreign_admin"])):
        own = scope == "own space"
        moderators = [people["moderator"]] if own else []
        members = [people["victim"], *([people["member"]] if own else [])]
        public = await build.space(admin, org_id, "public", name=f"Public {scope}",
                                   moderators=moderators)
        private = await build.space(admin, org_id, "private", name=f"Private {scope}",
                                    moderators=moderators, members=members)
        place.public[scope] = public["id"]
        place.private[scope] = private["id"]
        place.public_topic[scope] = (await api.topic(admin, public["id"], "Open"))["id"]
        place.private_topic[scope] = (await api.topic(admin, private["id"], "Closed"))["id"]
    if tier != "plus":
        for org in (a, b):
            await tiers(org["id"], tier)
    return place


@pytest.fixture(scope="module")
async def world(site: Site) -> World:
    platform = await site.platform_admin()
    participant = await site.api.user("Participant")
    candidate = await site.api.user("Candidate")
    places = {tier: await _build_place(site, platform, tier) for tier in TIERS}
    return World(site, platform, participant, candidate, places)


# --- the actions -------------------------------------------------------------------

Action = Callable[[World, User | None, Place, str], Awaitable[httpx.Response]]


async def _victim_post(w: World, place: Place, topic_id: int) -> dict[str, Any]:
    body = await w.ok("POST", f"/topics/{topic_id}/posts", place.people["victim"],
                      {"body": "The victim's words"})
    return dict(body["post"])


async def _post_as_seen_by_platform(w: World, topic_id: int, post_id: int) -> dict[str, Any]:
    posts = (await w.ok("GET", f"/topics/{topic_id}/posts", w.platform))["posts"]
    return next(p for p in posts if p["id"] == post_id)


async def _on_a_victim_post(
    w: World, actor: User | None, place: Place, topic: int, method: str, suffix: str = "",
    body: Any = None,
) -> tuple[dict[str, Any], httpx.Response, dict[str, Any]]:
    """The victim posts in `topic`; `actor` calls `method /posts/{id}{suffix}` on it.
    Answers the post as written, the actor's response, and the post as the platform
    admin then sees it."""
    post = await _victim_post(w, place, topic)
    r = await w.call(method, f"/posts/{post['id']}{suffix}", actor, body)
    return post, r, await _post_as_seen_by_platform(w, topic, post["id"])


async def read_private_space(w: World, actor: User | None, place: Place,
                             scope: str) -> httpx.Response:
    space = await w.call("GET", f"/spaces/{place.private[scope]}", actor)
    thread = await w.call("GET", f"/topics/{place.private_topic[scope]}/posts", actor)
    topics = await w.call("GET", f"/spaces/{place.private[scope]}/topics", actor)
    assert space.status_code == thread.status_code == topics.status_code
    return space


async def post_public(w: World, actor: User | None, place: Place, scope: str) -> httpx.Response:
    return await w.call("POST", f"/topics/{place.public_topic[scope]}/posts", actor,
                        {"body": "A reply"})


async def post_private(w: World, actor: User | None, place: Place, scope: str) -> httpx.Response:
    return await w.call("POST", f"/topics/{place.private_topic[scope]}/posts", actor,
                        {"body": "A members-only reply"})


async def open_private_topic(w: World, actor: User | None, place: Place,
                             scope: str) -> httpx.Response:
    return await w.call("POST", f"/spaces/{place.private[scope]}/topics", actor,
                        {"title": "A new question", "body": "What do you think?"})


def _edit(private: bool) -> Action:
    async def edit(w: World, actor: User | None, place: Place, scope: str) -> httpx.Response:
        topic = (place.private_topic if private else place.public_topic)[scope]
        post, r, after = await _on_a_victim_post(w, actor, place, topic, "PATCH",
                                                 body={"body": "Rewritten"})
        assert after["body"] == ("Rewritten" if r.is_success else post["body"])
        return r

    return edit


async def delete_post(w: World, actor: User | None, place: Place, scope: str) -> httpx.Response:
    topic = place.public_topic[scope]
    _, r, after = await _on_a_victim_post(w, actor, place, topic, "DELETE")
    assert after["deleted"] is r.is_success
    return r


def _hide(private: bool) -> Action:
    async def hide(w: World, actor: User | None, place: Place, scope: str) -> httpx.Response:
        topic = (place.private_topic if private else place.public_topic)[scope]
        _, r, after = await _on_a_victim_post(w, actor, place, topic, "POST", "/hide",
                                              {"reason": "Off topic"})
        assert after["hidden"] is r.is_success
        return r

    return hide


async def lock_topic(w: World, actor: User | None, place: Place, scope: str) -> httpx.Response:
    topic = (await w.ok("POST", f"/spaces/{place.public[scope]}/topics", place.people["victim"],
                        {"title": "To lock", "body": "Soon locked?"}))["topic"]
    r = await w.call("PATCH", f"/topics/{topic['id']}", actor, {"locked": True})
    after = (await w.ok("GET", f"/topics/{topic['id']}", w.platform))["topic"]
    assert after["locked"] is r.is_success
    return r


async def mute(w: World, actor: User | None, place: Place, scope: str) -> httpx.Response:
    space = place.public[scope]
    r = await w.call("POST", f"/spaces/{space}/mutes", actor,
                     {"user_id": w.candidate.id, "reason": "Shouting"})
    if r.is_success:
        await w.ok("DELETE", f"/spaces/{space}/mutes/{w.candidate.id}", w.platform)
    return r


async def _add_candidate(w: World, actor: User | None, space: int,
                         kind: str) -> httpx.Response:
    """`actor` adds the candidate to the space's `kind` ("moderators" or "members"); the
    list the platform admin sees must agree, and the candidate is taken back out."""
    r = await w.call("POST", f"/spaces/{space}/{kind}", actor, {"user_id": w.candidate.id})
    listed = (await w.ok("GET", f"/spaces/{space}/{kind}", w.platform))["members"]
    assert (w.candidate.id in {m["user"]["id"] for m in listed}) is r.is_success
    if r.is_success:
        await w.ok("DELETE", f"/spaces/{space}/{kind}/{w.candidate.id}", w.platform)
    return r


async def add_moderator(w: World, actor: User | None, place: Place,
                        scope: str) -> httpx.Response:
    return await _add_candidate(w, actor, place.public[scope], "moderators")


async def add_member(w: World, actor: User | None, place: Place, scope: str) -> httpx.Response:
    return await _add_candidate(w, actor, place.private[scope], "members")


async def create_private_space(w: World, actor: User | None, place: Place,
                               scope: str) -> httpx.Response:
    return await w.call("POST", f"/orgs/{place.org[scope]}/spaces", actor,
                        {"name": f"Council {uuid.uuid4().hex[:6]}", "visibility": "private"})


NEXT_TIER = {"free": "plus", "plus": "premium"}


async def ask_for_upgrade(w: World, actor: User | None, place: Place,
                          scope: str) -> httpx.Response:
    r = await w.call("POST", f"/orgs/{place.org[scope]}/upgrade-requests", actor,
                     {"tier": NEXT_TIER[place.tier], "note": "We grew"})
    if r.is_success:  # one pending request at a time: answer it
        await w.ok("POST", f"/admin/upgrade-requests/{r.json()['upgrade_request']['id']}"
                   "/reject", w.platform, {"reason": "Not now"})
    return r


async def approve_upgrade(w: World, actor: User | None, place: Place,
                          scope: str) -> httpx.Response:
    # A fresh organization each time: an approval changes its tier for good.
    owner = place.people["org_admin" if scope == "own space" else "foreign_admin"]
    org = await w.build.org(owner, f"Upgrading {uuid.uuid4().hex[:6]}", tier=place.tier)
    request = (await w.ok("POST", f"/orgs/{org['id']}/upgrade-requests", owner,
                          {"tier": NEXT_TIER[place.tier]}))["upgrade_request"]
    r = await w.call("POST", f"/admin/upgrade-requests/{request['id']}/approve", actor)
    tier = (await w.ok("GET", f"/orgs/{org['id']}", w.platform))["org"]["tier"]
    assert tier == (NEXT_TIER[place.tier] if r.is_success else place.tier)
    return r


ACTIONS: dict[str, Action] = {
    "read a private space": read_private_space,
    "post in a public space": post_public,
    "post in a private space": post_private,
    "open a topic in a private space": open_private_topic,
    "edit someone else's post": _edit(private=False),
    "delete someone else's post": delete_post,
    "edit someone else's post in a private space": _edit(private=True),
    "hide a post": _hide(private=False),
    "hide a post in a private space": _hide(private=True),
    "lock a topic": lock_topic,
    "mute a participant": mute,
    "add a moderator": add_moderator,
    "add a member to a private space": add_member,
    "create a private space": create_private_space,
    "ask for an upgrade": ask_for_upgrade,
    "approve an upgrade": approve_upgrade,
}


def test_every_action_of_the_table_is_implemented() -> None:
    assert set(ACTIONS) == set(TABLE)


def outcome(response: httpx.Response) -> str:
    if response.is_success:
        return OK
    assert "Traceback" not in response.text
    assert response.json()["error"]["code"], response.text
    return str(response.status_code)


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c.id)
async def test_http(world: World, case: Case) -> None:
    place = world.places[case.tier]
    actor = world.actor(case.role, case.tier)
    response = await ACTIONS[case.action](world, actor, place, case.scope)
    assert outcome(response) == case.expected, response.text


# --- the same rows over the WebSocket ---------------------------------------------


async def _subscribe(ws_url: str, token: str | None, channel: str) -> str:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with connect(ws_url, additional_headers=headers, open_timeout=5) as ws:
        await ws.send(json.dumps({"type": "subscribe", "channel": channel}))
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
            if frame["type"] == "subscribed":
                return OK
            if frame["type"] == "error":
                assert frame.get("channel") == channel
                return {"not_found": HIDDEN, "forbidden": DENY}.get(frame["code"],
                                                                    str(frame["code"]))


@pytest.mark.parametrize("case", _cases({"read a private space"}), ids=lambda c: c.id)
async def test_websocket_subscriptions(world: World, case: Case) -> None:
    place = world.places[case.tier]
    actor = world.actor(case.role, case.tier)
    token = actor.token if actor else None
    for channel in (f"space:{place.private[case.scope]}",
                    f"topic:{place.private_topic[case.scope]}"):
        assert await _subscribe(world.site.ws_url, token, channel) == case.expected, channel


# --- a private space's events reach no outsider ----------------------------------

PRIVATE_RUN = 1000


class Listener:
    """A socket that follows what it may and keeps every frame it receives, raw."""

    def __init__(self, ws_url: str, token: str | None) -> None:
        self.ws_url = ws_url
        self.token = token
        self.raw: list[str] = []
        self.answers: dict[str, str] = {}
        self.ready = asyncio.Event()
        self.stop = asyncio.Event()

    async def run(self, channels: list[str]) -> None:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        async with connect(self.ws_url, additional_headers=headers, max_size=2**22) as ws:
            for channel in channels:
                await ws.send(json.dumps({"type": "subscribe", "channel": channel}))
            while not self.stop.is_set():
                try:
                    raw = await asyncio.wait_for(ws.recv(), 0.2)
                except TimeoutError:
                    continue
                assert isinstance(raw, str)
                self.raw.append(raw)
                frame = json.loads(raw)
                if frame["type"] in {"subscribed", "error"} and "channel" in frame:
                    self.answers[frame["channel"]] = frame.get("code", "subscribed")
                    if len(self.answers) == len(channels):
                        self.ready.set()

    def events(self, channel: str) -> list[dict[str, Any]]:
        frames = [json.loads(r) for r in self.raw]
        return [f for f in frames if f["type"] == "event" and f["channel"] == channel]


@pytest.mark.early
async def test_a_private_space_leaks_nothing_to_outsiders_over_1000_posts(world: World) -> None:
    plus, free = world.places["plus"], world.places["free"]
    space, topic = plus.private["own space"], plus.private_topic["own space"]
    private_channels = [f"space:{space}", f"topic:{topic}"]
    public_channels = [f"{kind}:{ids[scope]}"
                       for place in world.places.values()
                       for kind, ids in (("space", place.public), ("topic", place.public_topic))
                       for scope in SCOPES]
    outsiders = {
        "anonymous": None,
        "participant": world.participant,
        "admin of another organization": plus.people["foreign_admin"],
        "member of another private space": free.people["member"],
    }
    listeners = {name: Listener(world.site.ws_url, u.token if u else None)
                 for name, u in outsiders.items()}
    insider = Listener(world.site.ws_url, plus.people["member"].token)
    tasks = [asyncio.create_task(listener.run(public_channels + private_channels))
             for listener in listeners.values()]
    tasks.append(asyncio.create_task(insider.run(private_channels)))
    for listener in [*listeners.values(), insider]:
        await asyncio.wait_for(listener.ready.wait(), 10)
    for name, listener in listeners.items():
        for channel in private_channels:
            assert listener.answers[channel] == "not_found", (name, channel)
        assert all(listener.answers[c] == "subscribed" for c in public_channels), name
    assert all(insider.answers[c] == "subscribed" for c in private_channels)

    marker = f"SECRET-{uuid.uuid4().hex}"
    authors = [plus.people["member"], plus.people["org_admin"], plus.people["moderator"],
               plus.people["victim"]]

    async def author(i: int) -> None:
        for n in range(i, PRIVATE_RUN, len(authors)):
            await world.ok("POST", f"/topics/{topic}/posts", authors[i],
                           {"body": f"{marker} number {n}"})

    await asyncio.gather(*(author(i) for i in range(len(authors))))
    # Other private events too: a new topic, a moderator's changes.
    secret_topic = (await world.ok("POST", f"/spaces/{space}/topics", plus.people["member"],
                                   {"title": f"{marker} budget", "body": marker}))["topic"]
    await world.ok("PATCH", f"/topics/{secret_topic['id']}", plus.people["moderator"],
                   {"pinned": True, "title": f"{marker} renamed"})
    # And a public post, which every outsider must get: proof they were listening.
    public_topic = plus.public_topic["own space"]
    await world.ok("POST", f"/topics/{public_topic}/posts", world.participant,
                   {"body": "The public end of the run"})

    async def all_arrived() -> None:
        while len(insider.events(f"topic:{topic}")) < PRIVATE_RUN or any(
            not any("The public end of the run" in r for r in listener.raw)
            for listener in listeners.values()
        ):
            await asyncio.sleep(0.05)

    await asyncio.wait_for(all_arrived(), 30)
    for listener in [*listeners.values(), insider]:
        listener.stop.set()
    await asyncio.gather(*tasks)

    bodies = [e["data"]["body"] for e in insider.events(f"topic:{topic}")]
    assert sum(marker in b for b in bodies) == PRIVATE_RUN
    for name, listener in listeners.items():
        leaked = [r for r in listener.raw if marker in r or (
            json.loads(r).get("channel") in private_channels and json.loads(r)["type"] != "error")]
        assert leaked == [], f"{name} received {len(leaked)} private frames: {leaked[:2]}"
