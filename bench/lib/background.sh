# background.sh — sourced by the PostgreSQL benchmarks: one background
# import run by two `sluice worker` processes, started first and waiting,
# as workers in service do.
#
#   background LABEL [STORAGE_ARGS…]
#
# Starts two workers on $URL, waits until both listen for work, then
# enqueues $CSV with --background --chunks $CHUNKS (storage arguments go to
# the enqueue and to the workers: none stores the input in the database,
# `--storage DIR` in a directory) and waits for the job to end. Appends to
# $RESULTS (label, wall s, peak RSS KiB, rows in plans):
#   LABEL_enqueue   the enqueue (storing the input), with its peak RSS
#   LABEL           from the enqueue's return to the job's end, with the
#                   larger worker's peak RSS
#   LABEL_total     from the enqueue's start to the job's end
#   LABEL_cpu       CPU-seconds the whole machine spent meanwhile (clients
#                   and server; /proc/stat), in the wall column
# Needs SLUICE, ROOT, CSV, URL, CHUNKS, WORK, RESULTS and a count function.

# CPU-seconds spent by the machine since boot: user, nice, system, irq and
# softirq jiffies of /proc/stat (100 per second).
busy_seconds() {
    awk '/^cpu / { printf "%.2f\n", ($2 + $3 + $4 + $7 + $8) / 100 }' /proc/stat
}
background() {
    local label=$1 start enqueued end line status=failed pids=() tries
    shift
    # The wait ends on the worker's log line that says the job ended (see chunks_sqlite.sh).
    rm -f "$WORK/log.fifo"; mkfifo "$WORK/log.fifo"
    exec 3<>"$WORK/log.fifo"
    for w in 1 2; do
        /usr/bin/time -f "%M" -o "$WORK/rss.worker$w" "$SLUICE" worker --db "$URL" "$@" --poll 0.05 >&3 2>&3 &
        pids+=($!)
    done
    for ((tries = 0; tries < 200; tries++)); do
        [[ $(psql -X -At "$URL" -c "SELECT count(*) FROM pg_stat_activity WHERE query = 'LISTEN \"sluice_work\"'") == 2 ]] && break
        sleep 0.05
    done
    local busy_start busy_end
    busy_start=$(busy_seconds)
    start=$(date +%s.%N)
    /usr/bin/time -f "%M" -o "$WORK/rss.enqueue" "$SLUICE" import "$CSV" --profile "$ROOT/profiles/plans.yaml" --db "$URL" "$@" \
        --background --chunks "$CHUNKS" >/dev/null
    enqueued=$(date +%s.%N)
    while read -r line <&3; do
        [[ $line == *": succeeded: "* ]] && { status=succeeded; break; }
        [[ $line == *": failed: "* ]] && { echo "$line" >&2; break; }
    done
    end=$(date +%s.%N)
    busy_end=$(busy_seconds)
    # The workers are /usr/bin/time's children: stop them, and time writes their peak RSS.
    for pid in "${pids[@]}"; do pkill -TERM -P "$pid" || true; done
    wait "${pids[@]}" || true
    exec 3>&-
    [[ $status == succeeded ]] || exit 1
    local rss rows
    rss=$(tail -qn1 "$WORK/rss.worker1" "$WORK/rss.worker2" | sort -n | tail -1)
    rows=$(count)
    printf '%s_enqueue\t%s\t%s\t0\n' "$label" "$(echo "$enqueued - $start" | bc)" "$(tail -1 "$WORK/rss.enqueue")" >>"$RESULTS"
    printf '%s\t%s\t%s\t%s\n' "$label" "$(echo "$end - $enqueued" | bc)" "$rss" "$rows" >>"$RESULTS"
    printf '%s_total\t%s\t%s\t%s\n' "$label" "$(echo "$end - $start" | bc)" "$rss" "$rows" >>"$RESULTS"
    printf '%s_cpu\t%s\t0\t%s\n' "$label" "$(echo "$busy_end - $busy_start" | bc)" "$rows" >>"$RESULTS"
}
