#!/usr/bin/env bash
# nnlab against NumPy, MLflow and SQLite, side by side: builds release (NNLAB_CPU=haswell: the
# AVX2 build, in .build-haswell), then prints the table of bench/run.py, run by the bench's
# Python (bench/python.sh).
#
#     bash bench/run.sh [repetitions]
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=.build${NNLAB_CPU:+-$NNLAB_CPU}
for product in nnlab nnlab-storage-bench nnlab-training-bench nnlab-bench; do
  swift build -c release --scratch-path "$scratch" --product "$product" >/dev/null
done
NNLAB_BUILD="$scratch/release" bash bench/python.sh bench/run.py "$@"
