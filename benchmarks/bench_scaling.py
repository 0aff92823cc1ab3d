"""Scale-out and size: grid search serial vs loky vs Dask; a 1,000,000 x 100 fit's memory.

The large fit runs in a fresh subprocess per variant so that its peak resident memory is its
own: the data (float32) is made there, and the fit's peak is compared with the data's size.
"""

import json
import subprocess
import sys
import time

import numpy as np

from ._report import table

_LARGE_FIT = r"""
import json, sys, time, warnings
import numpy as np
warnings.simplefilter("ignore")
n_rows, n_features, capture = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "on"
from sklgrad import LearningGradientClassifier
from benchmarks._report import PeakMemory
from sklgrad._engine.settings import engine_options
rng = np.random.default_rng(0)
X = np.empty((n_rows, n_features), dtype=np.float32)
for start in range(0, n_rows, 100_000):  # no float64 copy of the whole array
    X[start:start + 100_000] = rng.standard_normal((len(X[start:start + 100_000]), n_features))
y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(np.int64)
cls = LearningGradientClassifier
with engine_options(capture=capture):
    # The first fit of a process pays once for torch's lazy imports (~4 s): not the fit's cost.
    cls(hidden_layer_sizes=(64,), max_iter=1, tol=None).fit(X[:2048], y[:2048])
    start = time.perf_counter()
    with PeakMemory() as memory:
        clf = cls(hidden_layer_sizes=(64,), batch_size=1024, max_iter=2, tol=None,
                  random_state=0).fit(X, y)
seconds = time.perf_counter() - start
print(json.dumps({"seconds_per_epoch": seconds / 2, "peak_rss_mib": memory.peak_mib,
                  "rss_before_fit_mib": memory.start_mib, "data_mib": X.nbytes / 2**20}))
"""


def _large_fit(n_rows, n_features, capture):
    result = subprocess.run([sys.executable, "-c", _LARGE_FIT, str(n_rows), str(n_features),
                             "on" if capture else "off"], capture_output=True, text=True,
                            check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def _grid_search_times(quick):
    import joblib
    from distributed import Client, LocalCluster
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import GridSearchCV

    from sklgrad import LearningGradientClassifier

    X, y = load_breast_cancer(return_X_y=True)
    grid = {"hidden_layer_sizes": [(3,), (16,)], "learning_rate_init": [0.003, 0.01, 0.03]}
    if quick:
        grid = {"hidden_layer_sizes": [(3,)]}
    base = LearningGradientClassifier(solver="sgd", batch_size=32, max_iter=40, tol=None,
                                      random_state=0)

    def search(**kwargs):
        start = time.perf_counter()
        GridSearchCV(base, grid, cv=5, **kwargs).fit(X, y)
        return time.perf_counter() - start

    times = {"serial (n_jobs=1)": search(n_jobs=1), "loky (n_jobs=2)": search(n_jobs=2)}
    start = time.perf_counter()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster):
        started = time.perf_counter() - start
        with joblib.parallel_config(backend="dask"):
            times["Dask LocalCluster, 2 workers"] = search(n_jobs=-1)
    n_fits = 5 * int(np.prod([len(v) for v in grid.values()])) + 1
    return times, started, n_fits


def run(quick=False):
    times, cluster_start, n_fits = _grid_search_times(quick)
    serial = times["serial (n_jobs=1)"]
    rows = [(name, seconds, serial / seconds) for name, seconds in times.items()]
    body = (
        f"**Grid search on breast cancer** ({n_fits} fits of the paper's network, 40 epochs, "
        "5-fold CV); one torch thread per worker.\n\n"
        + table(["backend", "wall seconds", "speed-up vs serial"], rows)
        + f"\n\nThe Dask cluster took {cluster_start:.1f} s to start (not included above).\n\n"
    )
    n_rows = 20_000 if quick else 1_000_000
    runs = {capture: _large_fit(n_rows, 100, capture) for capture in (True, False)}
    data = runs[True]["data_mib"]
    rows = [(("on" if capture else "off"), r["seconds_per_epoch"], r["peak_rss_mib"],
             r["rss_before_fit_mib"], (r["peak_rss_mib"] - r["rss_before_fit_mib"]) / data)
            for capture, r in runs.items()]
    body += (
        f"**A {n_rows:,} x 100 float32 fit** (hidden (64,), batch 1024, 2 epochs, "
        f"standardized inside; data {data:.0f} MiB). Peak resident memory of the process, "
        "which holds the data, torch and the fit; the last column is the fit's own "
        "addition (standardized copy, batches, network) relative to the data:\n\n"
        + table(["capture", "seconds per epoch", "peak RSS (MiB)",
                 "RSS before fit, data included (MiB)", "added by the fit / data size"], rows)
        + f"\n\nCapture changes peak memory by "
        f"{runs[True]['peak_rss_mib'] - runs[False]['peak_rss_mib']:+.0f} MiB: it keeps one "
        "vector per epoch, not one per example."
    )
    return body, {"grid_search": times, "large_fit": runs}
