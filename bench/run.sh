#!/usr/bin/env bash
# nnlab against NumPy, MLflow and SQLite, side by side: builds release, then prints the table of
# bench/run.py. Needs python3 with numpy and threadpoolctl (mlflow optional).
#
#     bash bench/run.sh [repetitions]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product nnlab >/dev/null
swift build -c release --product nnlab-storage-bench >/dev/null
swift build -c release --product nnlab-training-bench >/dev/null
swift build -c release --product nnlab-bench >/dev/null
python3 bench/run.py "$@"
