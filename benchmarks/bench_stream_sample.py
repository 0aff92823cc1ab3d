"""What the streamed selection's networks would gain from reading more rows, and what
streaming them as ``fit`` streams would cost.

A streamed selection sums its tests over every row, but its networks (the dense screen,
the path screen, the ranking) train on the first pass's uniform sample (40,000 rows at 50
columns). Here the stream-select section's table at 1,000,000 rows is selected with that
sample and with one ten times larger (400,000 rows, the networks' rows and the tests'
nulls alike), seeds 0 and 1, each in its own process: the seconds, the columns kept, and
the ranking's numbers against its shadows' bar. Each selection also reports the epochs
its networks trained: streamed as ``fit`` streams, an epoch is a pass over every chunk,
and the passes times one pass of the reader is the reading that streaming would add.

Which of the two a larger sample brings, more distinct rows or more steps (its epochs
are ten at least, each ten times as long), is read from the dense screen alone, trained on
40,000 rows for its default 10 epochs and for 100, and on 400,000 rows for 1 epoch (the
default's steps, each batch new rows: what streaming within the step budget would give)
and for 10.
"""

from ._report import table
from .bench_stream_select import _CHUNKS, _child, _found

N_ROWS = 1_000_000
#: The sample's rows: the default at 50 columns (``SAMPLE_VALUES // 50``), and ten times it.
SAMPLES = (40_000, 400_000)
SEEDS = (0, 1)

_SELECT = _CHUNKS + r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
import numpy as np
from sklgrad import ChunkedData, LearningGradientSelector
import sklgrad._selection._stream_passes as passes
n_rows, sample_rows, seed = (int(arg) for arg in sys.argv[1].split(","))
passes.SAMPLE_ROWS, passes.SAMPLE_VALUES = (2_000, sample_rows), sample_rows * 50
n_chunks = -(-n_rows // 250_000)
start = time.perf_counter()
for i in range(n_chunks):
    read(i, n_rows)
reading = time.perf_counter() - start
data = ChunkedData(lambda i: read(i, n_rows), n_chunks)
start = time.perf_counter()
selector = LearningGradientSelector(threshold="all-relevant", random_state=seed).fit(data)
seconds = time.perf_counter() - start
report = selector.selection_report_
kept = report[report["kept"]]
result = selector.selection_result_
from sklgrad._selection._dense import relevance_network
# The dense screen's networks are not kept: their epochs are the screen's setting.
epochs = {"dense screen": relevance_network(
              np.array([0, 1]), selector.stream_info_["sample_rows"]).max_iter,
          "path screen": len(selector.path_screen_.importance_history_),
          "ranking": max(len(e.importance_history_) for e in selector.estimators_)}
print(json.dumps({"seconds": seconds, "read_pass_seconds": reading,
                  "kept": np.flatnonzero(selector.get_support()).tolist(),
                  "found_by": kept["found_by"].tolist(),
                  "lowest_kept_share": float(kept["share"].min()),
                  "shadow_bar": float(kept["shadow_bar"].iloc[0]),
                  "epochs": epochs, "timings": result.timings,
                  "stream": selector.stream_info_}))
"""

_DENSE = _CHUNKS + r"""
import json, math, sys, time, warnings
warnings.simplefilter("ignore")
import numpy as np
from sklearn.utils import check_random_state
from sklgrad import ChunkedData, LearningGradientSelector
import sklgrad._selection._stream_passes as passes
from sklgrad._selection._dense import relevance_network, relevant_inputs
from sklgrad._selection._orchestrator import (SCREEN_SHADOWS, _whole_training,
                                              fit_repeats, repeat_seeds)
from sklgrad._selection._statistics import (SCREEN_DTYPE, shadow_bar, shadow_columns,
                                            side_by_side)
from sklgrad._selection._streamed import first_pass
n_rows, sample_rows, seed = (int(arg) for arg in sys.argv[1].split(","))
passes.SAMPLE_ROWS, passes.SAMPLE_VALUES = (2_000, sample_rows), sample_rows * 50
sample = first_pass(ChunkedData(lambda i: read(i, n_rows), -(-n_rows // 250_000)), seed)
X_all, y_all = sample.rows_in_order()
small = np.sort(np.random.default_rng(seed).choice(len(X_all), sample_rows // 10,
                                                   replace=False))
out = []
for X, y, epochs in [(X_all[small], y_all[small], 10), (X_all[small], y_all[small], 100),
                     (X_all, y_all, 1), (X_all, y_all, 10)]:
    selector = LearningGradientSelector(threshold="all-relevant", random_state=seed)
    rng = check_random_state(seed)
    seeds = repeat_seeds(selector, "all-relevant", len(small) * X.shape[1])
    copies = math.ceil(SCREEN_SHADOWS / X.shape[1])
    both = side_by_side([X] + [shadow_columns(X, rng) for _ in range(copies)],
                        dtype=SCREEN_DTYPE)
    network = relevance_network(y, len(X)).set_params(max_iter=epochs)
    start = time.perf_counter()
    fitted = fit_repeats(selector, network, both, y, seeds, None, {})
    seconds = time.perf_counter() - start
    scores = np.array([_whole_training(selector, e) for e in fitted])
    real, shadows = scores[:, :X.shape[1]], scores[:, X.shape[1]:]
    bar = shadow_bar(shadows.mean(axis=0))
    out.append({"rows": len(X), "epochs": epochs, "seconds": seconds,
                "steps": epochs * math.ceil(len(X) / network.batch_size),
                "kept": np.flatnonzero(relevant_inputs(real, shadows)).tolist(),
                "relevant_over_bar": (real.mean(axis=0)[:6] / bar).tolist(),
                "noise_over_bar": float(real.mean(axis=0)[6:].max() / bar)})
print(json.dumps(out))
"""


def run(quick=False):
    n_rows = 100_000 if quick else N_ROWS
    samples = (4_000, 40_000) if quick else SAMPLES
    seeds = SEEDS[:1] if quick else SEEDS
    rows, results = [], {}
    for seed in seeds:
        for sample in samples:
            found = results[f"{sample} seed {seed}"] = _child(
                _SELECT, f"{n_rows},{sample},{seed}")
            relevant, noise = _found(found["kept"])
            default = results[f"{samples[0]} seed {seed}"]["seconds"]
            rows.append((seed, f"{found['stream']['sample_rows']:,}",
                         f"{found['seconds']:.0f} ({found['seconds'] / default:.1f}x)",
                         f"{relevant} of 6", noise,
                         ", ".join(f"x{c} {by}" for c, by in zip(found["kept"],
                                                                 found["found_by"])),
                         f"{found['lowest_kept_share']:.3f} / {found['shadow_bar']:.3f}"))
    dense_rows = []
    for seed in seeds:
        dense = results[f"dense screen seed {seed}"] = _child(
            _DENSE, f"{n_rows},{samples[1]},{seed}")
        for fit in dense:
            relevant, noise = _found(fit["kept"])
            dense_rows.append((seed, f"{fit['rows']:,}", fit["epochs"], f"{fit['steps']:,}",
                               f"{fit['seconds']:.1f}", f"{relevant} of 6", noise,
                               " ".join(f"{v:.2f}" for v in fit["relevant_over_bar"]),
                               f"{fit['noise_over_bar']:.2f}"))
    first = results[f"{samples[0]} seed {seeds[0]}"]
    epochs = first["epochs"]
    passes = sum(epochs.values())
    body = (
        f"The stream-select section's table (50 float32 columns, 6 weak effects among 44 "
        f"noise columns) at {n_rows:,} rows, `LearningGradientSelector(threshold="
        "'all-relevant').fit(ChunkedData)` with the default sample and with one ten times "
        "larger (the networks' rows and the tests' nulls; the tests' scores read every row "
        "either way), each in its own process: seconds (and the multiple of the default's), "
        "the columns kept with the screen that found each, and the ranking's lowest share "
        "among the kept columns beside its shadows' bar:\n\n"
        + table(["seed", "sample rows", "seconds", "relevant found", "noise kept",
                 "kept (found by)", "lowest kept share / shadows' bar"], rows)
        + f"\n\n**Streaming the networks as `fit` streams them** (an epoch a pass over "
        f"every chunk): with the default sample, the dense screen trained "
        f"{epochs['dense screen']} epochs, the path screen {epochs['path screen']} "
        f"(its dense phase, points and screening rounds) and the ranking "
        f"{epochs['ranking']}: {passes} passes, where the selection reads the table three "
        f"times. One pass of the reader alone took {first['read_pass_seconds']:.1f} s at "
        f"this size: {passes * first['read_pass_seconds']:.0f} s of reading, "
        f"{passes * first['read_pass_seconds'] / first['seconds']:.1f}x the whole "
        f"selection's {first['seconds']:.0f} s, before the networks train on every row of "
        "each pass instead of their step budgets' rows.\n\n"
        "**Rows or steps.** The dense screen alone (its default network, the seed's "
        "networks and 500 shadows), on a uniform tenth of the larger sample for 10 epochs "
        "(the default) and 100, and on the larger sample for 1 epoch (about the default's "
        "steps, every batch new rows) and 10: the relevant and noise columns it keeps, and "
        "each relevant column's mean importance over the shadows' bar (x0 to x5; above 1 "
        "is kept) beside the largest noise column's:\n\n"
        + table(["seed", "rows", "epochs", "steps", "seconds", "relevant kept",
                 "noise kept", "x0-x5 / bar", "largest noise / bar"], dense_rows)
    )
    return body, results
