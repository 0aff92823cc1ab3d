"""Data larger than memory: fits that stream Parquet row groups or Dask partitions.

A dataset of 100 float32 columns is written to disk as Parquet (row groups of 250,000
rows) at 1, 4 and 16 million rows. Each fit runs in a child process that reads its own peak
resident memory (VmHWM, from /proc: a parent's getrusage would mix processes), trains a
(64,) network for 2 epochs with batches of 1,024 rows, and times the second epoch (a pure
pass: reading and training) through the progress hook. The in-memory fit reads the whole
table first (the largest size that fits comfortably), the streamed fits never hold more
than two row groups. A Dask LocalCluster (2 worker processes) serves the partitions of a
persisted Dask array: the data lives on the workers and reaches the client one partition
at a time.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

from ._report import table

N_FEATURES, GROUP_ROWS = 100, 250_000

_FIT = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
route, path, n_rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
import numpy as np
from sklgrad import ChunkedData, LearningGradientClassifier

ends = []
clf = LearningGradientClassifier(hidden_layer_sizes=(64,), batch_size=1024, max_iter=2,
                                 tol=None, random_state=0)
clf._epoch_hook = lambda epoch, loss: ends.append(time.perf_counter())
start = time.perf_counter()
if route == "memory":
    import pyarrow.dataset as ds
    frame = ds.dataset(path, format="parquet").to_table().to_pandas()
    y = frame.pop("target").to_numpy()
    X = frame.to_numpy(dtype=np.float32)
    del frame
    loaded = time.perf_counter()
    clf.fit(X, y)
elif route == "parquet":
    loaded = start
    clf.fit(ChunkedData.from_parquet(path, "target"))
else:  # dask: a persisted array on a 2-worker LocalCluster
    import dask.array as da
    from distributed import Client, LocalCluster
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=None)
    client = Client(cluster)
    rows = 250_000
    X = da.random.default_rng(0).standard_normal((n_rows, 100), chunks=(rows, 100),
                                                 dtype=np.float32)
    y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(np.int64)
    X, y = client.persist([X, y])
    loaded = time.perf_counter()
    clf.fit(X, y)
epoch = ends[1] - ends[0]
peak = [line for line in open("/proc/self/status") if line.startswith("VmHWM")][0]
print(json.dumps({"fit_seconds": ends[1] - loaded, "epoch_seconds": epoch,
                  "rows_per_second": n_rows / epoch, "peak_rss_mib": int(peak.split()[1]) / 1024,
                  "loss": float(clf.loss_)}))
"""


def _write(folder, n_rows, seed=0):
    """``n_rows`` x 100 float32 columns and a binary target, as Parquet files of one row
    group each, written a group at a time."""
    import pandas as pd

    os.makedirs(folder)
    rng = np.random.default_rng(seed)
    for part, start in enumerate(range(0, n_rows, GROUP_ROWS)):
        rows = min(GROUP_ROWS, n_rows - start)
        X = rng.standard_normal((rows, N_FEATURES), dtype=np.float32)
        frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(N_FEATURES)])
        frame["target"] = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(np.int64)
        frame.to_parquet(os.path.join(folder, f"part{part:04d}.parquet"),
                         row_group_size=GROUP_ROWS)
    return sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder))


def _fit(route, path, n_rows):
    result = subprocess.run([sys.executable, "-c", _FIT, route, str(path), str(n_rows)],
                            capture_output=True, text=True, env={**os.environ,
                                                                 "OMP_NUM_THREADS": "1"})
    if result.returncode:
        raise RuntimeError(result.stderr[-2000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def run(quick=False):
    sizes = (40_000, 160_000, 640_000) if quick else (1_000_000, 4_000_000, 16_000_000)
    in_memory = sizes[1]
    scratch = tempfile.mkdtemp(prefix="sklgrad-stream-")
    rows, results = [], {}
    try:
        for n_rows in sizes:
            folder = os.path.join(scratch, f"rows{n_rows}")
            start = time.perf_counter()
            disk = _write(folder, n_rows)
            written = time.perf_counter() - start
            routes = ["parquet"] + (["memory"] if n_rows == in_memory else [])
            for route in routes:
                result = _fit(route, folder, n_rows)
                result.update(disk_mib=disk / 2**20, write_seconds=written)
                results[f"{route} {n_rows}"] = result
                rows.append((f"{n_rows:,}", f"{disk / 2**20:,.0f}",
                             "streamed (Parquet row groups)" if route == "parquet"
                             else "in memory (read whole first)",
                             result["epoch_seconds"], f"{result['rows_per_second']:,.0f}",
                             result["peak_rss_mib"],
                             disk / 2**20 / result["peak_rss_mib"]))
            shutil.rmtree(folder)
        dask_rows = sizes[0]
        result = _fit("dask", "-", dask_rows)
        results[f"dask {dask_rows}"] = result
        rows.append((f"{dask_rows:,}", "on the workers", "streamed (Dask partitions, 2 "
                     "workers)", result["epoch_seconds"], f"{result['rows_per_second']:,.0f}",
                     result["peak_rss_mib"], float("nan")))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    memory = results[f"memory {in_memory}"]["rows_per_second"]
    streamed = results[f"parquet {in_memory}"]["rows_per_second"]
    parquet_small = results[f"parquet {sizes[0]}"]["rows_per_second"]
    dask = results[f"dask {sizes[0]}"]["rows_per_second"]
    peaks = [results[f"parquet {n}"]["peak_rss_mib"] for n in sizes]
    body = (
        f"**Streamed fits** ({N_FEATURES} float32 columns, binary target, hidden (64,), batch "
        f"1,024, 2 epochs; Parquet row groups of {GROUP_ROWS:,} rows; each fit in its own "
        "process, peak resident memory read by that process from /proc/self/status; the "
        "second epoch timed by the progress hook: a whole pass, reading and training). "
        "'data on disk / peak RSS' is how many times the process's whole memory the data "
        "is:\n\n"
        + table(["rows", "on disk (MiB)", "route", "second epoch (s)", "rows per second",
                 "peak RSS (MiB)", "data on disk / peak RSS"], rows)
        + f"\n\nStreamed throughput at {in_memory:,} rows: {streamed / memory:.2f}x the "
        f"in-memory fit's (the next row group is read by a background thread while the "
        f"current one trains). Peak memory of the streamed fits: "
        f"{', '.join(f'{p:,.0f}' for p in peaks)} MiB at {', '.join(f'{n:,}' for n in sizes)} "
        f"rows: it does not grow with the rows. Dask partitions served by 2 local worker "
        f"processes: {dask / parquet_small:.2f}x the Parquet route's rows per second at "
        f"{sizes[0]:,} rows (the workers share the machine's 2 cores with the training "
        "process; the data is never gathered on the client, one partition at a time "
        "reaches it)."
    )
    return body, results
