#!/usr/bin/env bash
# The PostgreSQL backend against its peers, each measured in the same run on this machine:
# builds release (for $NNLAB_CPU, else native), starts a PostgreSQL 15 cluster of its own on
# loopback (bench/postgres.sh in a temporary folder, stopped and removed at the end) and prints
# a table of medians:
#   1. tracking overhead: 400-25-10 on glyphs recorded in PostgreSQL against recording off
#      (nnlab-training-bench --db URL; SQLite's overhead from the same runs beside it);
#   2. metric values a second through RunStore.recordEpochs, an epoch a transaction, against
#      the same workload on SQLite (nnlab-storage-bench metrics --db URL);
#   2b. epochs written by multi-row INSERT (recordEpochs) against COPY FROM STDIN
#      (nnlab-copy-bench URL), with snapshots and without;
#   3. runs claimed a second by 8 worker processes from a queue of 4,000, against SQLite
#      (nnlab-storage-bench claims --db URL); and with each run finished once claimed (--finish);
#   4. `nnlab runs --sort validation_error --limit 20` on 1,000 runs × 1,000 epochs, the query
#      in process and the whole command, against the same database in SQLite
#      (nnlab-reports-bench, each database made by the write path);
#   5. a 4 × 4 sweep (λ × α) of 400-25-10 × 100 epochs on glyphs with 2 workers, against the
#      same sweep on SQLite, the two alternating: the wall time, and the CPU time of nnlab's
#      processes and the server's (which, on a machine whose cores the workers fill, is what
#      the wall time follows, and is less moved by other work on a shared machine).
#
#     bash bench/postgres-bench.sh [repetitions]        (default 5, and at least 3 sweeps)
#     NNLAB_CPU=haswell bash bench/postgres-bench.sh    (a build for any x86-64 since 2013)
#
# Each part's own output is kept in the temporary folder while it runs, and shown on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
repetitions=${1:-5}
sweeps=$((repetitions >= 3 ? repetitions : 3))
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

echo "building release for ${NNLAB_CPU:-native}…" >&2
for product in nnlab nnlab-storage-bench nnlab-copy-bench nnlab-training-bench nnlab-reports-bench; do
  swift build -c release --product "$product" >/dev/null
done
bin=.build/release

scratch=$(mktemp -d -t nnlab-pg-bench.XXXXXX)
NNLAB_PG_DIR=$(mktemp -d -t nnlab-pg-cluster.XXXXXX)
export NNLAB_PG_DIR
cleanup() {
  bash bench/postgres.sh stop || true
  rm -rf "$scratch"
}
trap cleanup EXIT
url=$(bash bench/postgres.sh start)
# The cluster's second database, empty: the reports' 1,000 runs go there, alone.
other=${url/\/nnlab\?//nnlab_other?}

# Runs a part, its output in $scratch/NAME.out; shows it and stops when the part fails.
part() {
  local name=$1
  shift
  echo "$name…" >&2
  if ! "$@" >"$scratch/$name.out" 2>&1; then
    cat "$scratch/$name.out" >&2
    echo "postgres-bench.sh: $name failed" >&2
    exit 1
  fi
}

# The number after the last ':' of the line of $scratch/NAME.out that starts with PREFIX.
field() {
  awk -v prefix="$2" 'index($0, prefix) == 1 {n = split($0, parts, ":"); split(parts[n], words, " "); print words[1]; exit}' "$scratch/$1.out"
}

# The median of the numbers given.
median() {
  printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

# 1. Tracking overhead.
part training "$bin/nnlab-training-bench" 100 "$repetitions" --db "$url"
overhead_pg=$(field training "tracking overhead, PostgreSQL:")
overhead_sqlite=$(field training "tracking overhead, SQLite:")
epoch_pg=$(grep -F "recorded in PostgreSQL" "$scratch/training.out" | awk '{print $4}')
epoch_off=$(grep -F "not recorded" "$scratch/training.out" | awk '{print $3}')

# 2. Metric values a second.
part metrics "$bin/nnlab-storage-bench" "$repetitions" metrics --db "$url"
values_sqlite=$(field metrics "metric values per second:")
values_pg=$(field metrics "PostgreSQL, metric values per second:")
grouped_sqlite=$(field metrics "grouped by 128:")
grouped_pg=$(field metrics "PostgreSQL, grouped by 128:")

# 2b. INSERT against COPY.
part copy "$bin/nnlab-copy-bench" "$url" "$repetitions"
copy_field() { grep -F -- "$1" "$scratch/copy.out" | sed "s/.*$2 \([0-9.]*\) ms.*/\1/"; }
insert_snapshots=$(copy_field "with snapshots" "INSERT (recordEpochs)")
copy_snapshots=$(copy_field "with snapshots" "COPY text")
insert_plain=$(copy_field "no snapshots" "INSERT (recordEpochs)")
copy_plain=$(copy_field "no snapshots" "COPY text")

# 3. Claims a second, 8 workers.
part claims "$bin/nnlab-storage-bench" "$repetitions" claims --workers 8 --runs 4000 --db "$url"
claims_sqlite=$(awk '$1 == "SQLite" {print $2}' "$scratch/claims.out")
claims_pg=$(awk '$1 == "PostgreSQL" {print $2}' "$scratch/claims.out")
part finished "$bin/nnlab-storage-bench" "$repetitions" claims --workers 8 --runs 4000 --finish \
  --db "$url"
finished_sqlite=$(awk '$1 == "SQLite" {print $2}' "$scratch/finished.out")
finished_pg=$(awk '$1 == "PostgreSQL" {print $2}' "$scratch/finished.out")

# 4. The runs listing on 1,000 runs × 1,000 epochs.
part reports-sqlite "$bin/nnlab-reports-bench" "$scratch/reports.sqlite" "$repetitions"
part reports-pg "$bin/nnlab-reports-bench" "$other" "$repetitions"
listing() { grep -F -- "$2" "$scratch/$1.out" | sed 's/ ms .*//' | awk '{print $NF}'; }
query_sqlite=$(field reports-sqlite "runs listing, query in process:")
query_pg=$(field reports-pg "runs listing, query in process:")
command_sqlite=$(listing reports-sqlite "nnlab runs --sort")
command_pg=$(listing reports-pg "nnlab runs --sort")
start_pg=$(listing reports-pg "nnlab --version")
psql_pg=$(listing reports-pg "psql: the same 20 runs")

# 5. A 4 × 4 sweep with 2 workers, SQLite and PostgreSQL alternating: the wall time, the CPU
# time of nnlab's processes (user + system) and, for PostgreSQL, of the server's.
echo "sweeps…" >&2
# CPU seconds the cluster has used so far: the postmaster, the children it reaped, the others.
server_cpu() {
  local postmaster child
  postmaster=$(head -n 1 "$NNLAB_PG_DIR/data/postmaster.pid")
  {
    awk '{print $14 + $15 + $16 + $17}' "/proc/$postmaster/stat"
    for child in $(pgrep -P "$postmaster"); do
      awk '{print $14 + $15}' "/proc/$child/stat" 2>/dev/null || true
    done
  } | awk -v hz="$(getconf CLK_TCK)" '{s += $1} END {printf "%.2f", s / hz}'
}
# Runs the sweep into DATABASE, its wall seconds and nnlab's CPU seconds in $scratch/sweep;
# stops the script when it fails.
sweep() {
  if ! /usr/bin/time -f '%e %U %S' -o "$scratch/time" "$bin/nnlab" sweep --lambda 0,0.1,1,10 \
    --lr 0.1,0.3,1,3 --epochs 100 --gradcheck-every 0 --workers 2 --db "$1" --quiet \
    >/dev/null 2>"$scratch/sweep.err"; then
    cat "$scratch/sweep.err" >&2
    echo "postgres-bench.sh: the sweep into $1 failed" >&2
    exit 1
  fi
  awk '{print $1, $2 + $3}' "$scratch/time" >"$scratch/sweep"
}
sweep_sqlite=()
sweep_pg=()
cpu_sqlite=()
cpu_pg=()
cpu_server=()
for ((i = 0; i < sweeps; i++)); do
  sweep "$scratch/sweep-$i.sqlite"
  read -r wall cpu <"$scratch/sweep"
  sweep_sqlite+=("$wall")
  cpu_sqlite+=("$cpu")
  rm -f "$scratch/sweep-$i.sqlite"*
  before=$(server_cpu)
  sweep "$url"
  read -r wall cpu <"$scratch/sweep"
  sweep_pg+=("$wall")
  cpu_pg+=("$cpu")
  cpu_server+=("$(awk -v a="$before" -v b="$(server_cpu)" 'BEGIN {print b - a}')")
done
seconds_sqlite=$(median "${sweep_sqlite[@]}")
seconds_pg=$(median "${sweep_pg[@]}")

# The machine and the build.
cpu=$(grep -m 1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
family=$(grep -m 1 'cpu family' /proc/cpuinfo | cut -d: -f2 | tr -d ' ')
model=$(grep -m 1 '^model[[:space:]]' /proc/cpuinfo | cut -d: -f2 | tr -d ' ')
flags=$(grep -m 1 '^flags' /proc/cpuinfo)
isa="SSE4.2"
[[ $flags == *" avx2 "* && $flags == *" fma "* ]] && isa="AVX2 + FMA"
[[ $flags == *" avx512f "* ]] && isa="$isa + AVX-512" || isa="$isa, no AVX-512"
target=${NNLAB_CPU:-native}
if [[ $target == native ]] && command -v llc >/dev/null; then
  target="native ($(llc --version | awk '/Host CPU/ {print $3}'))"
fi

# Formats a number: FORMAT VALUE ("?" for a value that is not a number).
number() { awk -v f="$1" -v v="$2" 'BEGIN {if (v ~ /^[-+]?[0-9.]+(e[-+]?[0-9]+)?$/) printf f, v; else printf "?"}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b + 0 != 0) printf "%.2f", a / b; else printf "?"}'; }
# "met" when VALUE OP LIMIT (<= or >=), else "MISSED".
verdict() { awk -v a="$1" -v b="$2" -v op="$3" 'BEGIN {ok = (op == "<=") ? a + 0 <= b : a + 0 >= b; print ok ? "met" : "MISSED"}'; }
# One row of the table: NAME POSTGRESQL PEER RATIO NOTE.
row() { printf '%-56s %14s %14s %8s  %s\n' "$@"; }
# A row of two figures and their ratio: NAME FORMAT UNIT VALUE PEER NOTE.
compared() { row "$1" "$(number "$2" "$4")$3" "$(number "$2" "$5")$3" "$(ratio "$4" "$5")" "$6"; }

echo
echo "nnlab on PostgreSQL 15 (loopback) against its peers, in one run; medians of $repetitions (sweeps: of $sweeps)"
echo "machine: $cpu (family $family, model $model), $(nproc) cores, $isa; release build for $target"
echo "load average before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
row "" "PostgreSQL" "peer" "ratio" "goal"
row "1. 400-25-10 epoch on glyphs, recorded vs recording off" \
  "$(number %.2f "$epoch_pg") ms" "$(number %.2f "$epoch_off") ms" \
  "$(number %+.1f "$overhead_pg") %" \
  "≤ +10 %: $(verdict "$overhead_pg" 10 "<=") (SQLite, the same runs: $(number %+.1f "$overhead_sqlite") %)"
compared "2. metric values/s, recordEpochs, an epoch a transaction" %.0f "" \
  "$values_pg" "$values_sqlite" "(the peer: SQLite)"
compared "   the same, 128 epochs a transaction" %.0f "" "$grouped_pg" "$grouped_sqlite" ""
compared "2b. a transaction of 14 epochs with snapshots: COPY vs INSERT" %.2f " ms" \
  "$copy_snapshots" "$insert_snapshots" "(the peer: recordEpochs' INSERTs)"
compared "    128 epochs without snapshots: COPY vs INSERT" %.2f " ms" "$copy_plain" "$insert_plain" ""
compared "3. claims/s, 8 worker processes, 4,000 runs queued" %.0f "" "$claims_pg" "$claims_sqlite" \
  "≥ 500/s: $(verdict "$claims_pg" 500 ">=")"
compared "   the same, each run finished once claimed" %.0f "" "$finished_pg" "$finished_sqlite" ""
compared "4. runs listing (validation_error, 20), query in process" %.1f " ms" \
  "$query_pg" "$query_sqlite" "< 50 ms: $(verdict "$query_pg" 49.99 "<=")"
compared "   nnlab runs --sort validation_error --limit 20" %.1f " ms" "$command_pg" "$command_sqlite" \
  "(starting nnlab: $(number %.1f "$start_pg") ms; psql, the same 20 runs: $(number %.1f "$psql_pg") ms)"
compared "5. 4 × 4 sweep, 400-25-10 × 100 epochs, 2 workers" %.2f " s" "$seconds_pg" "$seconds_sqlite" \
  "≤ 1.10: $(verdict "$(ratio "$seconds_pg" "$seconds_sqlite")" 1.10 "<=")"
cpu_nnlab=$(median "${cpu_pg[@]}")
server_median=$(median "${cpu_server[@]}")
cpu_total=$(awk -v a="$cpu_nnlab" -v b="$server_median" 'BEGIN {print a + b}')
cpu_peer=$(median "${cpu_sqlite[@]}")
compared "   CPU seconds a sweep: nnlab's processes + the server's" %.2f " s" "$cpu_total" "$cpu_peer" \
  "≤ 1.10: $(verdict "$(ratio "$cpu_total" "$cpu_peer")" 1.10 "<=") (nnlab $(number %.2f "$cpu_nnlab") s + the server $(number %.2f "$server_median") s)"
echo
echo "The workers fill both cores, so the wall time follows the CPU time where nothing else runs;"
echo "with other work on the machine, the wall times also say how the cores were shared (the"
echo "server's processes are tasks of their own), and the CPU times are the measure."
echo
echo "the sweeps in turn, wall seconds: SQLite ${sweep_sqlite[*]}; PostgreSQL ${sweep_pg[*]}"
echo "  CPU seconds of nnlab: SQLite ${cpu_sqlite[*]}; PostgreSQL ${cpu_pg[*]}; of the server: ${cpu_server[*]}"
for name in training metrics copy claims finished reports-sqlite reports-pg; do
  echo
  echo "== $name"
  cat "$scratch/$name.out"
done
