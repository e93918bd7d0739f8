#!/usr/bin/env bash
# blobs_postgres.sh — a background import of the 1,000,000-row plans file,
# its input stored in PostgreSQL (the default with --db postgres://…)
# against stored in a local directory (--storage), alternating, each on a
# fresh schema; two `sluice worker` processes, started first and waiting,
# run the job (bench/lib/background.sh).
#
#   bench/blobs_postgres.sh            # 3 rounds
#   RUNS=5 CHUNKS=4 bench/blobs_postgres.sh
#
# The server is ../shared/bench/pg.sh's (fsync on, as the peer baselines).
# Reports per mode: the enqueue (storing the input), the workers after it
# returned, the total from the enqueue's start to the job's end, and peak
# RSS; then what storing and reading back through PostgreSQL costs, per
# round, as a share of the database-stored import's total time (the
# issue's target: < 15%).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=/tmp/sluice-bench/blobs
source "$HERE/lib/postgres_setup.sh"
fresh() { pg -c "DROP TABLE IF EXISTS plans" -c "DROP SCHEMA IF EXISTS sluice CASCADE" -c "CHECKPOINT"; rm -rf "$WORK/storage"; }
source "$HERE/lib/background.sh"

for ((run = 1; run <= RUNS; run++)); do
    echo "== run $run of $RUNS" >&2
    fresh
    background local --storage "$WORK/storage"
    fresh
    background database
done

python3 - "$RESULTS" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    label, wall, rss, rows = line.rstrip("\n").split("\t")
    runs.setdefault(label, []).append((float(wall), int(rss or 0), int(rows or 0)))
print("| step | runs | wall s, median [min–max] | rows loaded | peak RSS MiB, median [max] |")
print("|---|---|---|---|---|")
for label, r in runs.items():
    if label.endswith("_cpu"): continue
    walls, rss = [w for w, _, _ in r], [x / 1024 for _, x, _ in r]
    print(f"| {label} | {len(r)} | {statistics.median(walls):.2f} [{min(walls):.2f}–{max(walls):.2f}] | {r[-1][2]:,} "
          f"| {statistics.median(rss):.0f} [{max(rss):.0f}] |")
local, database = [w for w, _, _ in runs["local_total"]], [w for w, _, _ in runs["database_total"]]
shares = sorted((d - l) / d for l, d in zip(local, database))
print()
print(f"- storing and reading back through PostgreSQL: {100 * statistics.median(shares):.1f}% of the import's total time, "
      f"median per round [{100 * shares[0]:.1f}%–{100 * shares[-1]:.1f}%] (total {statistics.median(database):.2f} s "
      f"against {statistics.median(local):.2f} s with a local directory)")
cpu_local, cpu_database = [w for w, _, _ in runs["local_cpu"]], [w for w, _, _ in runs["database_cpu"]]
extra = statistics.median(d - l for l, d in zip(cpu_local, cpu_database))
print(f"- CPU-seconds of the whole machine (clients and server), median: {statistics.median(cpu_database):.2f} against "
      f"{statistics.median(cpu_local):.2f}; {extra:.2f} more per round, which alone takes {extra / 2:.2f} s of the 2 cores")
PY
