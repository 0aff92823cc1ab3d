"""``sklgrad predict`` on a small file: the forward pass in NumPy from the plan stored in
the model file, against the full path (loading the model with skops, which imports
scikit-learn, torch and skorch), side by side in one run.

The full path is what ``predict`` did before the plan existed, and what it still does for a
file the plan cannot read exactly: it is timed on a copy of the same model file without the
plan member. Fresh processes, alternating, wall time including the interpreter's start;
the predictions are compared as well.
"""

import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer

from ._report import spread, table

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}


def _sklgrad(args, cwd):
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "sklgrad", *map(str, args)], cwd=cwd,
                            env=ENV, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, result.stdout


def _without_plan(model, path):
    from sklgrad._cli._forward import MEMBER

    with zipfile.ZipFile(model) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            if item.filename != MEMBER:
                target.writestr(item, source.read(item.filename))


def run(quick=False):
    repeats = 3 if quick else 7
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        data = load_breast_cancer(as_frame=True).frame
        data.columns = [str(c) for c in data.columns]
        data.insert(0, "patient", np.arange(len(data)) + 1000)
        data.to_csv(folder / "train.csv", index=False)
        data.drop(columns="target").sample(20, random_state=0).to_csv(folder / "new.csv",
                                                                    index=False)
        _sklgrad(["fit", "train.csv", "--target", "target", "--id", "patient", "--epochs",
                  "20", "--networks", "1", "--quiet", "--out", "run"], folder)
        _without_plan(folder / "run" / "model.skops", folder / "full.skops")
        paths = {"NumPy forward pass (the plan in model.skops)": "run/model.skops",
                 "full path (skops load: scikit-learn, torch, skorch)": "full.skops"}
        times = {name: [] for name in paths}
        outputs = {}
        for _ in range(repeats):
            for name, model in paths.items():  # alternating
                seconds, outputs[name] = _sklgrad(["predict", model, "new.csv", "--proba"],
                                                  folder)
                times[name].append(seconds)
    fast, full = (pd.read_csv(io.StringIO(text)) for text in outputs.values())
    numbers = [c for c in fast.columns if c.startswith("proba_")]
    gap = float(np.abs(fast[numbers].to_numpy() - full[numbers].to_numpy()).max())
    same_labels = bool((fast["predicted"] == full["predicted"]).all())
    medians = {name: statistics.median(values) for name, values in times.items()}
    rows = [(name, spread(medians[name], min(values), max(values)))
            for name, values in times.items()]
    ratio = medians[list(paths)[1]] / medians[list(paths)[0]]
    body = (
        f"`sklgrad predict run/model.skops new.csv --proba` on 20 rows of breast cancer (30 "
        f"columns and an ID; the model: `sklgrad fit`, 20 epochs): wall time of a fresh "
        f"process, median and range of {repeats} alternating runs.\n\n"
        + table(["path", "seconds"], rows)
        + f"\n\nThe full path takes {ratio:.1f}x the NumPy path's time. The two give the "
        f"same classes ({'all 20' if same_labels else 'NOT all'}) and probabilities that "
        f"differ by at most {gap:.1e}. Before the plan, every `predict` took the full "
        "path.")
    return body, {"median_seconds": medians, "ratio": ratio, "max_difference": gap,
                  "same_labels": same_labels}


if __name__ == "__main__":
    print(run(quick=True)[0])
