"""The live layer of one process: the hub, its sockets, presence, retention."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from prometheus_client import Counter, Gauge

from cps.broker import Hub, make_hub
from cps.config import Settings
from cps.live.bursts import Burst
from cps.live.connection import CLOSE_GOING_AWAY, CLOSE_SIGNED_OUT, Connection
from cps.live.moves import MoveWatch
from cps.live.outlets import Framer
from cps.live.presence import Presence
from cps.services.accounts import addresses, identity
from cps.services.context import Actor, Context
from cps.services.errors import DomainError
from cps.services.events import channels
from cps.services.subscriptions import history, permission
from cps.storage.database import Database

log = logging.getLogger("cps.live")

CONNECTED = Gauge("cps_websocket_connections", "Open WebSocket connections in this process")
REFUSED = Counter(
    "cps_websocket_refused", "WebSocket handshakes refused: the address held too many sockets"
)
PRUNE_EVERY = 3600.0
PRUNE_FIRST_AFTER = 60.0


class LiveService:
    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db
        self.hub: Hub = make_hub(settings.redis_url, self._fill_gap)
        self.sink = self.hub
        self.presence = Presence(
            self.hub, self._send_presence, heartbeat=settings.presence_heartbeat_seconds
        )
        self.connections: set[Connection] = set()
        self.framer = Framer()  # frames each message once for all sockets
        # Sockets following each topic, for presence frames.
        self._watchers: dict[str, set[Connection]] = {}
        self._moves = MoveWatch(self._topic_moved)
        self._ctx: Context | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        # Open sockets per client address, against CPS_WS_CONNECTIONS_PER_ADDRESS.
        self._per_address: dict[str, int] = {}
        # What a handshake and a subscribe read, read once for a burst of them.
        self.tokens: Burst[str, Actor | None] = Burst(
            lambda tokens: identity.authenticate_many(self.ctx, tokens))
        self.permits: Burst[permission.Request, int | None] = Burst(
            lambda requests: permission.authorize_many(self.ctx, requests))
        self.last_seqs: Burst[str, int] = Burst(
            lambda names: history.last_seqs(self.ctx, names))
        CONNECTED.set_function(lambda: len(self.connections))

    @property
    def ctx(self) -> Context:
        assert self._ctx is not None, "LiveService.start() was not called"
        return self._ctx

    async def start(self, ctx: Context) -> None:
        self._ctx = ctx
        await self.hub.start()
        await self.presence.start()
        self._spawn(self._prune_forever())

    async def stop(self) -> None:
        for conn in list(self.connections):
            conn.close(CLOSE_GOING_AWAY, "server shutting down")
        if self.connections:
            await asyncio.wait(
                [asyncio.ensure_future(c.closed.wait()) for c in self.connections], timeout=5
            )
        # Wait for what was cancelled: a task cut in the middle of a database call
        # must unwind before the engine is disposed and the loop closes.
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.presence.stop()
        await self.hub.stop()

    async def broker_ready(self) -> bool:
        return self.hub.broker.healthy and await self.hub.broker.ping()

    # Sockets per client address.

    def admit(self, address: str | None) -> bool:
        """Count a new socket from `address`, unless it already holds as many as
        it may (CPS_WS_CONNECTIONS_PER_ADDRESS; lifted by CPS_RATE_LIMITS=off, for
        load tests whose thousands of clients all come from one address). Every
        socket admitted is `release`d once, however it ends. Per process: with
        --workers N an address may hold up to N times the cap."""
        if address is None:
            return True  # not over IP (a Unix socket): no address to count
        address = addresses.limit_key(address)
        held = self._per_address.get(address, 0)
        if self.settings.rate_limits and held >= self.settings.ws_connections_per_address:
            REFUSED.inc()
            return False
        self._per_address[address] = held + 1
        return True

    def release(self, address: str | None) -> None:
        if address is None:
            return
        address = addresses.limit_key(address)
        held = self._per_address.get(address, 0) - 1
        if held > 0:
            self._per_address[address] = held
        else:
            self._per_address.pop(address, None)

    def held_by(self, address: str) -> int:
        """How many open sockets `address` holds in this process."""
        return self._per_address.get(addresses.limit_key(address), 0)

    # Subscriptions.

    async def watch(self, channel: str, conn: Connection, person: tuple[int, str] | None) -> None:
        """A socket follows a topic: it is counted in presence and gets presence frames,
        and its right to follow is checked again if the topic moves."""
        watchers = self._watchers.setdefault(channel, set())
        first = not watchers
        watchers.add(conn)
        if first:
            await self.hub.subscribe(channel, self._moves)
        await self.presence.join(channel, id(conn), person)

    async def unfollow(self, conn: Connection, channel: str, *, by_client: bool) -> None:
        sub = conn.subscriptions.get(channel)
        if sub is None:
            return
        if channel.startswith("topic:") and sub.by_client:
            watchers = self._watchers.get(channel)
            if watchers is not None:
                watchers.discard(conn)
                if not watchers:
                    del self._watchers[channel]
                    await self.hub.unsubscribe(channel, self._moves)
            await self.presence.leave(channel, id(conn))
        if by_client and channel == conn.user_channel:
            sub.by_client = False  # keep following it for control events
            return
        del conn.subscriptions[channel]
        await self.hub.unsubscribe(channel, conn)

    async def forget(self, conn: Connection) -> None:
        """A socket went away: drop everything it followed."""
        for channel in list(conn.subscriptions):
            await self.unfollow(conn, channel, by_client=False)

    # Control events on a user's own channel.

    def on_control(self, conn: Connection, frame: dict[str, Any]) -> None:
        name = frame.get("name")
        data = frame.get("data") if isinstance(frame.get("data"), dict) else {}
        assert isinstance(data, dict)
        if name == "session.revoked" and conn.actor is not None:
            if data.get("token_id") == conn.actor.token_id:
                conn.close(CLOSE_SIGNED_OUT, "signed out")
        elif name == "access.changed" and isinstance(data.get("space_id"), int):
            self._spawn(self._recheck(conn, data["space_id"]))

    async def _recheck(self, conn: Connection, space_id: int) -> None:
        """End the subscriptions the user may no longer follow in a space."""
        for channel, sub in list(conn.subscriptions.items()):
            if sub.space_id != space_id or not sub.by_client:
                continue
            try:
                await permission.authorize(self.ctx, conn.actor, channels.parse(channel))
            except DomainError:
                await self._end(conn, channel, why="access changed")

    async def _end(self, conn: Connection, channel: str, *, why: str) -> None:
        """End a subscription the client may no longer hold, and tell it."""
        await self.unfollow(conn, channel, by_client=True)
        conn.send({"type": "error", "code": "subscription_ended", "channel": channel,
                   "message": "You may no longer follow this channel."})
        log.info("subscription ended", extra={"channel": channel, "why": why})

    def _topic_moved(self, channel: str, seq: int, text: str) -> None:
        """Pause every socket following `channel` until it is allowed to go on."""
        for conn in self._watchers.get(channel, ()):
            sub = conn.subscriptions.get(channel)
            if sub is not None and sub.by_client and sub.live:
                # The move itself reaches everyone (the hub may not have handed it to
                # this socket yet; it will not be sent twice); what follows waits.
                conn.deliver(channel, seq, text)
                sub.live = False
                self._spawn(self._recheck_moved(conn, channel))

    async def _recheck_moved(self, conn: Connection, channel: str) -> None:
        sub = conn.subscriptions.get(channel)
        if sub is None:
            return
        try:
            sub.space_id = await permission.authorize(self.ctx, conn.actor, channels.parse(channel))
        except DomainError:
            await self._end(conn, channel, why="topic moved")
            return
        if conn.subscriptions.get(channel) is sub:
            conn.go_live(sub, sub.last)

    # Hub callbacks.

    async def _fill_gap(self, channel: str, after: int, up_to: int | None) -> list[tuple[int, str]]:
        return await history.stored(self.ctx, channel, after, up_to)

    def _send_presence(self, channel: str, text: str) -> None:
        for conn in self._watchers.get(channel, ()):
            sub = conn.subscriptions.get(channel)
            if sub is not None and sub.by_client and sub.live:
                conn.enqueue(text)

    # Background work.

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _prune_forever(self) -> None:
        # Not at once: a process that lives a few seconds (a CLI call, a test) has
        # nothing to prune, and cutting a write short at shutdown helps no one.
        await asyncio.sleep(PRUNE_FIRST_AFTER)
        while True:
            try:
                removed = await history.prune(self.ctx)
                if removed:
                    log.info("expired events pruned", extra={"removed": removed})
            except Exception:
                log.exception("pruning events failed")
            await asyncio.sleep(PRUNE_EVERY)



