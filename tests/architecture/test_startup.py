"""What a process loads to start: every `cps serve` worker and every `cps` command
imports the app, so what the app imports at its top is paid on every start."""

from __future__ import annotations

import subprocess
import sys


def test_starting_the_app_does_not_load_scikit_learn() -> None:
    """scikit-learn (and the SciPy it loads) took 0.9 s of every start: it is imported
    by the consensus recompute, in its worker thread, when a round's map is first
    computed (cps/services/consensus/analysis.py)."""
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, cps.app, cps.cli\n"
         "print(sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'scipy'}))"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout.strip()
    assert loaded == "[]"


def test_a_recompute_loads_it() -> None:
    """The check above can fail: computing a map is what imports it."""
    loaded = subprocess.run(
        [sys.executable, "-c",
         "import sys\n"
         "from cps.services.consensus.analysis import Matrix, State, compute\n"
         "import numpy as np\n"
         "m = Matrix(users=[1, 2, 3, 4], statements=[1, 2],\n"
         "           values=np.array([[1, 1], [1, -1], [-1, 1], [-1, -1]], dtype=float))\n"
         "compute(m, State())\n"
         "print('sklearn' in sys.modules)"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout.strip()
    assert loaded == "True"
