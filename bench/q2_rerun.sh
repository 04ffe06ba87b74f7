#!/usr/bin/env bash
# Section latest-20 (Q2) only: Barta (default and the peers' field list, 100k
# and 1M, cache off) and the two peers' Q2, back to back in one run, through
# the same harness. For rechecking one query after a change without the
# whole bench/run_perf.sh (which must have set the data up first).
#   bench/q2_rerun.sh [BARTA_BINARY]
set -euo pipefail
cd "$(dirname "$0")"
H=/tmp/newsbench-harness
BARTA="$(realpath "${1:-../target/release/barta}")"
PORT=8098
STAMP=$(date -u +%Y%m%d-%H%M)
OUT="$(pwd)/results/q2-$STAMP"
RUN_OPTS="${RUN_OPTS:---renice -10 --wait-idle 50:15}"
PG=$(bash "$H/peers.sh" pgpid)
F="headline,summary,publishedAt,section"
for db in barta_bench barta_bench_1m; do
  BARTA_CACHE=off "$BARTA" serve --database "postgres://newsbench:newsbench@127.0.0.1:5544/$db" \
    --bind 127.0.0.1:$PORT --index-dir "/tmp/barta-bench-index-$db" > "/tmp/barta-q2-$db.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 600); do curl -sf http://127.0.0.1:$PORT/readyz >/dev/null && break; sleep 1; done
  B=http://127.0.0.1:$PORT
  # shellcheck disable=SC2086
  python3 "$H/run.py" --title "barta $db Q2" --out "$OUT-$db.md" --json "$OUT-$db.jsonl" \
    --cpu app=$PID --cpu db=$PG $RUN_OPTS \
    "barta-$db/Q2 section latest20=$B/v1/sections/sports/articles?limit=20" \
    "barta-$db/Q2 section latest20 (peer fields)=$B/v1/sections/sports/articles?limit=20&fields=$F"
  kill $PID; wait $PID 2>/dev/null || true
done
for p in postgrest postgraphile; do
  bash "$H/peers.sh" start $p
  pid=$(bash "$H/peers.sh" pid $p)
  grep "Q2" "$H/targets/$p.txt" | grep -v '^#' > "$H/targets/q2only-$p.txt"
  # shellcheck disable=SC2086
  python3 "$H/run.py" -f "$H/targets/q2only-$p.txt" --title "$p Q2" --out "$OUT-$p.md" --json "$OUT-$p.jsonl" \
    --cpu app=$pid --cpu db=$PG $RUN_OPTS || true
  bash "$H/peers.sh" stop $p
done
python3 "$H/summarize.py" "$OUT"-*.jsonl > "$OUT.md" || true
echo "results: $OUT.md"
