# postgres_setup.sh — sourced by the PostgreSQL benchmarks after they set
# HERE (their directory) and WORK (their scratch directory, which
# BENCH_WORK overrides): the release build, the plans file, and the server
# of ../shared/bench/pg.sh, started here and stopped when the script exits.
#
# Sets ROOT, SHARED, ROWS, RUNS, CHUNKS, DATA, WORK, SLUICE, CSV, URL and
# RESULTS (emptied), and defines pg (psql, quiet, stops on errors) and
# count (rows in table plans).
ROOT=$(cd "$HERE/.." && pwd)
SHARED=${SHARED:-$ROOT/../shared/bench}
ROWS=${ROWS:-1000000}
RUNS=${RUNS:-3}
CHUNKS=${CHUNKS:-4}
DATA=${BENCH_DATA:-/tmp/sluice-bench/data}
WORK=${BENCH_WORK:-$WORK}
mkdir -p "$DATA" "$WORK"
[[ -n ${SLUICE:-} ]] || (cd "$ROOT" && swift build -c release --scratch-path .build-release --product sluice >&2)
SLUICE=${SLUICE:-$ROOT/.build-release/release/sluice}
CSV=$DATA/plans_$ROWS.csv
[[ -s $CSV && -s $CSV.gen.json ]] || python3 "$SHARED/gen_plans.py" "$ROWS" "$CSV" 2>"$CSV.gen.json"

"$SHARED/pg.sh" start >&2
trap '"$SHARED/pg.sh" stop >&2' EXIT
URL=$("$SHARED/pg.sh" url)
pg() { PGOPTIONS='-c client_min_messages=warning' psql -X -q -v ON_ERROR_STOP=1 "$URL" "$@"; }
count() { psql -X -At "$URL" -c "SELECT count(*) FROM plans" 2>/dev/null || echo 0; }
RESULTS=$WORK/results.tsv
: >"$RESULTS"
