#!/usr/bin/env bash
# The whole test suite: lint and types, then every test (SQLite and PostgreSQL,
# in-process broker and Redis, multi-process, browser and fault tests).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
$PY -m ruff check cps tests bench migrations
$PY -m mypy cps
bash scripts/audit.sh
exec $PY -m pytest "$@"
