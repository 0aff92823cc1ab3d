"""How fast the command line answers: errors about the input come before any heavy import.

Each command runs as a user runs it (a fresh process); wall time, median and range of
repeated runs. A successful small ``fit`` is timed beside them for scale.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_iris

from ._report import spread, table


def _time(args, repeats, cwd):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    times, status = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        status = subprocess.run([sys.executable, "-m", "sklgrad", *args], cwd=cwd, env=env,
                                capture_output=True, text=True).returncode
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), max(times), status


def run(quick=False):
    repeats = 3 if quick else 7
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        X, y = load_iris(return_X_y=True, as_frame=True)
        frame = X.set_axis(["a", "b", "c", "d"], axis=1).assign(
            species=np.array(["s", "v", "g"])[y])
        frame.to_csv(folder / "iris.csv", index=False)
        (folder / "notes.txt").write_text("not a model")
        cases = {
            "`sklgrad --help`": ["--help"],
            "no such file": ["fit", "missing.csv", "--target", "y"],
            "target not a column": ["fit", "iris.csv", "--target", "nope"],
            "`paper --seeds 0`": ["paper", "--seeds", "0"],
            "`fit --epochs 0`": ["fit", "iris.csv", "--target", "species", "--epochs", "0"],
            "`fit --out` is an input": ["fit", "iris.csv", "--target", "species", "--out",
                                        "iris.csv"],
            "not a model file": ["predict", "notes.txt", "iris.csv"],
            "a successful `fit` (150 rows, 20 epochs), for scale": [
                "fit", "iris.csv", "--target", "species", "--epochs", "20", "--quiet",
                "--out", "run"],
        }
        rows = []
        for name, args in cases.items():
            median, low, high, status = _time(args, repeats, folder)
            rows.append((name, status, spread(median, low, high)))
    figures = pd.DataFrame(rows, columns=["case", "exit status", "seconds"])
    return (
        f"Wall time of a fresh `python -m sklgrad` process (median and range of {repeats} "
        "runs), including the interpreter's start.\n\n"
        + table(["case", "exit status", "seconds"], rows)
    ), figures.to_dict("records")


if __name__ == "__main__":
    print(run(quick=True)[0])
