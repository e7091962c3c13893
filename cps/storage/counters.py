"""Throttle counters in Redis, shared by every process of a deployment.

One key per throttled thing, counting hits in a fixed window that Redis
expires by itself. Keys are `cps:throttle:` and an HMAC of the thing (keyed
with CPS_SECRET_KEY): sign-in counters are per email address, and Redis
need not hold addresses. A hit is counted by a short Lua script,
so concurrent hits from many processes never pass the limit together.

Redis is not the source of truth and an outage must not stop sign-ins or
posts: when a command fails (or times out: 0.5 s to connect, 0.5 s to
answer, one retry on a stale pooled connection) this process counts locally
instead, and asks Redis again after 5 s. Posting limits are checked inside
the post's write transaction, so that stall happens at most once per 5 s
while the topic is locked. While Redis is
away, N processes allow N times the limit, as they did before the counters
were shared; nothing else changes.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time
from collections.abc import Callable
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from cps.storage.throttle import LocalThrottle

log = logging.getLogger("cps.throttle")

PREFIX = "cps:throttle:"
TIMEOUT = 0.5  # seconds per command: a frozen Redis must not hold a sign-in
COOLDOWN = 5.0  # seconds on local counters after a failure, before asking Redis again

# KEYS[1]: the counter; ARGV[1]: the limit; ARGV[2]: the window in ms.
# Answers the ms left in the window when the limit is used up (not counting
# this hit), else -1 after counting it.
_HIT = """
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[1]) then
  local left = redis.call('PTTL', KEYS[1])
  if left > 0 then return left end
end
n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return -1
"""


class RedisThrottle:
    def __init__(
        self, url: str, secret: str, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        # One quick retry: a pooled connection is stale after a Redis restart.
        self._client: Redis = Redis.from_url(
            url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT,
            retry=Retry(NoBackoff(), 1),
        )
        self._secret = secret.encode()
        self._hit_script: Any = self._client.register_script(_HIT)
        self._local = LocalThrottle(clock)
        self._clock = clock
        self._down_until = 0.0

    async def close(self) -> None:
        await self._client.aclose()

    def redis_key(self, key: str) -> str:
        """The Redis key that counts `key`."""
        digest = hmac.new(self._secret, key.encode(), hashlib.sha256).hexdigest()
        return PREFIX + digest[:40]

    def _usable(self) -> bool:
        return self._clock() >= self._down_until

    def _failed(self, exc: BaseException) -> None:
        if self._usable():
            log.warning(
                "throttle counters unavailable, counting in this process",
                extra={"error": repr(exc), "retry_in_s": COOLDOWN},
            )
        self._down_until = self._clock() + COOLDOWN

    async def hit(self, key: str, limit: int, window: float) -> int | None:
        if self._usable():
            try:
                left = int(await self._hit_script(
                    keys=[self.redis_key(key)], args=[limit, max(1, round(window * 1000))]
                ))
            except (RedisError, OSError) as exc:
                self._failed(exc)
            else:
                return None if left < 0 else max(1, math.ceil(left / 1000))
        return self._local.hit_now(key, limit, window)

    async def retry_after(self, key: str, limit: int) -> int | None:
        if self._usable():
            try:
                stored = self.redis_key(key)
                async with self._client.pipeline(transaction=False) as pipe:
                    pipe.get(stored)
                    pipe.pttl(stored)
                    count, left = await pipe.execute()
            except (RedisError, OSError) as exc:
                self._failed(exc)
            else:
                if count is not None and int(count) >= limit and int(left) > 0:
                    return max(1, math.ceil(int(left) / 1000))
                return None
        return self._local.retry_after_now(key, limit)

    async def reset(self, key: str) -> None:
        await self._local.reset(key)
        if self._usable():
            try:
                await self._client.delete(self.redis_key(key))
            except (RedisError, OSError) as exc:
                self._failed(exc)
