#!/usr/bin/env bash
# Fuzzes nnlab's input readers (CSV, --where filter, weights JSON, sweep YAML) with libFuzzer.
#   bench/fuzz.sh [seconds-per-target]     (default 180)
# Builds the separate package in fuzz/ with the fuzzer and address sanitizers, runs each harness
# on a temporary copy of its seed corpus (fuzz/corpus/<target>), prints a table and exits
# non-zero if any harness crashed; crash inputs are kept in a temporary folder it names.
set -euo pipefail

seconds=${1:-180}
root=$(cd "$(dirname "$0")/.." && pwd)
fuzz=$root/fuzz
targets=(fuzz-csv fuzz-filter fuzz-weights fuzz-sweep)

# The root package's pinned versions (Package.resolved is not committed, so copy the local one).
if [[ -f $root/Package.resolved && ! -f $fuzz/Package.resolved ]]; then
  cp "$root/Package.resolved" "$fuzz/Package.resolved"
fi

# Not `--sanitize=fuzzer`: it adds -parse-as-library to every executable, which breaks the root's
# Plugins/EmbedSQLTool/main.swift. lld: gold fails ("internal error in format_file_lineno") to
# link with libFuzzer. -Xcc instruments the C code too (libyaml, BoringSSL).
build=(swift build -c release --package-path "$fuzz" --scratch-path "$fuzz/.build"
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld -Xcc -fsanitize=fuzzer-no-link,address)
"${build[@]}"
bin=$("${build[@]}" --show-bin-path)

work=$(mktemp -d "${TMPDIR:-/tmp}/nnlab-fuzz.XXXXXX")
crashes=$work/crashes
mkdir -p "$crashes"

printf '%-14s %12s %8s %8s\n' target executions corpus crashes
failed=0
for target in "${targets[@]}"; do
  corpus=$work/corpus/$target
  mkdir -p "$corpus"
  cp "$fuzz/corpus/$target/"* "$corpus/"
  log=$work/$target.log
  # libFuzzer stops at the first crash, timeout (-timeout s per input) or out-of-memory.
  status=0
  "$bin/$target" "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$crashes/$target-" >"$log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  found=$(find "$crashes" -name "$target-*" | wc -l)
  if ((status != 0 && found == 0)); then found=1; fi  # died without writing an artifact
  printf '%-14s %12s %8s %8s\n' "$target" "${runs:-?}" "$(ls "$corpus" | wc -l)" "$found"
  if ((found > 0)); then failed=1; fi
done

if ((failed)); then
  echo "crashes: inputs in $crashes, libFuzzer logs in $work/*.log" >&2
  exit 1
fi
rm -rf "$work"
