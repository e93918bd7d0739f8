#!/usr/bin/env bash
# import_postgres.sh — sluice into PostgreSQL against `psql \copy` (and
# pgloader with PGLOADER=1), on the 1,000,000-row plans file, in one run,
# alternating, each into a fresh table.
#
#   bench/import_postgres.sh                 # 3 runs each
#   RUNS=5 PGLOADER=1 bench/import_postgres.sh
#
# The server is ../shared/bench/pg.sh's (fsync on, shared_buffers 512MB, the
# settings of the peer baseline), started here and stopped at the end.
# What runs:
#   psql_copy_all     \copy of the whole file into the pre-created typed table
#                     (it aborts at the first bad row: 0 rows land)
#   psql_copy_valid   \copy of the file's valid rows only (995,005), typed table
#   sluice            sluice import plans.csv --profile profiles/plans.yaml --db URL
#                     (types and checks every row, rejects the 4,995 bad ones),
#                     one pass, one COPY stream, creating the table
#   sluice_into_table the same into the pre-created typed table (psql's footing)
#   sluice_chunks     --chunks $CHUNKS (default 4): two chunk threads, two COPY
#                     streams into a stage, published by renaming it (new table)
#   sluice_chunks_into_table  the same into the pre-created table: published by
#                     INSERT … SELECT from the stage
#   sluice_workers    two `sluice worker` processes waiting, then import
#                     --background --chunks $CHUNKS (the input stored in the
#                     database); wall from the enqueue's return to the job's
#                     end (the enqueue is timed apart; bench/lib/background.sh)
#   pgloader          pgloader into the typed table (PGLOADER=1; minutes per run)
# Peak RSS is the client's (/usr/bin/time), never the server's.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=/tmp/sluice-bench/postgres
source "$HERE/lib/postgres_setup.sh"
VALID=$DATA/plans_${ROWS}_valid.csv
[[ -s $VALID ]] || python3 - "$CSV" "$VALID" <<'PY'
import csv, sys
# The rows profiles/plans.yaml accepts: integer start and stop, 1 minute to 30 days apart.
with open(sys.argv[1], newline="") as source, open(sys.argv[2], "w", newline="") as target:
    rows, out = csv.reader(source), csv.writer(target, lineterminator="\n")
    out.writerow(next(rows))
    for row in rows:
        try:
            duration = int(row[2]) - int(row[1])
        except ValueError:
            continue
        if 60 <= duration <= 2592000:
            out.writerow(row)
PY

DDL="CREATE TABLE plans (node_id bigint, start bigint, stop bigint, invoice_amount numeric, gpu_class text, region text, note text)"
fresh() { pg -c "DROP TABLE IF EXISTS plans" -c "DROP SCHEMA IF EXISTS sluice CASCADE" -c "CHECKPOINT"; }

timed() {  # label command… -> appends label, wall, peak RSS KiB, rows in plans
    local label=$1 start end
    shift
    start=$(date +%s.%N)
    /usr/bin/time -f "%M" -o "$WORK/rss" "$@" >"$WORK/out" 2>&1 || true
    end=$(date +%s.%N)
    printf '%s\t%s\t%s\t%s\n' "$label" "$(echo "$end - $start" | bc)" "$(tail -1 "$WORK/rss")" "$(count)" >>"$RESULTS"
}

source "$HERE/lib/background.sh"

for ((run = 1; run <= RUNS; run++)); do
    echo "== run $run of $RUNS" >&2
    fresh; pg -c "$DDL"
    timed psql_copy_all psql -X -q "$URL" -c "\\copy plans FROM '$CSV' CSV HEADER"
    fresh; pg -c "$DDL"
    timed psql_copy_valid psql -X -q "$URL" -c "\\copy plans FROM '$VALID' CSV HEADER"
    fresh
    timed sluice "$SLUICE" import "$CSV" --profile "$ROOT/profiles/plans.yaml" --db "$URL" --quiet
    fresh; pg -c "$DDL"
    timed sluice_into_table "$SLUICE" import "$CSV" --profile "$ROOT/profiles/plans.yaml" --db "$URL" --quiet
    fresh
    timed sluice_chunks "$SLUICE" import "$CSV" --profile "$ROOT/profiles/plans.yaml" --db "$URL" --quiet --chunks "$CHUNKS"
    fresh; pg -c "$DDL"
    timed sluice_chunks_into_table "$SLUICE" import "$CSV" --profile "$ROOT/profiles/plans.yaml" --db "$URL" --quiet --chunks "$CHUNKS"
    if [[ ${WORKERS:-1} == 1 ]]; then
        fresh
        background sluice_workers
    fi
    if [[ ${PGLOADER:-0} == 1 ]]; then
        fresh; pg -c "$DDL"
        sed -e "s|@CSV@|$CSV|g" -e "s|@PGURL@|$URL|g" -e "s|@TABLE@|plans|g" "$SHARED/pgloader/plans.load.in" >"$WORK/plans.load"
        timed pgloader pgloader --root-dir "$WORK/pgloader-root" "$WORK/plans.load"
    fi
done

python3 - "$RESULTS" "$ROWS" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    label, wall, rss, rows = line.rstrip("\n").split("\t")
    runs.setdefault(label, []).append((float(wall), int(rss or 0), int(rows or 0)))
print("| tool | runs | wall s, median [min–max] | rows loaded | rows/s | peak RSS MiB |")
print("|---|---|---|---|---|---|")
for label, r in runs.items():
    if label.startswith("sluice_workers_"): continue  # the enqueue, the sum, the CPU: bench/blobs_postgres.sh reports them
    walls = [w for w, _, _ in r]
    med = statistics.median(walls)
    loaded = r[-1][2]
    print(f"| {label} | {len(r)} | {med:.2f} [{min(walls):.2f}–{max(walls):.2f}] | {loaded:,} | {loaded / med:,.0f} | {max(x for _, x, _ in r) / 1024:.0f} |")
# Ratios per round (the machine is noisy): each sluice path against the peers of its own round.
rounds = {label: [w for w, _, _ in r] for label, r in runs.items()}
print()
for mine in ("sluice", "sluice_into_table", "sluice_chunks", "sluice_chunks_into_table", "sluice_workers"):
    for peer in ("psql_copy_valid", "pgloader"):
        if mine in rounds and peer in rounds and len(rounds[peer]) == len(rounds[mine]):
            ratios = sorted(p / s for s, p in zip(rounds[mine], rounds[peer]))
            print(f"- {mine}: {statistics.median(ratios):.2f}× the speed of {peer} per round "
                  f"[{ratios[0]:.2f}–{ratios[-1]:.2f}] (median wall {statistics.median(rounds[mine]):.2f} s against {statistics.median(rounds[peer]):.2f} s)")
PY
