"""The test lanes (README, Testing): which servers each test needs, and `--lane`.

Every test is marked `postgresql` and/or `redis` when it reaches one: through the
backend a parametrized fixture chose for it (`database_url[postgresql]`,
`backend[postgresql-redis]`, `redis_url[redis]`...), or through a fixture that always
starts or reaches one. So `-m "not postgresql and not redis"` picks by what a test
runs on, where `-k` would match words in its name.

`--lane` picks a part of the suite, on top of any `-m` or `-k`:
  fast      on SQLite with the in-process broker, and neither slow nor browser
  parallel  every test that may run beside another (scripts/test.sh: `-n 3`)
  serial    the tests that do not run beside the parallel lane: `heavy` and
            `alone` together
  heavy     the browser tests and the `long` ones (a wheel installed, fuzzing,
            the benchmarks' untimed smoke runs): three at a time
            (scripts/test.sh), each worker with its own Chromium and `cps serve`,
            never beside the slow tests
  alone     the `slow` tests (multi-process and fault tests, the benchmarks
            whose smoke runs judge loss under load, a flood of production-cost
            sign-ups): they time what they check, so nothing runs beside them;
            and a test whose DROP DATABASE would stall the tests beside it
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

# The fixtures that always start or reach a server of their own.
NEEDS = {
    "pg_session_url": ("postgresql",),
    "pg_database": ("postgresql",),
    "pg_url": ("postgresql",),
    "private_postgres": ("postgresql",),
    "redis_server": ("redis",),
}
# The backends a parametrized fixture names in its parameter.
BACKENDS = {"postgresql", "redis"}


def marked(item: pytest.Item, *names: str) -> bool:
    return any(item.get_closest_marker(name) for name in names)


LANES: dict[str, Callable[[pytest.Item], bool]] = {
    "fast": lambda item: not marked(item, "slow", "long", "browser", "postgresql", "redis"),
    "parallel": lambda item: not marked(item, "slow", "long", "browser"),
    "serial": lambda item: marked(item, "slow", "long", "browser"),
    "heavy": lambda item: marked(item, "browser", "long") and not marked(item, "slow"),
    "alone": lambda item: marked(item, "slow"),
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--lane", choices=sorted(LANES),
                     help="run one lane of the suite (tests/lanes.py, scripts/test.sh)")


def servers(item: pytest.Item) -> set[str]:
    """The servers `item` needs: `postgresql`, `redis`, both or neither."""
    needed = {name for fixture in getattr(item, "fixturenames", ())
              for name in NEEDS.get(fixture, ())}
    callspec = getattr(item, "callspec", None)
    for value in callspec.params.values() if callspec else ():
        if isinstance(value, str):
            needed |= BACKENDS & set(value.split("-"))
    return needed


@pytest.hookimpl(tryfirst=True)  # before `-m` reads the marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        for name in sorted(servers(item)):
            item.add_marker(name)
    lane = config.getoption("--lane")
    if lane is None:
        return
    keep = LANES[lane]
    dropped = [item for item in items if not keep(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if keep(item)]
    items[:] = longest_first(items)


def longest_first(items: list[pytest.Item]) -> list[pytest.Item]:
    """The modules in the order a lane's workers should take them (`--dist loadscope
    --no-loadscope-reorder` hands them out in this order): the modules with a `long`
    or `early` test first (one takes 15 s to minutes, and left to the end it runs while
    the other workers wait: the parallel lane's demo runs did, for two minutes), then
    the others by their number of tests, most first. A module's own tests keep their
    order."""
    modules: dict[str, list[pytest.Item]] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::", 1)[0], []).append(item)
    ranked = sorted(modules.values(),
                    key=lambda tests: (not any(marked(t, "long", "early") for t in tests), -len(tests)))
    return [item for tests in ranked for item in tests]
