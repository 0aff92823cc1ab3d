"""Selection on data larger than memory: the streamed "all-relevant" question at 1, 4 and
16 million rows, against Boruta on a row sample given the same time.

The table: 50 float32 standard-normal columns and a binary target drawn from a logistic
model with six weak effects (linear in x0 and x4, even in x1, periodic in x5, and the
pair x2 x3 acting only together), 44 noise columns. The effects are small enough that a
sample of a few tens of thousands of rows does not show them all. The chunks (250,000
rows) are generated when they are read, from a seed per chunk, as a reader of files would
hand them over: the figures hold no disk I/O. Each selection runs in a child process
that reads its own peak resident memory (VmHWM from /proc). Boruta (BorutaPy, a depth-7
forest, ``n_estimators="auto"``, 100 iterations) is timed on 5,000 rows first, then run
on as many rows as fit the streamed selection's time at that size (rows scale its cost
about linearly), the first rows of the table (a uniform sample: rows are independent).
"""

import json
import os
import subprocess
import sys

from ._report import table

N_FEATURES, CHUNK_ROWS = 50, 250_000
RELEVANT = (0, 1, 2, 3, 4, 5)
CALIBRATION_ROWS = 5_000

_CHUNKS = r"""
import numpy as np

def read(i, n_rows, rows=250_000):
    rng = np.random.default_rng([7, i])
    m = min(rows, n_rows - i * rows)
    X = rng.standard_normal((m, 50), dtype=np.float32)
    logit = (0.05 * X[:, 0] + 0.05 * (X[:, 1] ** 2 - 1) + 0.08 * X[:, 2] * X[:, 3]
             + 0.02 * X[:, 4] + 0.05 * np.sin(2 * X[:, 5]))
    return X, (logit + rng.logistic(size=m) > 0).astype(np.int64)
"""

_SELECT = _CHUNKS + r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
from sklgrad import ChunkedData, LearningGradientSelector
n_rows = int(sys.argv[1])
n_chunks = -(-n_rows // 250_000)
start = time.perf_counter()
for i in range(n_chunks):  # one pass of the reader alone: what a pass costs to read
    read(i, n_rows)
reading = time.perf_counter() - start
data = ChunkedData(lambda i: read(i, n_rows), n_chunks)
start = time.perf_counter()
selector = LearningGradientSelector(threshold="all-relevant", random_state=0).fit(data)
seconds = time.perf_counter() - start
peak = [line for line in open("/proc/self/status") if line.startswith("VmHWM")][0]
print(json.dumps({"seconds": seconds, "read_pass_seconds": reading,
                  "kept": np.flatnonzero(selector.get_support()).tolist(),
                  "timings": selector.selection_result_.timings,
                  "stream": selector.stream_info_,
                  "peak_rss_mib": int(peak.split()[1]) / 1024}))
"""

_BORUTA = _CHUNKS + r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
from boruta import BorutaPy
from sklearn.ensemble import RandomForestClassifier
n_rows = int(sys.argv[1])
parts = [read(i, n_rows) for i in range(-(-n_rows // 250_000))]
X = np.concatenate([p[0] for p in parts]); y = np.concatenate([p[1] for p in parts])
start = time.perf_counter()
boruta = BorutaPy(RandomForestClassifier(n_jobs=1, max_depth=7, class_weight="balanced"),
                  n_estimators="auto", random_state=0, max_iter=100).fit(X, y)
seconds = time.perf_counter() - start
peak = [line for line in open("/proc/self/status") if line.startswith("VmHWM")][0]
print(json.dumps({"seconds": seconds, "kept": np.flatnonzero(boruta.support_).tolist(),
                  "tentative": np.flatnonzero(boruta.support_weak_).tolist(),
                  "peak_rss_mib": int(peak.split()[1]) / 1024}))
"""


def _child(script, n_rows):
    result = subprocess.run([sys.executable, "-c", script, str(n_rows)], capture_output=True,
                            text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    if result.returncode:
        raise RuntimeError(result.stderr[-2000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def _found(kept):
    kept = set(kept)
    return len(kept & set(RELEVANT)), len(kept - set(RELEVANT))


def run(quick=False):
    sizes = (100_000, 200_000, 400_000) if quick else (1_000_000, 4_000_000, 16_000_000)
    calibration = _child(_BORUTA, CALIBRATION_ROWS)
    rows, results = [], {"boruta calibration": calibration}
    for n_rows in sizes:
        ours = _child(_SELECT, n_rows)
        budget_rows = int(min(n_rows, CALIBRATION_ROWS * ours["seconds"]
                              / calibration["seconds"]))
        boruta = _child(_BORUTA, budget_rows)
        results[f"streamed {n_rows}"], results[f"boruta {n_rows}"] = ours, boruta
        found, noise = _found(ours["kept"])
        rows.append((f"{n_rows:,}", "sklgrad all-relevant, streamed", f"{n_rows:,}",
                     ours["seconds"], f"{n_rows / ours['seconds']:,.0f}",
                     ours["peak_rss_mib"], f"{found} of 6", noise))
        found, noise = _found(boruta["kept"])
        rows.append(("", "Boruta on a row sample", f"{budget_rows:,}", boruta["seconds"],
                     f"{budget_rows / boruta['seconds']:,.0f}", boruta["peak_rss_mib"],
                     f"{found} of 6", noise))
    from ._data_parallel import measure

    parallel = results["data parallel"] = measure()
    peaks = [results[f"streamed {n}"]["peak_rss_mib"] for n in sizes]
    steps = results[f"streamed {sizes[-1]}"]["timings"]
    stream = results[f"streamed {sizes[-1]}"]["stream"]
    body = (
        f"**Streamed selection** (synthetic data, as no real table shipped here has millions "
        f"of rows: {N_FEATURES} float32 columns, 6 weak effects among 44 noise columns, "
        f"binary target; chunks of {CHUNK_ROWS:,} rows generated on read; "
        "`LearningGradientSelector(threshold='all-relevant', random_state=0).fit("
        "ChunkedData)`, each in its own process; peak resident memory read by that "
        "process). Boruta is given the streamed selection's time at each size: it runs on "
        f"as many rows as its time on {CALIBRATION_ROWS:,} rows "
        f"({calibration['seconds']:.1f} s) says fit in it:\n\n"
        + table(["table rows", "method", "rows read", "seconds", "rows per second",
                 "peak RSS (MiB)", "relevant found", "noise kept"], rows)
        + f"\n\nPeak memory of the streamed selections: "
        f"{', '.join(f'{p:,.0f}' for p in peaks)} MiB at "
        f"{', '.join(f'{n:,}' for n in sizes)} rows: bounded by the chunks and the samples "
        f"({stream['sample_rows']:,} rows, on which the path networks train and the tests' "
        f"nulls are drawn, and {stream['network_rows']:,}, which the dense screen's and "
        "the ranking's networks read at the steps they take on the first: the stream-sample "
        f"section), not by the rows. Where the time goes at {sizes[-1]:,} rows: "
        + ", ".join(f"{step} {seconds:.0f} s" for step, seconds in steps.items())
        + f" (one pass of the reader alone: "
        f"{results[f'streamed {sizes[-1]}']['read_pass_seconds']:.0f} s; the statistical "
        "tests read every row in two passes after the first). Boruta's sets are those of "
        "the rows it could read in the same time; its tentative columns are not counted "
        "as kept.\n\n"
        "**The networks: one process or data-parallel.** A screen network's training (550 "
        "inputs, hidden (32,), 550 Adam steps of 200 rows on 40,000 rows) took "
        f"{parallel[1]:.2f} s in one process and {parallel[2]:.2f} s data-parallel over "
        f"two processes with `torch.distributed` (gloo; 100 rows of each batch per "
        f"process, gradients all-reduced each step): {parallel[2] / parallel[1]:.2f}x. "
        "The streamed selection trains its networks in one process: "
        "networks this small spend a step's time in per-step overhead that splitting the "
        "batch does not divide, and the all-reduce adds to it."
    )
    return body, results
