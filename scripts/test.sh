#!/usr/bin/env bash
# The two test lanes (README). Pytest arguments after them narrow or add to the run,
# e.g. `bash scripts/test.sh tests/api -x`.
#
#   bash scripts/test.sh [ARGS]          the full lane (.ci/run): lint, types, import
#       layers, dependency audit, then every test (SQLite and PostgreSQL, in-process
#       broker and Redis): two at a time, then alone the ones that must be (multi-process,
#       fault and browser tests; tests/lanes.py says why)
#   bash scripts/test.sh --fast [ARGS]   the fast lane, for day-to-day work: lint, import
#       layers, and two at a time the tests on SQLite with the in-process broker, without
#       multi-process, fault or browser tests
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
lane=full
if [ "${1:-}" = "--fast" ]; then
    lane=fast
    shift
fi
# Two workers (this machine has two cores); a module stays on one worker, so its
# module-scoped servers start once.
TWO_AT_A_TIME=(-n 2 --dist loadscope)

$PY -m ruff check cps tests bench migrations
"$(dirname "$PY")/lint-imports" --no-logo
if [ "$lane" = fast ]; then
    exec $PY -m pytest "${TWO_AT_A_TIME[@]}" --lane fast "$@"
fi
$PY -m mypy  # cps, tests and bench ([tool.mypy] files)
bash scripts/audit.sh

# Both parts run, so that one run shows every failure. Pytest's 5 (no test selected)
# is no failure for a part when ARGS picked tests in the other.
status=0
$PY -m pytest "${TWO_AT_A_TIME[@]}" --lane parallel "$@" || status=$?
alone=0
$PY -m pytest --lane serial "$@" || alone=$?
if [ "$status" -eq 0 ] || [ "$status" -eq 5 ]; then
    [ "$alone" -eq 5 ] || status=$alone
fi
exit "$status"
