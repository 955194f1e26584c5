#!/usr/bin/env bash
# The long run of the fault suite: the tests `swift test` runs a few rounds of (KillTests,
# FaultTests, DamagedFileTests), here with ROUNDS kills of each kind (20 unless given) and a load
# of 200 runs on 8 workers, and every writing command against every kind of output target
# (OutputTargetTests). Prints each test's figures (its "fault:" line) and the summary.
#
#     bash bench/faults.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-20}
log=$(mktemp "${TMPDIR:-/tmp}/nnlab-faults.XXXXXX")
swift build --build-tests >/dev/null
status=0
NNLAB_FAULT_ROUNDS=$rounds NNLAB_FAULT_RUNS=200 swift test --skip-build \
  --filter 'KillTests|FaultTests|DamagedFileTests|OutputTargetTests' >"$log" 2>&1 || status=$?
grep -E '^fault:|✘|Test run with' "$log" || true
if ((status != 0)); then echo "the full log: $log" >&2; else rm -f "$log"; fi
exit "$status"
