#!/usr/bin/env bash
# chunks_sqlite.sh — the chunked import (--chunks N, one process) against the
# plain foreground import, on the 1,000,000-row plans file, alternating.
#
#   bench/chunks_sqlite.sh            # chunks 1 2 4 8, 3 runs each
#   RUNS=1 CHUNKS="1 8" bench/chunks_sqlite.sh
#
# Checks each run: imported + rejected = rows, rejected = the generator's invalid rows.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
GEN=${GEN:-$ROOT/../shared/bench/gen_plans.py}
ROWS=${ROWS:-1000000}
RUNS=${RUNS:-3}
CHUNKS=${CHUNKS:-"1 2 4 8"}
DATA=${BENCH_DATA:-/tmp/sluice-bench/data}
WORK=${BENCH_WORK:-/tmp/sluice-bench/chunks}
mkdir -p "$DATA" "$WORK"
(cd "$ROOT" && swift build -c release --scratch-path .build-release --product sluice >&2)
SLUICE=$ROOT/.build-release/release/sluice
CSV=$DATA/plans_$ROWS.csv
[[ -s $CSV && -s $CSV.gen.json ]] || python3 "$GEN" "$ROWS" "$CSV" 2>"$CSV.gen.json"
INVALID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["invalid_rows"])' "$CSV.gen.json")
RESULTS=$WORK/results.tsv
: >"$RESULTS"
for ((run = 1; run <= RUNS; run++)); do
    for chunks in $CHUNKS; do
        db=$WORK/c$chunks.db
        rm -f "$db" "$db"-wal "$db"-shm
        /usr/bin/time -f "%e %M" -o "$WORK/time" "$SLUICE" import "$CSV" --profile "$ROOT/profiles/plans.yaml" \
            --db "$db" --quiet --chunks "$chunks" || [[ $? == 3 ]]
        read -r wall rss < <(tail -n 1 "$WORK/time")  # time(1) puts "Command exited with …" first on exit 3
        loaded=$(sqlite3 "$db" "SELECT count(*) FROM plans")
        rejected=$(sqlite3 "$db" "SELECT rows_rejected FROM sluice_jobs")
        (( loaded + rejected == ROWS && rejected == INVALID )) || { echo "COUNT MISMATCH at chunks $chunks" >&2; exit 1; }
        printf '%s\t%s\t%s\n' "$chunks" "$wall" "$rss" >>"$RESULTS"
        echo "   run $run, chunks $chunks: ${wall}s, rss ${rss} KiB, loaded $loaded, rejected $rejected" >&2
    done
done
python3 - "$RESULTS" "$ROWS" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    chunks, wall, rss = line.split("\t")
    runs.setdefault(int(chunks), []).append((float(wall), int(rss)))
base = statistics.median(w for w, _ in runs[min(runs)])
print("| chunks | runs | wall s, median [min–max] | rows/s | vs chunks 1 | peak RSS MiB |")
print("|---|---|---|---|---|---|")
for chunks, r in sorted(runs.items()):
    walls = [w for w, _ in r]
    med = statistics.median(walls)
    print(f"| {chunks} | {len(r)} | {med:.2f} [{min(walls):.2f}–{max(walls):.2f}] | {int(sys.argv[2])/med:,.0f} | {base/med:.2f}× | {max(x for _, x in r)/1024:.0f} |")
PY
