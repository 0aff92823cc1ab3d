"""Shared helpers: timing, the machine's description and Markdown tables."""

import gc
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

import numpy as np


def best_of(fn, repeats):
    """Run ``fn`` ``repeats`` times; return (median seconds, last result)."""
    times, result = [], None
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def interleaved(fns, repeats):
    """Time several callables side by side, interleaved round by round (fair on noisy,
    shared machines); return {name: median seconds}."""
    return {name: median for name, (median, _, _) in interleaved_spread(fns, repeats).items()}


def interleaved_spread(fns, repeats):
    """As :func:`interleaved`, with the spread: {name: (median, min, max) seconds}."""
    times = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            gc.collect()
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: (statistics.median(values), min(values), max(values))
            for name, values in times.items()}


def spread(median, low, high):
    """'0.123 (0.110-0.140)': a median with its range, so noise is not read as a change."""
    return f"{median:.3g} ({low:.3g}-{high:.3g})"


def peak_rss_mib():
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def table(header, rows):
    """A Markdown table; floats are written with 3 significant digits."""
    def cell(value):
        if isinstance(value, (float, np.floating)):
            return f"{float(value):.3g}"
        return str(value)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def machine():
    import numpy
    import sklearn
    import skorch
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if "model name" in line)
    except (OSError, StopIteration):
        pass
    versions = {"python": platform.python_version(), "torch": torch.__version__,
                "skorch": skorch.__version__, "scikit-learn": sklearn.__version__,
                "numpy": numpy.__version__}
    try:
        import captum
        versions["captum"] = captum.__version__
    except ImportError:
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, check=False).stdout.strip()
    except OSError:
        commit = ""
    return (
        f"- Machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}\n"
        f"- torch threads: {torch.get_num_threads()} (OMP_NUM_THREADS="
        f"{os.environ.get('OMP_NUM_THREADS', 'unset')})\n"
        f"- Versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()) + "\n"
        f"- Command: `{' '.join(['python', '-m', 'benchmarks', *sys.argv[1:]])}`"
        + (f" at commit {commit}" if commit else "")
    )


class PeakMemory:
    """Peak resident memory added while the block runs, sampled from /proc every 20 ms
    (torch's allocations are invisible to tracemalloc; sampling more often slows the
    measured code, which must hand the GIL over to the sampler)."""

    def __enter__(self):
        import threading

        self._stop = threading.Event()
        self.start_mib = self.peak_mib = _rss_mib()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.02):
            self.peak_mib = max(self.peak_mib, _rss_mib())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak_mib = max(self.peak_mib, _rss_mib())
        self.added_mib = self.peak_mib - self.start_mib


def _rss_mib():
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return peak_rss_mib()
