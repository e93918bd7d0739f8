# background.sh — sourced by the PostgreSQL benchmarks: one background
# import run by two `sluice worker` processes.
#
#   background LABEL [STORAGE_ARGS…]
#
# Enqueues $CSV with --background --chunks $CHUNKS into $URL (storage
# arguments go to the enqueue and to the workers: none stores the input in
# the database, `--storage DIR` in a directory), starts two workers, and
# waits for the job to end. Appends to $RESULTS (label, wall s, peak RSS
# KiB, rows in plans):
#   LABEL_enqueue   the enqueue (storing the input), with its peak RSS
#   LABEL           from the workers' start to the job's end, with the
#                   larger worker's peak RSS
#   LABEL_total     the two together
# Needs SLUICE, ROOT, CSV, URL, CHUNKS, WORK, RESULTS and a count function.
background() {
    local label=$1 start end enqueue line status=failed pids=()
    shift
    start=$(date +%s.%N)
    /usr/bin/time -f "%M" -o "$WORK/rss.enqueue" "$SLUICE" import "$CSV" --profile "$ROOT/profiles/plans.yaml" --db "$URL" "$@" \
        --background --chunks "$CHUNKS" >/dev/null
    enqueue=$(echo "$(date +%s.%N) - $start" | bc)
    printf '%s_enqueue\t%s\t%s\t0\n' "$label" "$enqueue" "$(tail -1 "$WORK/rss.enqueue")" >>"$RESULTS"
    # The wait ends on the worker's log line that says the job ended (see chunks_sqlite.sh).
    rm -f "$WORK/log.fifo"; mkfifo "$WORK/log.fifo"
    exec 3<>"$WORK/log.fifo"
    start=$(date +%s.%N)
    for w in 1 2; do
        /usr/bin/time -f "%M" -o "$WORK/rss.worker$w" "$SLUICE" worker --db "$URL" "$@" --poll 0.05 >&3 2>&3 &
        pids+=($!)
    done
    while read -r line <&3; do
        [[ $line == *": succeeded: "* ]] && { status=succeeded; break; }
        [[ $line == *": failed: "* ]] && { echo "$line" >&2; break; }
    done
    end=$(date +%s.%N)
    # The workers are /usr/bin/time's children: stop them, and time writes their peak RSS.
    for pid in "${pids[@]}"; do pkill -TERM -P "$pid" || true; done
    wait "${pids[@]}" || true
    exec 3>&-
    [[ $status == succeeded ]] || exit 1
    local rss rows
    rss=$(tail -qn1 "$WORK/rss.worker1" "$WORK/rss.worker2" | sort -n | tail -1)
    rows=$(count)
    printf '%s\t%s\t%s\t%s\n' "$label" "$(echo "$end - $start" | bc)" "$rss" "$rows" >>"$RESULTS"
    printf '%s_total\t%s\t%s\t%s\n' "$label" "$(echo "$end - $start + $enqueue" | bc)" "$rss" "$rows" >>"$RESULTS"
}
