"""Redis pub/sub broker: one subscriber connection per process, reconnecting.

Two sets of connections:

- the subscriber connection, a single raw connection driven by one reader
  task. Only the reader task ever (re)connects it; other tasks only write
  SUBSCRIBE/UNSUBSCRIBE on it while it is up. When it drops, the reader
  marks the broker unhealthy, reconnects with exponential backoff and full
  jitter, resubscribes every channel in use, waits for Redis to confirm,
  marks the broker healthy and fires `on_reconnect`.
- a small client pool for PUBLISH and PING, each bounded by a timeout.

A connection that goes silent (no FIN, e.g. a network partition) is caught
by a keepalive: after `keepalive_interval` seconds without traffic the reader
sends PING, and reconnects if nothing comes back within `keepalive_timeout`.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from typing import Any

from redis.asyncio import BlockingConnectionPool, ConnectionPool, Redis
from redis.asyncio.connection import AbstractConnection
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError, ResponseError

from cps.broker.base import OnMessage, OnReconnect

log = logging.getLogger("cps.broker")

# OSError covers the builtin TimeoutError (and asyncio's); redis-py's own
# ConnectionError and TimeoutError are RedisErrors.
_FAILURES = (RedisError, OSError)


class RedisBroker:
    def __init__(
        self,
        url: str,
        on_message: OnMessage,
        on_reconnect: OnReconnect | None = None,
        *,
        publish_timeout: float = 1.0,
        connect_timeout: float = 2.0,
        subscribe_timeout: float = 2.0,
        backoff_base: float = 0.1,
        backoff_cap: float = 2.0,
        poll_interval: float = 1.0,
        keepalive_interval: float = 5.0,
        keepalive_timeout: float = 3.0,
    ) -> None:
        self._on_message = on_message
        self._on_reconnect = on_reconnect
        self._publish_timeout = publish_timeout
        self._connect_timeout = connect_timeout
        self._subscribe_timeout = subscribe_timeout
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._poll_interval = poll_interval
        self._keepalive_interval = keepalive_interval
        self._keepalive_timeout = keepalive_timeout
        # Commands: one quick retry (a pooled connection may be stale after a
        # Redis restart), all of it bounded by `publish_timeout`.
        # A blocking pool: under a burst, a publish waits (within `publish_timeout`)
        # for a free connection instead of failing at once with MaxConnectionsError.
        self._client: Redis = Redis(
            connection_pool=BlockingConnectionPool.from_url(
                url,
                max_connections=64,
                timeout=publish_timeout,
                retry=Retry(NoBackoff(), 1),
                socket_timeout=publish_timeout,
                socket_connect_timeout=connect_timeout,
            )
        )
        # Subscriber: no hidden retries, the reader task owns reconnection.
        self._sub_pool: ConnectionPool = ConnectionPool.from_url(
            url,
            retry=Retry(NoBackoff(), 0),
            socket_connect_timeout=connect_timeout,
            socket_keepalive=True,
        )
        self._rng = random.Random()  # for the jitter
        self._channels: set[str] = set()
        self._conn: AbstractConnection | None = None
        self._healthy = False
        self._reconnect_requested = False
        self._acks: dict[str, deque[asyncio.Future[None]]] = {}
        self._reader: asyncio.Task[None] | None = None
        self._callbacks: set[asyncio.Task[None]] = set()

    @property
    def healthy(self) -> bool:
        return self._healthy

    @property
    def channels(self) -> frozenset[str]:
        return frozenset(self._channels)

    async def start(self) -> None:
        """Connect the subscriber and start the reader task.

        If Redis cannot be reached, this logs and returns: the broker stays
        unhealthy and the reader keeps trying in the background.
        """
        if self._reader is not None:
            return
        try:
            conn = await self._open()
        except _FAILURES as exc:
            log.warning("redis unreachable at start-up", extra={"error": repr(exc)})
        else:
            self._up(conn)
        self._reader = asyncio.create_task(self._run(), name="cps.broker.redis-reader")

    async def stop(self) -> None:
        reader, self._reader = self._reader, None
        tasks = [t for t in (reader, *self._callbacks) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        conn = self._conn
        self._down()
        if conn is not None:
            await conn.disconnect(nowait=True)
        await self._client.aclose()
        await self._sub_pool.aclose()

    async def publish(self, channel: str, payload: bytes) -> None:
        try:
            async with asyncio.timeout(self._publish_timeout):
                await self._client.publish(channel, payload)
        except _FAILURES as exc:
            log.warning("publish dropped", extra={"channel": channel, "error": repr(exc)})

    async def subscribe(self, channel: str) -> None:
        """Subscribe and wait until Redis confirms (or the connection fails).

        Once this returns with the broker healthy, every message published
        to `channel` from then on is delivered. While Redis is down this
        returns at once: the channel is subscribed on reconnection, followed
        by `on_reconnect`.
        """
        if channel in self._channels:
            return
        self._channels.add(channel)
        conn = self._conn
        # No await between this check and the write: a connection that is
        # down is never reconnected from here, only by the reader.
        if conn is None or not conn.is_connected:
            return
        ack: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiting = self._acks.setdefault(channel, deque())
        waiting.append(ack)
        try:
            async with asyncio.timeout(self._subscribe_timeout):
                await conn.send_command("SUBSCRIBE", channel, check_health=False)
                await asyncio.shield(ack)
        except _FAILURES as exc:
            log.warning("subscribe failed", extra={"channel": channel, "error": repr(exc)})
            self._request_reconnect()
        finally:
            if ack in waiting:
                waiting.remove(ack)
            if not waiting and self._acks.get(channel) is waiting:
                del self._acks[channel]

    async def unsubscribe(self, channel: str) -> None:
        if channel not in self._channels:
            return
        self._channels.discard(channel)
        conn = self._conn
        if conn is None or not conn.is_connected:
            return
        try:
            async with asyncio.timeout(self._subscribe_timeout):
                await conn.send_command("UNSUBSCRIBE", channel, check_health=False)
        except _FAILURES as exc:
            log.warning("unsubscribe failed", extra={"channel": channel, "error": repr(exc)})
            self._request_reconnect()

    async def ping(self) -> bool:
        try:
            async with asyncio.timeout(self._publish_timeout):
                return bool(await self._client.ping())
        except _FAILURES:
            return False

    # The reader task.

    async def _run(self) -> None:
        attempt = 0
        while True:
            conn = self._conn
            if conn is None:
                delay = self._rng.uniform(
                    0, min(self._backoff_cap, self._backoff_base * 2**attempt)
                )
                attempt += 1
                await asyncio.sleep(delay)
                try:
                    conn = await self._open()
                except Exception as exc:  # the reader must outlive any failure
                    level = logging.INFO if isinstance(exc, _FAILURES) else logging.ERROR
                    log.log(
                        level,
                        "redis reconnect failed",
                        extra={"attempt": attempt, "delay": round(delay, 3), "error": repr(exc)},
                    )
                    continue
                attempt = 0
                self._up(conn)
                log.info("redis reconnected", extra={"channels": len(self._channels)})
                self._fire_reconnect()
            try:
                await self._read(conn)
            except Exception as exc:
                level = logging.WARNING if isinstance(exc, _FAILURES) else logging.ERROR
                log.log(level, "redis subscriber connection lost", extra={"error": repr(exc)})
            self._down()
            await conn.disconnect(nowait=True)

    async def _open(self) -> AbstractConnection:
        """Connect, subscribe every channel in use and wait for the confirmations."""
        # A connection of our own, outside the pool's bookkeeping.
        conn: AbstractConnection = self._sub_pool.make_connection()  # type: ignore[no-untyped-call]
        try:
            async with asyncio.timeout(self._connect_timeout):
                await conn.connect()  # type: ignore[no-untyped-call]
                done: set[str] = set()
                # Channels may come and go while we wait: loop until in step.
                while todo := self._channels - done:
                    await conn.send_command("SUBSCRIBE", *sorted(todo), check_health=False)
                    while todo:
                        response = await conn.read_response(
                            disable_decoding=True, timeout=self._connect_timeout, push_request=True
                        )
                        confirmed = self._dispatch(response)
                        if confirmed is not None:
                            todo.discard(confirmed)
                            done.add(confirmed)
                if gone := done - self._channels:
                    await conn.send_command("UNSUBSCRIBE", *sorted(gone), check_health=False)
        except BaseException:
            await conn.disconnect(nowait=True)
            raise
        return conn

    async def _read(self, conn: AbstractConnection) -> None:
        loop = asyncio.get_running_loop()
        last_heard = loop.time()
        ping_sent: float | None = None
        while True:
            if self._reconnect_requested:
                raise ConnectionError("reconnection requested")
            try:
                response = await conn.read_response(
                    disable_decoding=True, timeout=self._poll_interval, push_request=True
                )
            except ResponseError as exc:
                log.error("redis error reply", extra={"error": repr(exc)})
                last_heard, ping_sent = loop.time(), None
                continue
            now = loop.time()
            if response is not None:
                last_heard, ping_sent = now, None
                self._dispatch(response)
            elif ping_sent is not None:
                if now - ping_sent >= self._keepalive_timeout:
                    raise TimeoutError("no answer to keepalive PING")
            elif now - last_heard >= self._keepalive_interval:
                async with asyncio.timeout(self._keepalive_timeout):
                    await conn.send_command("PING", check_health=False)
                ping_sent = now

    def _dispatch(self, response: Any) -> str | None:
        """Handle one reply; return the channel if it confirms a SUBSCRIBE."""
        if not isinstance(response, list) or len(response) < 3:
            return None  # PONG
        kind = response[0]
        if kind == b"message":
            channel = response[1].decode()
            if channel in self._channels:
                try:
                    self._on_message(channel, bytes(response[2]))
                except Exception:
                    log.exception("broker message handler failed", extra={"channel": channel})
            return None
        if kind == b"subscribe":
            channel = response[1].decode()
            waiting = self._acks.get(channel)
            if waiting:
                ack = waiting.popleft()
                if not ack.done():
                    ack.set_result(None)
            return str(channel)
        return None

    def _up(self, conn: AbstractConnection) -> None:
        self._conn = conn
        self._reconnect_requested = False
        self._healthy = True

    def _down(self) -> None:
        self._conn = None
        self._healthy = False
        # Whoever waits for a confirmation stops waiting: the channel is
        # resubscribed on reconnection and `on_reconnect` covers the gap.
        for waiting in self._acks.values():
            for ack in waiting:
                if not ack.done():
                    ack.set_result(None)
        self._acks.clear()

    def _request_reconnect(self) -> None:
        self._healthy = False
        self._reconnect_requested = True

    def _fire_reconnect(self) -> None:
        if self._on_reconnect is None:
            return
        task = asyncio.create_task(self._call_on_reconnect(self._on_reconnect))
        self._callbacks.add(task)
        task.add_done_callback(self._callbacks.discard)

    @staticmethod
    async def _call_on_reconnect(callback: OnReconnect) -> None:
        try:
            await callback()
        except Exception:
            log.exception("on_reconnect callback failed")
