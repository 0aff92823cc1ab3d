"""The benchmarks' --quick mode as a smoke test: every method returns a vector of the right
shape (asserted inside the run) and the page is written. The full run is not in CI."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_quick_benchmarks_run_and_write_their_page(tmp_path):
    out = tmp_path / "benchmarks.md"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    result = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--only",
                             "importance", "speed", "--out", str(out)],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    page = out.read_text()
    for heading in ("Finding what matters", "Agreement and stability", "Selection quality",
                    "Cost", "Fit time against scikit-learn's MLP", "Machine and command"):
        assert heading in page
    for method in ("permutation (5 repeats)", "captum IntegratedGradients", "lassonet",
                   "random forest (impurity)", "sklgrad (learning gradients)"):
        assert method in page
