#!/usr/bin/env bash
# Issue 6 benchmark: Barta against PostgREST, PostGraphile and nginx's static
# ceiling, on the same PostgreSQL data, through the same harness
# (../shared/bench, copied to /tmp). Cache on and off, page 1 and page 1,000.
# Not part of CI (about 30 minutes). Writes bench/results/perf-<date>.md.
#   bench/run_perf.sh            (ARTICLES=100000 by default; PEERS=0 skips the peers)
set -euo pipefail
cd "$(dirname "$0")"
HERE="$(pwd)"
H=/tmp/newsbench-harness
ARTICLES="${ARTICLES:-100000}"
PEERS="${PEERS:-1}"
PORT=8098
rm -rf "$H" && cp -r ../../shared/bench "$H" && chmod -R u+w "$H"
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-../target}" cargo build --release -p api --bin barta
BARTA="$(realpath "${CARGO_TARGET_DIR:-../target}/release/barta")"
ARTICLES=$ARTICLES bash "$H/setup_pg.sh"
bash "$H/peers.sh" install
bash "$HERE/load_newsbench.sh" 5544 "$BARTA"
URL="postgres://newsbench:newsbench@127.0.0.1:5544/barta_bench"
STAMP=$(date -u +%Y%m%d-%H%M)
OUT="$HERE/results/perf-$STAMP"
IDX=$(mktemp -d /tmp/barta-bench-index.XXXX)
cat > "$H/targets/gql/ours-q1.json" <<'JSON'
{"query":"{ articles(first: 20) { edges { node { id headline summary publishedAt section { slug name } } } } }"}
JSON

serve() {  # serve on|off
  BARTA_CACHE=$1 "$BARTA" serve --database "$URL" --bind 127.0.0.1:$PORT --index-dir "$IDX" > "$OUT-server-$1.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 600); do curl -sf http://127.0.0.1:$PORT/readyz >/dev/null && return 0; sleep 1; done
  echo "server did not start" >&2; exit 1
}
page1000() {  # the cursor of page 1,000 of latest-20 (20,000 articles in)
  python3 - "$1" <<'PY'
import json, sys, urllib.request
base = sys.argv[1]; cursor = None
for _ in range(400):
    url = base + "/v1/articles?limit=50" + (f"&cursor={cursor}" if cursor else "")
    cursor = json.load(urllib.request.urlopen(url))["page"]["nextCursor"]
print(cursor)
PY
}
run_ours() {  # run_ours label
  local B=http://127.0.0.1:$PORT
  local C; C=$(page1000 $B)
  python3 "$H/run.py" --title "barta cache $1" --out "$OUT-ours-$1.md" --json "$OUT-ours-$1.jsonl" \
    --cpu app=$PID --cpu db=$(bash "$H/peers.sh" pgpid) \
    "barta-$1/Q1 latest20=$B/v1/articles?limit=20" \
    "barta-$1/Q2 section latest20=$B/v1/sections/sports/articles?limit=20" \
    "barta-$1/Q3 article by id=$B/v1/articles/{id}" \
    "barta-$1/Q4 latest20 (gql)=$B/graphql#post=$H/targets/gql/ours-q1.json" \
    "barta-$1/Q1 page 1000=$B/v1/articles?limit=20&cursor=$C"
  grep VmRSS /proc/$PID/status | tee -a "$OUT-ours-$1.md"
}
serve on;  run_ours on;  kill $PID; wait $PID 2>/dev/null || true
serve off; run_ours off; kill $PID; wait $PID 2>/dev/null || true
if [ "$PEERS" = 1 ]; then
  (cd "$H" && REPEAT=1 MODES=unpinned PEERS_LIST="postgrest postgraphile nginx" bash run_all.sh) || true
  cp "$H"/results/results-*.md "$OUT-peers.md" 2>/dev/null || true
  cp "$H"/results/results-*.jsonl "$OUT-peers.jsonl" 2>/dev/null || true
fi
python3 "$H/summarize.py" "$OUT"-*.jsonl > "$OUT.md" || true
rm -rf "$IDX"
echo "results: $OUT.md"
