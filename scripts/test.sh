#!/usr/bin/env bash
# The two test lanes (README). Pytest arguments after them narrow or add to the run,
# e.g. `bash scripts/test.sh tests/api -x`.
#
#   bash scripts/test.sh [ARGS]          the full lane (.ci/run): lint and import
#       layers, then every test (SQLite and PostgreSQL, in-process broker and Redis):
#       three at a time (the type check and the dependency audit beside them), then
#       the browser and long tests three at a time, then alone the ones that must be
#       (multi-process and fault tests, the benchmarks' smoke runs that judge loss;
#       tests/lanes.py says why); each part says how long it took
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
# machine's cores busy (the parallel and fast lanes, 8-11% faster than two). So do
# the browser tests since Chromium draws no hidden omnibox pop-ups: with two workers
# the cores stood 10-25% idle, and a third took the part from 5:13 to 4:47.
# The modules go out in tests/lanes.py's order (`longest_first`), not xdist's own.
THREE_AT_A_TIME=(-n 3 --dist loadscope --no-loadscope-reorder)

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
# The type check and the dependency audit run beside the first part, in the
# background: on their own they left a core idle for half a minute (mypy is one
# process; the audit mostly waits on the vulnerability service). Their output is
# shown after that part, and their failure fails the run.
checks=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$checks"' EXIT
$PY -m mypy >"$checks/mypy" 2>&1 &  # cps, tests and bench ([tool.mypy] files)
mypy=$!
bash scripts/audit.sh >"$checks/audit" 2>&1 &
audit=$!

# Every part runs, so that one run shows every failure: the parallel lane, then the
# browser tests and the long untimed ones three at a time (a Chromium and a `cps serve`
# per worker), then alone the tests that time what they check. Pytest's 5 (no test
# selected) is no failure for a part when ARGS picked tests in another; the run fails
# if a part failed, if the type check or the audit did, or if no part ran a test.
ARGS=("$@")
status=5
count() {  # count CODE: the first failure is the run's status (5 until a part ran)
    if [ "$1" -ne 5 ] && { [ "$status" -eq 0 ] || [ "$status" -eq 5 ]; }; then
        status=$1
    fi
}
part() {  # part LANE [PYTEST OPTIONS...]
    local lane=$1 code=0 started=$SECONDS
    shift
    $PY -m pytest "$@" --lane "$lane" "${ARGS[@]}" || code=$?
    count "$code"
    echo "test.sh: the $lane part took $((SECONDS - started)) s" >&2
}
checked() {  # checked NAME PID: its output, and its failure counted
    local code=0
    wait "$2" || code=$?
    cat "$checks/$1"
    if [ "$code" -ne 0 ]; then
        echo "test.sh: $1 failed (exit $code)" >&2
        count 1
    fi
}
part parallel "${THREE_AT_A_TIME[@]}"
checked mypy "$mypy"
checked audit "$audit"
part heavy "${THREE_AT_A_TIME[@]}"
part alone
echo "test.sh: $SECONDS s in all" >&2
exit "$status"
