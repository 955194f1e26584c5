#!/usr/bin/env bash
# Builds nnlab in release and times a 4 × 4 sweep with 1 and 2 workers beside a NumPy loop.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product nnlab >/dev/null
# Current NumPy is slowed by these (set on some machines for older OpenBLAS): unset them for
# the benchmark alone.
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 bench/sweep.py
