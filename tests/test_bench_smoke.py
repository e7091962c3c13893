"""Short runs of the live benchmarks, so they keep working (their figures are
judged outside CI; the smoke runs judge only loss, duplication and order). Those
whose smoke runs judge loss or refusals under load (fan-out, connect, write) are
`slow` and run alone; the others time nothing and are `long` (tests/lanes.py)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def smoke(module: str, *args: str, timeout: float) -> str:
    """`python -m bench.<module> ARGS` from the checkout: it must exit 0 and print the
    machine it ran on. Answers what it printed (stdout, then stderr)."""
    result = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT,
                            capture_output=True, text=True, timeout=timeout, check=False)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-4000:]
    assert "machine" in out.lower()
    return out


@pytest.mark.slow
def test_the_fanout_benchmark_smoke_runs_and_loses_nothing() -> None:
    out = smoke("bench.fanout", "--smoke", timeout=180)
    assert "lost" in out.lower()


@pytest.mark.long
@pytest.mark.timeout(600)  # three at a time, beside the browser tests
def test_the_responsiveness_benchmark_smoke_runs_and_its_figures_check_out() -> None:
    """The benchmark checks every report against the figures its data set was
    built with; the smoke run keeps that check (only the time is not judged)."""
    out = smoke("bench.responsiveness", "--smoke", timeout=240)
    assert "SMOKE" in out


@pytest.mark.long
@pytest.mark.timeout(600)  # three at a time, beside the browser tests
def test_the_consensus_benchmark_smoke_runs_and_its_map_checks_out() -> None:
    """The benchmark checks the recomputed map against the opinion groups and the
    consensus statements it planted; the smoke run keeps that check."""
    out = smoke("bench.consensus", "--smoke", timeout=240)
    assert "SMOKE: PASS" in out


@pytest.mark.long
@pytest.mark.timeout(600)  # three at a time, beside the browser tests
def test_the_search_benchmark_smoke_runs_on_both_databases() -> None:
    """Builds a small forum, searches it four ways (a private space's posts never
    found by an anonymous search) and writes posts with and without the index."""
    out = smoke("bench.search", "--smoke", timeout=300)
    assert "SMOKE: PASS" in out
    assert "with the index" in out and "postgresql" in out


@pytest.mark.slow
def test_the_connect_benchmark_smoke_runs_and_loses_no_socket() -> None:
    """200 sockets connect, drop and resubscribe with `since` on CPS and on the
    minimal server: every one is answered `subscribed` with the same seq again."""
    out = smoke("bench.connect", "--smoke", timeout=240)
    assert "SMOKE: PASS" in out
    assert "reconnect storm" in out and "lost 0" in out


@pytest.mark.long
@pytest.mark.timeout(600)  # three at a time, beside the browser tests
def test_the_reports_benchmark_smoke_runs_and_its_figures_check_out() -> None:
    """3,000 posts on both databases: the dashboards' totals and every post of the
    JSON and CSV exports checked against the data set (time not judged)."""
    out = smoke("bench.reports", "--smoke", timeout=400)
    assert "SMOKE: PASS" in out
    assert "postgresql" in out and "WRONG" not in out


@pytest.mark.slow
def test_the_write_benchmark_smoke_runs_on_both_databases() -> None:
    """CPS, the baseline on SQLAlchemy and on the bare driver, on SQLite and PostgreSQL,
    and CPS with one and two processes on PostgreSQL + Redis: every side accepts posts
    and refuses none (the figures are judged outside CI)."""
    # Seven servers start one after another: minutes on a machine at load 20+.
    out = smoke("bench.write", "--smoke", timeout=900)
    assert "SMOKE: PASS" in out
    assert "PASS  sqlite: no post refused" in out
    assert "PASS  postgresql: no post refused" in out
    assert "2 processes" in out and "bare driver" in out


@pytest.mark.long
@pytest.mark.timeout(600)  # three at a time, beside the browser tests
def test_the_language_detector_benchmark_runs_and_the_chosen_one_is_accurate() -> None:
    """bench/languages.py chose py3langid: it must stay right on its posts (lingua, only
    compared, may be absent)."""
    result = subprocess.run(
        [sys.executable, "-m", "bench.languages", "--repeat", "1"], cwd=ROOT,
        capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines() if line.startswith("py3langid ")]
    assert [row[2] for row in rows] == ["100.0%", "100.0%"], result.stdout
    assert "cps write path, a short post" in result.stdout


@pytest.mark.long
@pytest.mark.timeout(600)  # three at a time, beside the browser tests
def test_the_post_parts_benchmark_smoke_runs() -> None:
    """Posts in process with and without the topic author's notification: both
    variants post (every answer a 201) and the parts are restored between them."""
    out = smoke("bench.post_parts", "--smoke", "--core", "-1", timeout=240)
    assert "SMOKE: done" in out
    assert "without notify" in out
