"""bench/soak.py --smoke in CI: 100 clients, 2 workers, Redis, PostgreSQL, 1,000
posts; it must print SOAK PASS (nothing lost, nothing twice, no seq gap).
The full soak (500 clients, 10,000 posts) is `.venv/bin/python bench/soak.py`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

ROOT = Path(__file__).resolve().parents[2]


def test_the_soak_smoke_run_passes() -> None:
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "soak.py"), "--smoke"],
                         capture_output=True, text=True, timeout=170, cwd=ROOT)
    print(run.stdout)
    verdict = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr[-2000:]
    assert run.returncode == 0, verdict
    assert verdict.startswith("SOAK PASS"), verdict
