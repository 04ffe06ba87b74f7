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
# SKIP_SETUP=1 reuses a harness copy and data set that are already in place.
if [ "${SKIP_SETUP:-0}" != 1 ]; then
  rm -rf "$H" && cp -r ../../shared/bench "$H" && chmod -R u+w "$H"
fi
# The same noise reduction the peers get in run_all.sh.
RUN_OPTS="${RUN_OPTS:---renice -10 --wait-idle 50:15}"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-../target}" cargo build --release -p api --bin barta
fi
BARTA="$(realpath "${CARGO_TARGET_DIR:-../target}/release/barta")"
if [ "${SKIP_SETUP:-0}" != 1 ]; then
  ARTICLES=$ARTICLES bash "$H/setup_pg.sh"
  bash "$H/peers.sh" install
  bash "$HERE/load_newsbench.sh" 5544 "$BARTA"
fi
if [ "${SKIP_SETUP:-0}" != 1 ] || [ "${SCALE:-1}" = 1 ]; then
  bash "$HERE/scale_newsbench.sh" 5544   # barta_bench_10k and barta_bench_1m
fi
STAMP=$(date -u +%Y%m%d-%H%M)
OUT="$HERE/results/perf-$STAMP"
cat > "$H/targets/gql/ours-q1.json" <<'JSON'
{"query":"{ articles(first: 20) { edges { node { id headline summary publishedAt section { slug name } } } } }"}
JSON

serve() {  # serve DB on|off -- the search index is kept per database between runs
  local url="postgres://newsbench:newsbench@127.0.0.1:5544/$1"
  BARTA_CACHE=$2 "$BARTA" serve --database "$url" --bind 127.0.0.1:$PORT \
    --index-dir "/tmp/barta-bench-index-$1" > "/tmp/barta-perf-server-$1-$2.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 1800); do curl -sf http://127.0.0.1:$PORT/readyz >/dev/null && return 0; sleep 1; done
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
# The peers' own field lists (PostgREST's select= in the harness's targets):
# Q1/Q2 id, headline, summary, published_at, section; Q3 adds slug, kicker
# (subheadline), body, desk (byline), source, status, updated_at, authors, tags.
Q12_FIELDS="headline,summary,publishedAt,section"
Q3_FIELDS="slug,headline,kicker,summary,body,desk,source,status,publishedAt,updatedAt,section,authors,tags"
run_ours() {  # run_ours label gql(0|1) [id-max: the ids Q3 draws from]
  local B=http://127.0.0.1:$PORT
  local C; C=$(page1000 $B)
  local extra=()
  [ "$2" = 1 ] && extra=("barta-$1/Q4 latest20 (gql)=$B/graphql#post=$H/targets/gql/ours-q1.json")
  # shellcheck disable=SC2086
  python3 "$H/run.py" --title "barta $1" --out "$OUT-ours-$1.md" --json "$OUT-ours-$1.jsonl" \
    --cpu app=$PID --cpu db=$(bash "$H/peers.sh" pgpid) $RUN_OPTS --id-max "${3:-100000}" \
    "barta-$1/Q1 latest20=$B/v1/articles?limit=20" \
    "barta-$1/Q2 section latest20=$B/v1/sections/sports/articles?limit=20" \
    "barta-$1/Q3 article by id=$B/v1/articles/{id}" \
    "barta-$1/Q1 latest20 (peer fields)=$B/v1/articles?limit=20&fields=$Q12_FIELDS" \
    "barta-$1/Q2 section latest20 (peer fields)=$B/v1/sections/sports/articles?limit=20&fields=$Q12_FIELDS" \
    "barta-$1/Q3 article by id (peer fields)=$B/v1/articles/{id}?fields=$Q3_FIELDS" \
    "${extra[@]}" \
    "barta-$1/Q1 page 1000=$B/v1/articles?limit=20&cursor=$C"
  echo "RSS after the run: $(grep VmRSS /proc/$PID/status)" | tee -a "$OUT-ours-$1.md"
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; }
serve barta_bench on;      run_ours 100k-cache-on 1;  stop
serve barta_bench off;     run_ours 100k-cache-off 1; stop
# SIZES=100k runs the 100k data set only (the 10k and 1M ones take ~20 min
# to set up: scale_newsbench.sh and a reindex of each).
if [ "${SIZES:-all}" = all ]; then
  serve barta_bench_10k off; run_ours 10k-cache-off 0 10000;  stop
  serve barta_bench_1m off;  run_ours 1m-cache-off 0 1000000;   stop
fi
if [ "$PEERS" = 1 ]; then
  (cd "$H" && REPEAT=1 MODES=unpinned PEERS_LIST="postgrest postgraphile nginx" bash run_all.sh) || true
  NEWEST=$(ls -t "$H"/results/results-*.md | head -1)
  cp "$NEWEST" "$OUT-peers.md"
  cp "${NEWEST%.md}.jsonl" "$OUT-peers.jsonl"
fi
python3 "$H/summarize.py" "$OUT"-*.jsonl > "$OUT.md" || true
echo "results: $OUT.md"
