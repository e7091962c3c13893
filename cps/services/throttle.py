"""Fixed-window counters for throttling (login attempts, posting rates)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable


class Throttle:
    """Counts hits per key in fixed windows, in this process.

    `hit` answers None when the hit is allowed, or the seconds to wait.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}

    def _prune(self, now: float) -> None:
        if len(self._windows) > 10_000:
            self._windows = {k: v for k, v in self._windows.items() if v[0] > now}

    def retry_after(self, key: str, limit: int) -> int | None:
        now = self._clock()
        ends, count = self._windows.get(key, (0.0, 0))
        if ends > now and count >= limit:
            return math.ceil(ends - now)
        return None

    def hit(self, key: str, limit: int, window: float) -> int | None:
        now = self._clock()
        self._prune(now)
        ends, count = self._windows.get(key, (0.0, 0))
        if ends <= now:
            ends, count = now + window, 0
        if count >= limit:
            return math.ceil(ends - now)
        self._windows[key] = (ends, count + 1)
        return None

    def reset(self, key: str) -> None:
        self._windows.pop(key, None)
