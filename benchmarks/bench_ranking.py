"""How far the ranking `sklgrad fit` prints can be trusted: the same command with another
seed, one network against the mean of several.

Breast cancer (scikit-learn's copy of the Wisconsin data, the paper's), as a user runs it:
`sklgrad fit` in a fresh process on the CSV, the default split (75% of the rows trained
on). For each setting and each number of networks, seeds 0-3; the table gives the Spearman
correlation of the per-column rankings between every pair of seeds (mean and minimum),
and the median wall time of one run.
"""

import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scipy.stats import spearmanr
from sklearn.datasets import load_breast_cancer

from ._report import table

SETTINGS = {
    "defaults (hidden 100, adam, 200 epochs)": [],
    "the paper's (hidden 3, sgd, lr 0.01, batch 32, 40 epochs)": [
        "--hidden", "3", "--solver", "sgd", "--lr", "0.01", "--batch-size", "32",
        "--epochs", "40"],
}


def _run(folder, seed, networks, extra):
    out = folder / f"run-{seed}-{networks}-{abs(hash(tuple(extra)))}"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sklgrad", "fit", "cancer.csv", "--target",
                    "target", "--quiet", "--seed", str(seed), "--networks", str(networks),
                    "--out", str(out), *extra], cwd=folder, env=env, check=True,
                   capture_output=True)
    seconds = time.perf_counter() - start
    summary = json.loads((out / "summary.json").read_text())
    shares = {column: row["mean"]
              for column, row in summary["importance_spread"]["by_column"].items()}
    return shares, seconds


def run(quick=False):
    seeds = (0, 1) if quick else (0, 1, 2, 3)
    rows, figures = [], {}
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        frame = load_breast_cancer(as_frame=True).frame
        frame.columns = [str(c) for c in frame.columns]
        frame.to_csv(folder / "cancer.csv", index=False)
        for name, extra in SETTINGS.items():
            for networks in (1, 5):
                runs = [_run(folder, seed, networks, extra) for seed in seeds]
                columns = sorted(runs[0][0])
                rhos = [spearmanr([a[0][c] for c in columns], [b[0][c] for c in columns])
                        .statistic for a, b in itertools.combinations(runs, 2)]
                seconds = statistics.median(s for _, s in runs)
                figures[f"{name}|{networks}"] = {"rho": rhos, "seconds": seconds}
                rows.append((name, networks, f"{statistics.mean(rhos):.3f}",
                             f"{min(rhos):.3f}", f"{seconds:.1f}"))
    body = (
        f"`sklgrad fit cancer.csv --target target --seed S --networks N`, seeds "
        f"{', '.join(map(str, seeds))}, in fresh processes: the Spearman correlation of the "
        "per-column rankings between every pair of seeds, and the median wall time of a run "
        "(the interpreter's start and the imports included; the networks of a run train "
        "stacked).\n\n"
        + table(["setting", "networks", "Spearman, mean", "Spearman, min", "seconds"], rows)
    )
    return body, figures


if __name__ == "__main__":
    print(run(quick=True)[0])
