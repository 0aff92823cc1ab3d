"""The GPU checks, as one short script for a machine with CUDA.

    python -m benchmarks.gpu_check      # prints each check and the timings; exit 1 on failure

It runs tests/engine/test_gpu.py, then times a compute-bound fit (50,000 x 100, hidden (256, 128),
batch 256, 3 epochs) on the GPU with and without capture, and against the CPU.
"""

import subprocess
import sys
import time

import torch
from sklearn.datasets import make_classification

from sklgrad import LearningGradientClassifier
from sklgrad._engine.settings import engine_options


def main():
    if not torch.cuda.is_available():
        print("CUDA is not available: nothing to check here.")
        return 1
    print(f"device: {torch.cuda.get_device_name(0)}, torch {torch.__version__}")
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "tests/engine/test_gpu.py"])
    X, y = make_classification(n_samples=50_000, n_features=100, n_informative=10,
                               random_state=0)
    params = dict(hidden_layer_sizes=(256, 128), batch_size=256, max_iter=3, tol=None,
                  random_state=0)
    for device in ("cuda", "cpu"):
        for label, capture in (("capture on", True), ("capture off", False)):
            with engine_options(capture=capture):
                LearningGradientClassifier(**params, device=device).fit(X[:2000], y[:2000])
                start = time.perf_counter()
                clf = LearningGradientClassifier(**params, device=device).fit(X, y)
                if device == "cuda":
                    torch.cuda.synchronize()
                seconds = time.perf_counter() - start
            score = clf.score(X, y) if label == "capture on" else float("nan")
            print(f"{device:>4} {label:<11} fit {seconds:6.2f} s  train accuracy {score:.3f}")
    return tests.returncode


if __name__ == "__main__":
    raise SystemExit(main())
