#!/usr/bin/env bash
# End to end: a 4 × 4 sweep with `nnlab sweep --workers 2` beside the NumPy + MLflow script
# that does the same (bench/sweep.py says how). Builds release (NNLAB_CPU=haswell: the AVX2
# build, in .build-haswell) and runs it with the bench's Python (bench/python.sh).
#
#     bash bench/sweep.sh [repetitions]
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=.build${NNLAB_CPU:+-$NNLAB_CPU}
swift build -c release --scratch-path "$scratch" --product nnlab >/dev/null
NNLAB="$scratch/release/nnlab" bash bench/python.sh bench/sweep.py "$@"
