"""sklgrad's benchmarks: run with ``python -m benchmarks`` (``--help`` for options)."""
