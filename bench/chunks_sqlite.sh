#!/usr/bin/env bash
# chunks_sqlite.sh — chunked imports on SQLite against the plain foreground
# import, on the 1,000,000-row plans file, in one run, alternating.
#
#   bench/chunks_sqlite.sh                          # everything below, 3 runs each
#   RUNS=1 CHUNKS="1 8" WORKERS="2" bench/chunks_sqlite.sh
#
# What runs, each into a fresh database:
#   foreground        sluice import plans.csv --profile profiles/plans.yaml (one pass)
#   inline N          the same with --chunks N (the engine runs the chunks itself)
#   processes W × N   sluice import … --background --chunks N, then W `sluice worker`
#                     processes started together; timed from their start until the
#                     job has succeeded (the enqueue, which copies the file into
#                     storage, is timed on its own)
#   threads W × N     the same with one `sluice worker --concurrency W` process
# Planning time is the job's own record: from the job's start (claimed for
# planning) to its chunks' creation, as a share of start → publish.
# Checks each run: imported + rejected = rows, rejected = the generator's invalid rows.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
GEN=${GEN:-$ROOT/../shared/bench/gen_plans.py}
ROWS=${ROWS:-1000000}
RUNS=${RUNS:-3}
CHUNKS=${CHUNKS:-"1 2 4 8"}
WORKERS=${WORKERS:-"1 2"}
DATA=${BENCH_DATA:-/tmp/sluice-bench/data}
WORK=${BENCH_WORK:-/tmp/sluice-bench/chunks}
mkdir -p "$DATA" "$WORK"
[[ -n ${SLUICE:-} ]] || (cd "$ROOT" && swift build -c release --scratch-path .build-release --product sluice >&2)
SLUICE=${SLUICE:-$ROOT/.build-release/release/sluice}
PROFILE=$ROOT/profiles/plans.yaml
CSV=$DATA/plans_$ROWS.csv
[[ -s $CSV && -s $CSV.gen.json ]] || python3 "$GEN" "$ROWS" "$CSV" 2>"$CSV.gen.json"
INVALID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["invalid_rows"])' "$CSV.gen.json")
RESULTS=$WORK/results.tsv
: >"$RESULTS"

fresh() {  # -> a fresh database path and storage directory for one run
    rm -rf "$WORK/run.db" "$WORK/run.db-wal" "$WORK/run.db-shm" "$WORK/storage"
    echo "$WORK/run.db"
}

check() {  # db label
    local loaded rejected
    loaded=$(sqlite3 "$1" "SELECT count(*) FROM plans")
    rejected=$(sqlite3 "$1" "SELECT rows_rejected FROM sluice_jobs ORDER BY id DESC LIMIT 1")
    (( loaded + rejected == ROWS && rejected == INVALID )) || { echo "COUNT MISMATCH in $2: loaded $loaded, rejected $rejected" >&2; exit 1; }
}

planning() {  # db -> "planning_s job_s" from the job's record
    sqlite3 -separator ' ' "$1" "
        SELECT printf('%.3f', (julianday((SELECT min(created_at) FROM sluice_chunks WHERE job_id = j.id)) - julianday(j.started_at)) * 86400),
               printf('%.3f', (julianday(j.finished_at) - julianday(j.started_at)) * 86400)
        FROM sluice_jobs j ORDER BY id DESC LIMIT 1"
}

now() { date +%s.%N; }

foreground() {  # chunks (1: the plain one-pass import)
    local db extra=() start end
    db=$(fresh)
    (( $1 > 1 )) && extra=(--chunks "$1")
    start=$(now)
    "$SLUICE" import "$CSV" --profile "$PROFILE" --db "$db" --quiet "${extra[@]}" || [[ $? == 3 ]]
    end=$(now)
    check "$db" "chunks $1"
    local label=foreground plan=(- -)
    (( $1 > 1 )) && { label="inline"; read -r -a plan < <(planning "$db"); }
    printf '%s\t%s\t%s\t%s\t%s\t%s\t-\n' "$label" "$1" 0 "$(echo "$end - $start" | bc)" "${plan[0]}" "${plan[1]}" >>"$RESULTS"
}

background() {  # kind (processes | threads) workers chunks
    local db start end enqueue pids=() line status=failed processes=$2 concurrency=1
    [[ $1 == threads ]] && { processes=1; concurrency=$2; }
    db=$(fresh)
    start=$(now)
    "$SLUICE" import "$CSV" --profile "$PROFILE" --db "$db" --storage "$WORK/storage" --background --chunks "$3" >/dev/null
    enqueue=$(echo "$(now) - $start" | bc)
    # The workers' log lines come through a pipe, and the wait ends on the
    # line that says the job ended. (Asking the database every few
    # milliseconds, as this script first did, spent a fifth of the two
    # cores on starting sqlite3.)
    rm -f "$WORK/log.fifo"; mkfifo "$WORK/log.fifo"
    exec 3<>"$WORK/log.fifo"
    start=$(now)
    for ((w = 0; w < processes; w++)); do
        "$SLUICE" worker --db "$db" --storage "$WORK/storage" --poll 0.02 --concurrency "$concurrency" >&3 2>&3 &
        pids+=($!)
    done
    : >"$WORK/workers.log"
    while read -r line <&3; do
        echo "$line" >>"$WORK/workers.log"
        [[ $line == *": succeeded: "* ]] && { status=succeeded; break; }
        [[ $line == *": failed: "* ]] && break
    done
    end=$(now)
    kill -TERM "${pids[@]}"; wait "${pids[@]}" || true
    exec 3>&-
    [[ $status == succeeded ]] || { echo "job $status with $2 $1, $3 chunks" >&2; cat "$WORK/workers.log" >&2; exit 1; }
    check "$db" "$2 $1 × $3 chunks"
    local plan
    read -r -a plan < <(planning "$db")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$3" "$2" "$(echo "$end - $start" | bc)" "${plan[0]}" "${plan[1]}" "$enqueue" >>"$RESULTS"
}

for ((run = 1; run <= RUNS; run++)); do
    echo "== run $run of $RUNS" >&2
    foreground 1
    for chunks in $CHUNKS; do
        (( chunks > 1 )) && foreground "$chunks"
        for workers in $WORKERS; do
            background processes "$workers" "$chunks"
            (( workers > 1 )) && background threads "$workers" "$chunks"
        done
    done
done

python3 - "$RESULTS" "$ROWS" <<'PY'
import statistics, sys
# Each round starts with a foreground run; a path's ratio is taken against
# the foreground of its own round (the machine drifts), then the median.
runs, ratios, base = {}, {}, None
for line in open(sys.argv[1]):
    kind, chunks, workers, wall, plan, job, enqueue = line.rstrip("\n").split("\t")
    key = (kind, int(chunks), int(workers))
    if kind == "foreground":
        base = float(wall)
    runs.setdefault(key, []).append((float(wall), plan, job, enqueue))
    ratios.setdefault(key, []).append(base / float(wall))
order = {"foreground": 0, "inline": 1, "processes": 2, "threads": 3}
print("| path | chunks | workers | wall s, median [min–max] | rows/s | vs foreground, per round: median [min–max] | planning s (share of the job) | enqueue s |")
print("|---|---|---|---|---|---|---|---|")
for key, r in sorted(runs.items(), key=lambda kv: (order[kv[0][0]], kv[0][2], kv[0][1])):
    kind, chunks, workers = key
    walls = [w for w, *_ in r]
    med = statistics.median(walls)
    plans = [(float(p), float(j)) for _, p, j, _ in r if p != "-"]
    plan = "–" if not plans else f"{statistics.median(p for p, _ in plans):.2f} ({statistics.median(p / j for p, j in plans) * 100:.0f}%)"
    enq = [float(e) for *_, e in r if e != "-"]
    enqueue = f"{statistics.median(enq):.2f}" if enq else "–"
    who = "–" if kind in ("foreground", "inline") else str(workers)
    q = ratios[key]
    print(f"| {kind} | {chunks} | {who} | {med:.2f} [{min(walls):.2f}–{max(walls):.2f}] | {int(sys.argv[2]) / med:,.0f} "
          f"| {statistics.median(q):.2f}× [{min(q):.2f}–{max(q):.2f}] | {plan} | {enqueue} |")
PY
