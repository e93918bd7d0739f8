#!/usr/bin/env bash
# import_sqlite.sh — Sluice's SQLite import against the peer tools, in one run.
#
#   bench/import_sqlite.sh                 # 1,000,000 plans rows, 3 alternating runs each
#   ROWS=100000 RUNS=1 bench/import_sqlite.sh
#   bench/import_sqlite.sh rss1g           # peak RSS of a ~1 GB import (profile on)
#
# Needs ../shared/bench/gen_plans.py (the generator every figure here uses),
# a release build (made here), sqlite3, and sqlite-utils (pip) for its row.
# For each run it records wall time and peak RSS (/usr/bin/time -v), and it
# checks what was loaded: with the profile, imported + rejected must equal
# the rows, and rejected must equal the invalid rows the generator made.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
GEN=${GEN:-$ROOT/../shared/bench/gen_plans.py}
ROWS=${ROWS:-1000000}
RUNS=${RUNS:-3}
SQLITE_UTILS=${SQLITE_UTILS:-1}   # 0: skip the slow sqlite-utils row
DATA=${BENCH_DATA:-/tmp/sluice-bench/data}
WORK=${BENCH_WORK:-/tmp/sluice-bench/sluice}
mkdir -p "$DATA" "$WORK"

[[ -r $GEN ]] || { echo "import_sqlite.sh: generator not found at $GEN (set GEN=)" >&2; exit 2; }
echo "== release build" >&2
(cd "$ROOT" && swift build -c release --scratch-path .build-release --product sluice >&2)
SLUICE=$ROOT/.build-release/release/sluice

generate() {  # rows -> path (cached), facts in path.gen.json
    local rows=$1 path=$DATA/plans_$1.csv
    if [[ ! -s $path || ! -s $path.gen.json ]]; then
        echo "== generating $rows rows" >&2
        python3 "$GEN" "$rows" "$path" 2>"$path.gen.json"
    fi
    echo "$path"
}

# timed NAME DB -- command...: runs it under /usr/bin/time, prints "wall rss_kib exit"
timed() {
    local log=$WORK/time.log status=0
    /usr/bin/time -v -o "$log" "$@" >"$WORK/out.log" 2>"$WORK/err.log" || status=$?
    local wall rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$log")
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
    echo "$wall $rss $status"
}

if [[ ${1:-} == rss1g ]]; then
    ROWS_1G=${ROWS_1G:-11000000}
    CSV=$(generate "$ROWS_1G")
    rm -f "$WORK/rss.db"*
    read -r wall rss status < <(timed "$SLUICE" import "$CSV" --profile "$ROOT/profiles/plans.yaml" --db "$WORK/rss.db" --quiet --max-errors 1000000)
    bytes=$(stat -c %s "$CSV")
    printf 'rss1g: %s bytes (%s rows), wall %.1f s, peak RSS %.1f MiB, exit %s\n' "$bytes" "$ROWS_1G" "$wall" "$(echo "$rss/1024" | bc -l)" "$status"
    sqlite3 "$WORK/rss.db" "SELECT 'job', rows_read, rows_imported, rows_rejected FROM sluice_jobs"
    exit 0
fi

CSV=$(generate "$ROWS")
INVALID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["invalid_rows"])' "$CSV.gen.json")
BYTES=$(stat -c %s "$CSV")
DDL="CREATE TABLE plans (node_id INTEGER, start INTEGER, stop INTEGER, invoice_amount NUMERIC, gpu_class TEXT, region TEXT, note TEXT);"
RESULTS=$WORK/results.tsv
: >"$RESULTS"

run_one() {  # tool run
    local tool=$1 db=$WORK/$1.db
    rm -f "$db" "$db"-wal "$db"-shm
    local cmd=()
    case $tool in
        sluice_profile) cmd=("$SLUICE" import "$CSV" --profile "$ROOT/profiles/plans.yaml" --db "$db" --quiet) ;;
        sluice_sniff)   cmd=("$SLUICE" import "$CSV" --table plans --db "$db" --quiet) ;;
        sqlite3_import) sqlite3 "$db" "$DDL"; cmd=(sqlite3 "$db" ".import --csv --skip 1 $CSV plans") ;;
        sqlite_utils)   cmd=(sqlite-utils insert "$db" plans "$CSV" --csv) ;;
    esac
    read -r wall rss status < <(timed "${cmd[@]}")
    local loaded rejected=0
    loaded=$(sqlite3 "$db" "SELECT count(*) FROM plans")
    if [[ $tool == sluice_* ]]; then rejected=$(sqlite3 "$db" "SELECT rows_rejected FROM sluice_jobs"); fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$wall" "$rss" "$status" "$loaded" "$rejected" >>"$RESULTS"
    echo "   $tool: ${wall}s, rss ${rss} KiB, exit $status, loaded $loaded, rejected $rejected" >&2
    if [[ $tool == sluice_profile ]] && (( loaded + rejected != ROWS || rejected != INVALID )); then
        echo "COUNT MISMATCH: imported $loaded + rejected $rejected vs rows $ROWS, invalid $INVALID" >&2; exit 1
    fi
}

for ((run = 1; run <= RUNS; run++)); do
    echo "== run $run of $RUNS" >&2
    for tool in sluice_profile sqlite3_import sluice_sniff; do run_one "$tool"; done
done
if [[ $SQLITE_UTILS == 1 ]] && command -v sqlite-utils >/dev/null; then
    echo "== sqlite-utils (one run)" >&2
    run_one sqlite_utils
fi

python3 - "$RESULTS" "$ROWS" "$BYTES" "$INVALID" <<'PY'
import statistics, sys
path, rows, size, invalid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
runs = {}
for line in open(path):
    tool, wall, rss, status, loaded, rejected = line.split("\t")
    runs.setdefault(tool, []).append((float(wall), int(rss), int(status), int(loaded), int(rejected)))
med = {t: statistics.median(w for w, *_ in r) for t, r in runs.items()}
print(f"input: {rows:,} rows, {size/1e6:.1f} MB, {invalid:,} invalid rows (gen_plans.py)\n")
print("| tool | runs | wall s, median [min–max] | rows/s | MB/s | peak RSS MiB | rows loaded | rejected | exit |")
print("|---|---|---|---|---|---|---|---|---|")
for tool, r in runs.items():
    walls = [w for w, *_ in r]
    print(f"| {tool} | {len(r)} | {med[tool]:.2f} [{min(walls):.2f}–{max(walls):.2f}] | {rows/med[tool]:,.0f} | {size/1e6/med[tool]:.1f} "
          f"| {max(x[1] for x in r)/1024:.0f} | {r[-1][3]:,} | {r[-1][4]:,} | {r[-1][2]} |")
base = med.get("sqlite3_import")
if base:
    print()
    for tool in med:
        if tool != "sqlite3_import":
            print(f"- {tool}: {base/med[tool]:.2f}× the throughput of sqlite3 .import")
if "sqlite_utils" in med:
    for tool in ("sluice_profile", "sluice_sniff"):
        if tool in med:
            print(f"- {tool}: {med['sqlite_utils']/med[tool]:.1f}× the throughput of sqlite-utils insert --csv")
PY
