#!/usr/bin/env bash
# Discovery benchmarks (issue 4): builds ~100k articles from the shared
# corpus, times the search index build, measures search/related latency and
# the related-stories quality on the labelled events. Not part of CI:
# takes ~15 minutes.
#   bench/run_discovery.sh [COPIES]    (default 6 copies ≈ 109k articles)
set -euo pipefail
cd "$(dirname "$0")"
COPIES="${1:-6}"
WORK="$(mktemp -d /tmp/barta-bench.XXXX)"
PORT=8191
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-../target}" cargo build --release -p api --bin barta
BARTA="$(realpath "${CARGO_TARGET_DIR:-../target}/release/barta")"

if [ "${SKIP_QUALITY:-0}" != 1 ]; then
echo "== related quality on the labelled events (bench/related_events.json)"
python3 related_quality.py --write-pool "$WORK/pool.jsonl"
DB1="sqlite://$WORK/pool.db?mode=rwc"
$BARTA import "$WORK/pool.jsonl" --database "$DB1"
$BARTA serve --database "$DB1" --bind 127.0.0.1:$PORT & PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do curl -sf http://127.0.0.1:$PORT/readyz >/dev/null && break; sleep 1; done
python3 related_quality.py --base http://127.0.0.1:$PORT --out results/related_events_quality.md \
  --hand-out "$WORK/related_hand_check.md"
kill $PID; wait $PID 2>/dev/null || true
fi

echo "== $COPIES copies for latency"
python3 prepare_corpus.py --out "$WORK/big.jsonl" --copies "$COPIES"
DB2="sqlite://$WORK/big.db?mode=rwc"
$BARTA import "$WORK/big.jsonl" --database "$DB2"
START=$(date +%s.%N)
$BARTA reindex --database "$DB2" --index-dir "$WORK/big.db.index"
BUILD=$(echo "$(date +%s.%N) - $START" | bc)
SIZE=$(du -sb "$WORK/big.db.index" | cut -f1)
N=$(wc -l < "$WORK/big.jsonl")
# Cache off: every request is a real search (the in-process cache would
# answer repeated queries in well under a millisecond).
BARTA_CACHE=off $BARTA serve --database "$DB2" --index-dir "$WORK/big.db.index" --bind 127.0.0.1:$PORT & PID=$!
for _ in $(seq 1 120); do curl -sf http://127.0.0.1:$PORT/readyz >/dev/null && break; sleep 1; done
python3 search_bench.py --base http://127.0.0.1:$PORT --pid $PID --out results/search.md \
  --articles "$N" --build-seconds "$BUILD" --index-bytes "$SIZE"
kill $PID; wait $PID 2>/dev/null || true
rm -rf "$WORK"
