"""The garbage collector of a serving process.

CPython's full collection walks every object it tracks, and a serving process
holds hundreds of thousands that live as long as it does: modules, classes,
the ORM's mappers and statement caches, the settings. Each full collection
stops the event loop while it walks them, and every live delivery waits: at
1,000 sockets `bench/fanout.py` saw pauses of 40 to 130 ms, the slowest
post→delivery latencies of the run.

Once start-up is done, `settle` collects what start-up left behind and
freezes the rest: frozen objects are never walked again, so a full
collection only walks what was made since (connections, sessions, caches
filled by requests). The price: an object frozen at start-up that later
becomes part of unreachable cycles is never freed. What start-up makes lives
as long as the process (modules, settings, the engine and its pool), so that
is bounded.

`settle` also makes full collections rarer (`FULL_AFTER`). CPython considers
one each time the middle generation has been collected 10 times, and runs it
when what has survived since the last one is a quarter of what survived that:
while a heap grows, as when thousands of sockets connect at once, that rule
fires again and again over an ever larger heap. At a reconnect storm of 5,000
sockets (`bench/connect.py`) it made 16 full collections, 2.3 s of the
server's 5 s of CPU; after 1,000 middle collections (about seven million
allocations) instead of 10 it made 4, 0.3 s of CPU, and a socket's handshake
and subscribe took 380 µs of CPU instead of 530. The young generations are
collected as before, so short-lived cycles still go at once; what outlives
them waits longer for a full collection: until the middle generation has been
collected 1,000 times (some seven million tracked objects allocated and not
freed at once). The price, measured: memory per connected socket is unchanged,
but the sockets a storm drops are freed later, so the storm's peak was 38-43
MiB higher (344-345 MiB against 302-306 at 5,000 sockets). Measured on
CPython 3.11, which the project runs; 3.14's collector reads the thresholds
differently, and this would want measuring again there.

It is a tuning of the serving process only; the test processes that build
the app many times keep the collector's defaults.
"""

from __future__ import annotations

import gc
import logging
import time

log = logging.getLogger("cps.collector")

# Collections of the middle generation before a full one is considered (CPython: 10).
FULL_AFTER = 1000


def settle() -> None:
    """Collect, then freeze what survived, and make full collections rarer: call once,
    when the process is ready."""
    started = time.perf_counter()
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_AFTER)
    log.info(
        "start-up objects frozen",
        extra={"objects": gc.get_freeze_count(),
               "ms": round((time.perf_counter() - started) * 1000, 1),
               "thresholds": list(gc.get_threshold())},
    )
