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
is bounded. It is a tuning of the serving process only; the test processes
that build the app many times keep the collector's defaults.
"""

from __future__ import annotations

import gc
import logging
import time

log = logging.getLogger("cps.collector")


def settle() -> None:
    """Collect, then freeze what survived: call once, when the process is ready."""
    started = time.perf_counter()
    gc.collect()
    gc.freeze()
    log.info(
        "start-up objects frozen",
        extra={"objects": gc.get_freeze_count(),
               "ms": round((time.perf_counter() - started) * 1000, 1)},
    )
