"""A/B of two checkouts of sklgrad: the same selections and fits, in alternating processes.

    python benchmarks/ab.py BEFORE_DIR AFTER_DIR [--rounds 2] [--out FILE]

For a change that must not change behaviour (a redesign, a new layout): each round runs one
process on BEFORE's code, then one on AFTER's (``PYTHONPATH`` set to the checkout), on the
same machine. A process fits the default classifier on breast cancer three times and answers
both questions on the five sets of the real-data benchmark (``_real_data.py``, seeds 0-2).
The table gives each side's median time and whether every selection kept the same columns.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def _worker(out):
    """One process's measurements, written to ``out`` as JSON."""
    import warnings

    warnings.simplefilter("ignore")
    import numpy as np
    import torch
    from sklearn.datasets import load_breast_cancer

    import sklgrad
    from benchmarks._real_data import SETS, semi_synthetic
    from sklgrad import LearningGradientClassifier, LearningGradientSelector

    torch.set_num_threads(1)
    result = {"sklgrad": sklgrad.__file__, "fit": [], "select": {}}
    X, y = load_breast_cancer(return_X_y=True)
    for _ in range(3):
        start = time.perf_counter()
        LearningGradientClassifier(random_state=0).fit(X, y)
        result["fit"].append(time.perf_counter() - start)
    for name in SETS:
        for seed in (0, 1, 2):
            X, y, _ = semi_synthetic(name, seed)
            for question in ("minimal", "all-relevant"):
                start = time.perf_counter()
                selector = LearningGradientSelector(threshold=question, random_state=seed)
                kept = selector.fit(X, y).get_support()
                result["select"][f"{name}|{seed}|{question}"] = {
                    "seconds": time.perf_counter() - start,
                    "kept": np.flatnonzero(kept).tolist()}
    with open(out, "w") as handle:
        json.dump(result, handle)


def _run(tree, out):
    env = {**os.environ, "PYTHONPATH": tree, "OMP_NUM_THREADS": "1"}
    subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", out],
                   cwd=tree, env=env, check=True)
    with open(out) as handle:
        return json.load(handle)


def _table(runs):
    """Markdown: per set and question, each side's median seconds and whether the kept
    columns were the same in every run of both sides."""
    before, after = runs["before"], runs["after"]
    lines = ["| what | before (s) | after (s) | after / before | same columns |",
             "| --- | ---: | ---: | ---: | --- |"]
    fit_b = statistics.median(t for run in before for t in run["fit"])
    fit_a = statistics.median(t for run in after for t in run["fit"])
    lines.append(f"| one fit, breast cancer (median of {3 * len(before)}) | {fit_b:.3f} | "
                 f"{fit_a:.3f} | {fit_a / fit_b:.2f} | |")
    keys = list(before[0]["select"])
    groups = {}
    for key in keys:
        name, _, question = key.split("|")
        groups.setdefault((name, question), []).append(key)
    total_b = total_a = 0.0
    all_same = True
    for (name, question), members in groups.items():
        b = sum(statistics.median(run["select"][k]["seconds"] for run in before)
                for k in members)
        a = sum(statistics.median(run["select"][k]["seconds"] for run in after)
                for k in members)
        same = all(run["select"][k]["kept"] == before[0]["select"][k]["kept"]
                   for k in members for run in before + after)
        all_same &= same
        total_b, total_a = total_b + b, total_a + a
        lines.append(f"| {question}, {name} (seeds 0-2) | {b:.2f} | {a:.2f} | {a / b:.2f} | "
                     f"{'yes' if same else 'NO'} |")
    lines.append(f"| all {len(keys)} selections | {total_b:.1f} | {total_a:.1f} | "
                 f"{total_a / total_b:.2f} | {'yes' if all_same else 'NO'} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", help="write the table here too")
    args = parser.parse_args(argv)
    runs = {"before": [], "after": []}
    with tempfile.TemporaryDirectory() as folder:
        for round_ in range(args.rounds):
            for side in ("before", "after"):
                tree = os.path.abspath(getattr(args, side))
                start = time.perf_counter()
                runs[side].append(_run(tree, os.path.join(folder, f"{side}{round_}.json")))
                print(f"round {round_ + 1}, {side}: {time.perf_counter() - start:.0f} s "
                      f"({runs[side][-1]['sklgrad']})", file=sys.stderr, flush=True)
    table = _table(runs)
    print(table)
    if args.out:
        with open(args.out, "w") as handle:
            handle.write(table)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        _worker(sys.argv[2])
    else:
        main()
