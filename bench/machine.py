"""The machine a benchmark ran on, printed with its figures.

    python -m bench.machine

`describe()` is one line (CPU, cores, memory, OS, Python, SQLite, date);
`details()` gives the same as named fields.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import sqlite3
from importlib import metadata
from pathlib import Path


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def _cores() -> str:
    logical = os.cpu_count() or 1
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        usable = logical
    return f"{logical} cores" if usable == logical else f"{usable} of {logical} cores"


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return "RAM unknown"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def details() -> dict[str, str]:
    return {
        "cpu": _cpu_model(),
        "cores": _cores(),
        "memory": _memory(),
        "os": f"{platform.system()} {platform.release()} ({platform.machine()})",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "sqlite": f"SQLite {sqlite3.sqlite_version}",
        "sqlalchemy": f"SQLAlchemy {_version('sqlalchemy')}",
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def describe() -> str:
    return ", ".join(details().values())


def main() -> None:
    for name, value in details().items():
        print(f"{name:<11}{value}")


if __name__ == "__main__":
    main()
