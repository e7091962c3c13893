"""Fixed-window counters for throttling (login attempts, posting rates).

Services see a `Throttle`: `hit` answers None when the hit is allowed, or the
seconds to wait. `LocalThrottle` counts in this process (the embedded
default: one process). With Redis configured every process counts in Redis
(`cps.storage.counters.RedisThrottle`), so N workers allow what one does, not
N times as much.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Protocol


class Throttle(Protocol):
    async def hit(self, key: str, limit: int, window: float) -> int | None:
        """Count a hit on `key`: None if it is within `limit` hits per `window`
        seconds, else the seconds until the window ends (the hit is not counted)."""

    async def retry_after(self, key: str, limit: int) -> int | None:
        """The seconds to wait if `key` has used its `limit`, else None."""

    async def reset(self, key: str) -> None:
        """Forget `key`'s hits."""


class LocalThrottle:
    """Counts hits per key in fixed windows, in this process."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}

    def _prune(self, now: float) -> None:
        if len(self._windows) > 10_000:
            self._windows = {k: v for k, v in self._windows.items() if v[0] > now}

    async def retry_after(self, key: str, limit: int) -> int | None:
        return self.retry_after_now(key, limit)

    def retry_after_now(self, key: str, limit: int) -> int | None:
        now = self._clock()
        ends, count = self._windows.get(key, (0.0, 0))
        if ends > now and count >= limit:
            return math.ceil(ends - now)
        return None

    async def hit(self, key: str, limit: int, window: float) -> int | None:
        return self.hit_now(key, limit, window)

    def hit_now(self, key: str, limit: int, window: float) -> int | None:
        now = self._clock()
        self._prune(now)
        ends, count = self._windows.get(key, (0.0, 0))
        if ends <= now:
            ends, count = now + window, 0
        if count >= limit:
            return math.ceil(ends - now)
        self._windows[key] = (ends, count + 1)
        return None

    async def reset(self, key: str) -> None:
        self._windows.pop(key, None)
