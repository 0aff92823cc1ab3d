"""The streamed selection's networks: on the sample, or on ten times its rows at the
sample's steps; and what streaming them as ``fit`` streams would cost.

A streamed selection sums its tests over every row; its networks read a uniform sample
drawn in the first pass. The dense screen's and the ranking's networks read ten times
the sample's rows (40,000 and 400,000 at 50 columns), taking the steps they take on the
sample: every batch new rows, as streaming within their step budgets would read them.
Here the stream-select section's table at 1,000,000 rows is selected both ways
(``NETWORK_FACTOR`` 1, the networks on the sample, and 10, the default), seeds 0 and 1,
each in its own process: seconds, peak memory, the columns kept, and the ranking's lowest
share among them beside its shadows' bar. Streamed as ``fit`` streams, an epoch is a pass
over every chunk: the networks' epochs on the sample times one pass of the reader is the
reading that would add.

Which of the two more rows bring, new rows or more steps, is read from the dense screen
alone: on the sample for its 10 epochs and for 100, and on the networks' rows for 1 epoch
(the sample's steps) and for 10.
"""

from ._report import table
from .bench_stream_select import _CHUNKS, _child, _found

N_ROWS = 1_000_000
FACTORS = (1, 10)
SEEDS = (0, 1)

_SELECT = _CHUNKS + r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
import numpy as np
from sklgrad import ChunkedData, LearningGradientSelector
import sklgrad._selection._stream_passes as passes
from sklgrad._selection._dense import relevance_network
n_rows, passes.NETWORK_FACTOR, seed = (int(arg) for arg in sys.argv[1].split(","))
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
info = selector.stream_info_
# The dense screen's networks are not kept: their epochs are the screen's setting.
dense = relevance_network(np.array([0, 1]), info["sample_rows"])
epochs = {"dense screen": dense.max_iter,
          "path screen": len(selector.path_screen_.importance_history_),
          "ranking": max(len(e.importance_history_) for e in selector.estimators_)}
peak = [line for line in open("/proc/self/status") if line.startswith("VmHWM")][0]
print(json.dumps({"seconds": seconds, "read_pass_seconds": reading,
                  "kept": np.flatnonzero(selector.get_support()).tolist(),
                  "found_by": kept["found_by"].tolist(),
                  "lowest_kept_share": float(kept["share"].min()),
                  "shadow_bar": float(kept["shadow_bar"].iloc[0]),
                  "epochs": epochs, "timings": selector.selection_result_.timings,
                  "stream": info, "peak_rss_mib": int(peak.split()[1]) / 1024}))
"""

_DENSE = _CHUNKS + r"""
import json, math, sys, time, warnings
warnings.simplefilter("ignore")
import numpy as np
from sklearn.utils import check_random_state
from sklgrad import ChunkedData, LearningGradientSelector
from sklgrad._selection._dense import relevance_network, relevant_inputs
from sklgrad._selection._orchestrator import (SCREEN_SHADOWS, _whole_training,
                                              fit_repeats, repeat_seeds)
from sklgrad._selection._statistics import SCREEN_DTYPE, beside_shadows, shadow_bar
from sklgrad._selection._streamed import first_pass
n_rows, seed = (int(arg) for arg in sys.argv[1].split(","))
sample = first_pass(ChunkedData(lambda i: read(i, n_rows), -(-n_rows // 250_000)), seed)
(X_sample, y_sample), (X_rows, y_rows) = (sample.rows_in_order(),
                                          sample.network_rows_in_order())
out = []
for X, y, epochs in [(X_sample, y_sample, 10), (X_sample, y_sample, 100),
                     (X_rows, y_rows, 1), (X_rows, y_rows, 10)]:
    selector = LearningGradientSelector(threshold="all-relevant", random_state=seed)
    seeds = repeat_seeds(selector, "all-relevant", X_sample.size)
    both = beside_shadows(X, math.ceil(SCREEN_SHADOWS / X.shape[1]),
                          check_random_state(seed), SCREEN_DTYPE)
    network = relevance_network(y, len(X_sample)).set_params(max_iter=epochs)
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
    n_rows = 200_000 if quick else N_ROWS
    seeds = SEEDS[:1] if quick else SEEDS
    rows, dense_rows, results = [], [], {}
    for seed in seeds:
        for factor in FACTORS:
            found = results[f"factor {factor} seed {seed}"] = _child(
                _SELECT, f"{n_rows},{factor},{seed}")
            relevant, noise = _found(found["kept"])
            alone = results[f"factor {FACTORS[0]} seed {seed}"]["seconds"]
            rows.append((seed, f"{found['stream']['network_rows']:,}",
                         f"{found['seconds']:.0f} ({found['seconds'] / alone:.2f}x)",
                         f"{found['peak_rss_mib']:,.0f}", f"{relevant} of 6", noise,
                         ", ".join(f"x{c} {by}" for c, by in zip(found["kept"],
                                                                 found["found_by"])),
                         f"{found['lowest_kept_share']:.3f} / {found['shadow_bar']:.3f}"))
        dense = results[f"dense screen seed {seed}"] = _child(_DENSE, f"{n_rows},{seed}")
        for fit in dense:
            relevant, noise = _found(fit["kept"])
            dense_rows.append((seed, f"{fit['rows']:,}", fit["epochs"], f"{fit['steps']:,}",
                               f"{fit['seconds']:.1f}", f"{relevant} of 6", noise,
                               " ".join(f"{v:.2f}" for v in fit["relevant_over_bar"]),
                               f"{fit['noise_over_bar']:.2f}"))
    alone = results[f"factor {FACTORS[0]} seed {seeds[0]}"]
    epochs, sample_rows = alone["epochs"], alone["stream"]["sample_rows"]
    passes = sum(epochs.values())
    body = (
        f"The stream-select section's synthetic table (50 float32 columns, 6 weak effects among 44 "
        f"noise columns) at {n_rows:,} rows, `LearningGradientSelector(threshold="
        "'all-relevant').fit(ChunkedData)`, each in its own process, with the dense "
        f"screen's and the ranking's networks on the sample ({sample_rows:,} rows, where "
        "the path networks and the tests' nulls stay) and on the networks' rows at the "
        "sample's steps (the default: ten times the sample's rows, fewer where the dense "
        "screen's inputs would pass 200 million values): seconds (and the multiple of "
        "the first's), peak resident memory, the columns kept with the screen that found "
        "each, and the ranking's lowest share among the kept columns beside its shadows' bar:\n\n"
        + table(["seed", "networks' rows", "seconds", "peak RSS (MiB)", "relevant found",
                 "noise kept", "kept (found by)", "lowest kept share / shadows' bar"], rows)
        + "\n\n**New rows or more steps.** The dense screen alone (its default network, "
        "the seed's networks and 500 shadows), on the sample for 10 epochs (its steps on "
        "the sample) and 100, and on the networks' rows for 1 epoch (about the same "
        "steps, every batch new rows) and 10: the relevant and noise columns it keeps, "
        "and each relevant column's mean importance over the shadows' bar (x0 to x5; "
        "above 1 is kept) beside the largest noise column's:\n\n"
        + table(["seed", "rows", "epochs", "steps", "seconds", "relevant kept",
                 "noise kept", "x0-x5 / bar", "largest noise / bar"], dense_rows)
        + f"\n\n**Streaming the networks as `fit` streams them** (an epoch a pass over "
        f"every chunk): on the sample, the dense screen trained {epochs['dense screen']} "
        f"epochs, the path screen {epochs['path screen']} (its dense phase, points and "
        f"screening rounds) and the ranking {epochs['ranking']}: {passes} passes, where "
        f"the selection reads the table three times. One pass of the reader alone took "
        f"{alone['read_pass_seconds']:.1f} s at this size: "
        f"{passes * alone['read_pass_seconds']:.0f} s of reading, "
        f"{passes * alone['read_pass_seconds'] / alone['seconds']:.1f}x the whole "
        f"selection's {alone['seconds']:.0f} s, before the networks train on every row of "
        "each pass instead of their step budgets' rows; the networks' rows give each "
        "step new rows within the budgets, from the first pass."
    )
    return body, results
