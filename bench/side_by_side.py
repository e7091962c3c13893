"""Run one benchmark on this checkout and on an earlier commit, alternately, in one run.

Machines are noisy: absolute figures from two runs on different hours say little,
a ratio measured in one run says more. This builds a worktree of `--ref`, then
runs the benchmark `--rounds` times on each side, alternating (ref, this, ref,
this, ...) so both sides meet the same load, and prints each round's figures and
their ratio this / ref, and the median of those ratios: two runs side by side met
the same moment of the machine, so their ratio is steadier than either figure.
"This" is a worktree of `--this` (default HEAD), so editing the checkout while
the benchmark runs changes nothing it measures.

    .venv/bin/python -m bench.side_by_side --ref 90e056f thread_read --posts 10000 --reps 100
    .venv/bin/python -m bench.side_by_side --ref 90e056f fanout --clients 1000 --rate 30
    .venv/bin/python -m bench.side_by_side --ref 90e056f write --databases sqlite --no-scale

The figure compared is the server's CPU per unit of work (CPU p50 of a page read
for `thread_read`, CPU per delivery for `fanout`, CPU per post for `write`): CPU
time is less disturbed by other load than wall time. Each side runs its own copy of
the benchmark with its own code (`PYTHONPATH` set to its tree), against the same
virtualenv.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench.machine import describe

ROOT = Path(__file__).resolve().parents[1]


def _thread_read(output: str) -> float:
    """The mean over page positions of the CPU p50 of one read, in ms."""
    rows = re.findall(r"^(?:start|middle|end)\s+\d+\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+([\d.]+)",
                      output, re.M)
    if not rows:
        raise ValueError("no page rows in thread_read's output")
    return statistics.fmean(float(r) for r in rows)


def _fanout(output: str) -> float:
    """CPS's server CPU per delivery, in µs (the first such line: CPS's side)."""
    match = re.search(r"server CPU per delivery\s+([\d.]+) µs", output)
    if match is None:
        raise ValueError("no 'server CPU per delivery' in fanout's output")
    return float(match.group(1))


def _write(output: str) -> float:
    """CPS's server CPU per post, in ms (the first CPS line: its first database)."""
    match = re.search(r"^CPS, .*?CPU ([\d.]+) ms/post", output, re.M)
    if match is None:
        raise ValueError("no CPS line with 'CPU ... ms/post' in write's output")
    return float(match.group(1))


BENCHES: dict[str, tuple[list[str], Callable[[str], float], str]] = {
    "thread_read": (["-m", "bench.thread_read"], _thread_read, "ms CPU per page read (p50)"),
    "fanout": (["bench/fanout.py"], _fanout, "µs server CPU per delivery"),
    "write": (["-m", "bench.write"], _write, "ms server CPU per post (CPS)"),
}


def _worktree(ref: str, folder: Path, name: str) -> Path:
    tree = folder / name
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(tree), ref],
                   check=True)
    return tree


def _run(tree: Path, command: list[str], extra: list[str]) -> str:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run([sys.executable, *command, *extra], cwd=tree, env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):  # 1: a target failed, the figures still count
        sys.stderr.write(done.stdout[-2000:] + done.stderr[-2000:])
        raise SystemExit(f"the benchmark failed in {tree} (exit {done.returncode})")
    return done.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--ref", required=True, help="the earlier commit to compare with")
    parser.add_argument("--this", default="HEAD", help="the commit measured against it")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("bench", choices=sorted(BENCHES))
    parser.add_argument("args", nargs=argparse.REMAINDER, help="the benchmark's own options")
    args = parser.parse_args(argv)
    command, figure, unit = BENCHES[args.bench]
    print(f"side by side: {args.bench} {' '.join(args.args)}; ref {args.ref} against {args.this}")
    print(f"machine: {describe()}")
    with tempfile.TemporaryDirectory(prefix="cps-side-") as tmp:
        trees = {"ref": _worktree(args.ref, Path(tmp), "ref"),
                 "this": _worktree(args.this, Path(tmp), "this")}
        try:
            ratios: list[float] = []
            for round_ in range(1, args.rounds + 1):
                ref, this = (figure(_run(trees[n], command, args.args)) for n in ("ref", "this"))
                ratios.append(this / ref)
                print(f"round {round_}: ref {ref:.2f}, this {this:.2f} {unit}; "
                      f"this / ref = {this / ref:.2f}", flush=True)
        finally:
            for tree in trees.values():
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                                str(tree)], check=False)
    print(f"median of the rounds' ratios, this / ref = {statistics.median(ratios):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
