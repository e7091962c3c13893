"""`cps serve` under cProfile, for bench/write.py --profile.

    python -m bench.profile_serve OUT.prof serve --port 8000

uvicorn re-raises the SIGTERM it stopped on once it has shut down, which would
end the process before `python -m cProfile` writes its file: here SIGTERM's
handler is a no-op before uvicorn installs its own, so the re-raised signal
returns and the profile is written.
"""

from __future__ import annotations

import cProfile
import signal
import sys


def main(argv: list[str]) -> int:
    from cps.cli import main as cps_main

    out, rest = argv[0], argv[1:]
    signal.signal(signal.SIGTERM, lambda signum, frame: None)
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        return cps_main(rest)
    finally:
        profiler.disable()
        profiler.dump_stats(out)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
