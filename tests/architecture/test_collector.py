"""The serving process's garbage collector (cps/collector.py): once settled, a heap
that grows, as when thousands of sockets connect at once, is not walked again and
again by full collections. Each case runs in a process of its own, so this test
process keeps the collector's defaults."""

from __future__ import annotations

import functools
import subprocess
import sys

from cps import collector

# Grows a heap by 400,000 long-lived containers, as a burst of sockets does, and
# prints how many full collections that took, and the thresholds.
GROW = """
import gc, sys
from cps import collector
if sys.argv[1] == "settled":
    collector.settle()
full = []
gc.callbacks.append(
    lambda phase, info: full.append(1) if phase == "stop" and info["generation"] == 2 else None)
held = [{"socket": n, "frames": [n]} for n in range(400_000)]
print(len(full), *gc.get_threshold())
"""


@functools.cache  # each case once per test process
def grow(how: str) -> tuple[int, tuple[int, ...]]:
    out = subprocess.run([sys.executable, "-c", GROW, how], capture_output=True, text=True,
                         check=True, timeout=60).stdout.split()
    return int(out[0]), tuple(int(n) for n in out[1:])


def test_a_settled_process_does_not_walk_a_growing_heap_again_and_again() -> None:
    full, thresholds = grow("settled")
    assert full == 0
    # The young generations are collected as often as by default: only full ones are rarer.
    _, defaults = grow("default")
    assert thresholds == (*defaults[:2], collector.FULL_AFTER)


def test_the_defaults_would() -> None:
    """The check above can fail: with the interpreter's own thresholds the same growth
    makes full collections over an ever larger heap."""
    full, thresholds = grow("default")
    assert thresholds[2] < collector.FULL_AFTER
    assert full >= 3
