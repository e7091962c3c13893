#!/usr/bin/env bash
# The two test lanes (README). Pytest arguments after them narrow or add to the run,
# e.g. `bash scripts/test.sh tests/api -x`.
#
#   bash scripts/test.sh [ARGS]          the full lane (.ci/run): lint, types, import
#       layers, dependency audit, then every test (SQLite and PostgreSQL, in-process
#       broker and Redis): three at a time, then the browser and long tests two at a
#       time, then alone the ones that must be (multi-process and fault tests, the
#       benchmarks' smoke runs that judge loss; tests/lanes.py says why)
#   bash scripts/test.sh --fast [ARGS]   the fast lane, for day-to-day work: lint, import
#       layers, and three at a time the tests on SQLite with the in-process broker, without
#       multi-process, fault or browser tests
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
lane=full
if [ "${1:-}" = "--fast" ]; then
    lane=fast
    shift
fi
# A module stays on one worker, so its module-scoped servers start once. The tests
# that reach a database wait on it part of the time: three workers keep this 2-core
# machine's cores busy (the parallel and fast lanes, 8-11% faster than two); the
# browser tests are Chromium's own work, two at a time (a third made them no faster).
# The modules go out in tests/lanes.py's order (`longest_first`), not xdist's own.
THREE_AT_A_TIME=(-n 3 --dist loadscope --no-loadscope-reorder)
TWO_AT_A_TIME=(-n 2 --dist loadscope --no-loadscope-reorder)

# The project's own modules compiled once: where PYTHONDONTWRITEBYTECODE is set (these
# machines set it), every pytest worker and every server and command the suite starts
# would compile them again (0.5 s of CPU each, some hundred processes).
$PY -m compileall -q -j 0 cps tests bench migrations >/dev/null
# Pytest keeps each test module as rewritten for its asserts (in __pycache__) only
# where bytecode may be written; otherwise every worker of every lane rewrites all of
# them again (collecting the suite took 12.5 s instead of 6.5 s). Written once, by the
# first lane's workers.
unset PYTHONDONTWRITEBYTECODE
$PY -m ruff check cps tests bench migrations
"$(dirname "$PY")/lint-imports" --no-logo
if [ "$lane" = fast ]; then
    exec $PY -m pytest "${THREE_AT_A_TIME[@]}" --lane fast "$@"
fi
# The audit mostly waits on the vulnerability service: it runs beside the type check.
audit_log=$(mktemp)
bash scripts/audit.sh >"$audit_log" 2>&1 &
audit=$!
trap 'kill "$audit" 2>/dev/null; rm -f "$audit_log"' EXIT  # mypy failed: the audit ends too
$PY -m mypy  # cps, tests and bench ([tool.mypy] files)
audit_status=0
wait "$audit" || audit_status=$?
cat "$audit_log"
trap - EXIT
rm -f "$audit_log"
[ "$audit_status" -eq 0 ] || exit "$audit_status"

# Every part runs, so that one run shows every failure: the parallel lane, then the
# browser tests and the long untimed ones two at a time (a Chromium and a `cps serve`
# per worker), then alone the tests that time what they check. Pytest's 5 (no test
# selected) is no failure for a part when ARGS picked tests in another; the run fails
# if a part failed or if no part ran a test.
ARGS=("$@")
status=5
part() {  # part LANE [PYTEST OPTIONS...]: the first failure is the run's status
    local lane=$1 code=0
    shift
    $PY -m pytest "$@" --lane "$lane" "${ARGS[@]}" || code=$?
    if [ "$code" -ne 5 ] && { [ "$status" -eq 0 ] || [ "$status" -eq 5 ]; }; then
        status=$code
    fi
}
part parallel "${THREE_AT_A_TIME[@]}"
part heavy "${TWO_AT_A_TIME[@]}"
part alone
exit "$status"
