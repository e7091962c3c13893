"""A burst of sockets (a node's clients reconnecting at once) is authenticated and
authorized in a few shared reads (cps/live/bursts.py): each socket must still get
exactly what it would get alone: a forged token its 401, an outsider its
not_found, a banned user their refusal, a resume its events, whoever it shares
the read with."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from websockets.exceptions import InvalidStatus

from cps.live.bursts import Burst
from cps.services.accounts import identity
from cps.services.accounts.identity import hash_token
from cps.storage.models import AuthToken
from cps.storage.types import utcnow
from tests.live.conftest import Backend
from tests.live.helpers import direct, private_world
from tests.support.api import Api
from tests.support.clients import LiveClient, live_client
from tests.support.servers import AppServer

pytestmark = pytest.mark.anyio

ROUNDS = 4  # each kind of socket, several times in the same burst
Case = tuple[str | None, str, int | None, tuple[Any, ...]]


async def _answer(client: LiveClient, channel: str, since: int | None = None) -> Any:
    frame: dict[str, Any] = {"type": "subscribe", "channel": channel}
    if since is not None:
        frame["since"] = since
    await client.send(frame)
    answer = await client.recv(timeout=10)
    return (answer["type"], answer.get("code") or answer.get("seq"), answer.get("channel"))


async def test_a_burst_of_subscribes_gets_what_each_would_get_alone(
    api: Api, server: AppServer, backend: Backend
) -> None:
    p = await private_world(api, backend.database_url)
    w = await api.world()
    public, private = f"topic:{w['topic']['id']}", f"topic:{p['topic']['id']}"
    private_space = f"space:{p['space']['id']}"
    await api.post(w["citizen"], w["topic"]["id"], "one")
    await api.post(w["citizen"], w["topic"]["id"], "two")
    banned = await api.user("Banned")
    await api.ok("POST", f"/spaces/{w['space']['id']}/bans", w["admin"],
                 {"user_id": banned.id, "reason": "Threats", "rule": "abuse"}, status=201)
    member, outsider = p["member"], p["outsider"]
    cases: list[Case] = [
        (member.token, private, None, ("subscribed", None, private)),
        (member.token, private_space, None, ("subscribed", None, private_space)),
        (outsider.token, private, None, ("error", "not_found", private)),
        (outsider.token, private_space, None, ("error", "not_found", private_space)),
        (None, private, None, ("error", "not_found", private)),
        (None, public, None, ("subscribed", None, public)),
        (outsider.token, public, 1, ("subscribed", None, public)),  # then event 2
        (banned.token, public, None, ("error", "forbidden", public)),
        (p["admin"].token, private, None, ("subscribed", None, private)),
        (w["admin"].token, private, None, ("error", "not_found", private)),
        (member.token, f"user:{outsider.id}", None,
         ("error", "forbidden", f"user:{outsider.id}")),
        (member.token, f"user:{member.id}", None, ("subscribed", None, f"user:{member.id}")),
        (member.token, "topic:999999999", None, ("error", "not_found", "topic:999999999")),
    ]
    alone = [await _alone(server, case) for case in cases]
    for case, (answer, replayed) in zip(cases, alone, strict=True):
        kind, code, channel = case[3]
        assert (answer[0], answer[2]) == (kind, channel), (case, answer)
        assert answer[1] == code or kind == "subscribed", (case, answer)
        if case[2] is not None:  # the resume replays what came after `since`
            assert replayed == list(range(case[2] + 1, answer[1] + 1)) and replayed

    answers = await asyncio.gather(*(_alone(server, case) for case in cases * ROUNDS))
    assert answers == alone * ROUNDS
    # The banned user's refusal says why, as it does alone.
    async with live_client(server.ws_url, banned.token) as client:
        await client.send({"type": "subscribe", "channel": public})
        refusal = await client.expect("error", code="forbidden")
        assert "banned" in refusal["message"]


async def _alone(
    server: AppServer, case: Case
) -> tuple[tuple[Any, ...], list[int]]:
    token, channel, since, _ = case
    async with live_client(server.ws_url, token) as client:
        answer = await _answer(client, channel, since)
        replayed = []
        if since is not None and answer[0] == "subscribed":
            replayed = [e["seq"] for e in await client.events(channel, answer[1] - since)]
        return answer, replayed


async def test_forged_and_revoked_tokens_in_a_burst_are_refused_and_the_rest_admitted(
    api: Api, server: AppServer
) -> None:
    w = await api.world()
    channel = f"topic:{w['topic']['id']}"
    gone = await api.user("Signed out")
    await api.ok("POST", "/auth/logout", gone, status=204)
    tokens = [w["citizen"].token, "forged-" + w["citizen"].token, gone.token, "",
              "x" * 5000, w["admin"].token] * 5

    async def connect(token: str) -> int | str:
        try:
            async with AsyncExitStack() as stack:
                client = await stack.enter_async_context(live_client(server.ws_url, token))
                return await client.subscribe(channel)
        except InvalidStatus as refused:
            return refused.response.status_code

    async with live_client(server.ws_url) as anonymous:
        seq = await anonymous.subscribe(channel)
    answers = await asyncio.gather(*(connect(token) for token in tokens))
    for token, answer in zip(tokens, answers, strict=True):
        # No token at all ("") is an anonymous visitor, who may follow a public topic.
        valid = token in (w["citizen"].token, w["admin"].token, "")
        assert answer == (seq if valid else 401), (token, answer)


async def test_a_burst_reads_once_for_all_and_a_failed_read_fails_only_its_batch() -> None:
    reads: list[list[int]] = []
    fail = True

    async def fetch(keys: list[int]) -> dict[int, int | Exception]:
        reads.append(sorted(keys))
        await asyncio.sleep(0.01)
        if fail:
            raise ConnectionError("database gone")
        return {k: k * 10 if k else LookupError("no such key") for k in keys if k != 7}

    burst: Burst[int, int] = Burst(fetch)
    results = await asyncio.gather(*(burst.get(k) for k in (1, 2, 2, 3)),
                                   return_exceptions=True)
    assert reads == [[1, 2, 3]]  # one read for the burst, each key once
    assert all(isinstance(r, ConnectionError) for r in results)
    fail = False
    results = await asyncio.gather(*(burst.get(k) for k in (1, 2, 0, 7)),
                                   return_exceptions=True)
    assert reads[-1] == [0, 1, 2, 7] and results[:2] == [10, 20]
    assert isinstance(results[2], LookupError)  # that key's error, in its waiter only
    assert isinstance(results[3], KeyError)  # a key the read left out
    # A waiter that goes away (its socket closed) does not disturb the others.
    waiter = asyncio.ensure_future(burst.get(5))
    others = asyncio.ensure_future(burst.get(6))
    await asyncio.sleep(0)
    waiter.cancel()
    assert await others == 60


async def test_tokens_read_together_answer_as_one_at_a_time_and_push_the_idle_end_back(
    api: Api, backend: Backend
) -> None:
    w = await api.world()
    fresh, used_long_ago, idle = w["citizen"], w["admin"], await api.user("Idle")
    async with direct(backend.database_url) as ctx:
        idle_for = timedelta(seconds=ctx.settings.session_idle_seconds)
        async with ctx.db.write() as tx:
            for user, when in ((used_long_ago, utcnow() - timedelta(minutes=30)),
                               (idle, utcnow() - idle_for - timedelta(minutes=1))):
                await tx.session.execute(
                    update(AuthToken).where(AuthToken.token_hash == hash_token(user.token))
                    .values(last_used_at=when))
        tokens = [fresh.token, used_long_ago.token, idle.token, "forged", ""]
        together = await identity.authenticate_many(ctx, tokens)
        assert {t: a.id if a else None for t, a in together.items()} == {
            fresh.token: fresh.id, used_long_ago.token: used_long_ago.id, idle.token: None,
            "forged": None, "": None}
        for token in tokens:
            assert together[token] == await identity.authenticate(ctx, token)
        async with ctx.db.read() as session:
            touched = await session.scalar(select(AuthToken.last_used_at).where(
                AuthToken.token_hash == hash_token(used_long_ago.token)))
        assert touched is not None and utcnow() - touched < timedelta(minutes=1)


async def test_requests_that_keep_coming_are_read_together_and_a_lone_one_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A storm's requests arrive over many turns of the event loop, not all in one:
    they still share a read. A lone request does not wait for the window."""
    reads: list[list[int]] = []

    async def fetch(keys: list[int]) -> dict[int, int | Exception]:
        reads.append(sorted(keys))
        return {k: k for k in keys}

    burst: Burst[int, int] = Burst(fetch)

    async def arriving(k: int) -> int:
        for _ in range(k):  # request k comes k turns after the first
            await asyncio.sleep(0)
        return await burst.get(k)

    assert await asyncio.gather(*(arriving(k) for k in range(40))) == list(range(40))
    assert reads == [list(range(40))]
    monkeypatch.setattr("cps.live.bursts.GATHER_SECONDS", 3600.0)
    assert await asyncio.wait_for(burst.get(99), timeout=5) == 99
    assert reads[-1] == [99]
