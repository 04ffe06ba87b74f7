#!/usr/bin/env bash
# Start-to-ready of a new instance with and without an index snapshot
# (issue 24 item 3), at 100k and 1M articles, side by side in one run.
#
#   bench/index_snapshot.sh BARTA_BINARY [SIZES] [PGURL_BASE]
#     SIZES: space-separated article counts (default "100000 1000000")
#
# For each size: makes the database `barta_snap_<n>` with synthetic
# articles (headline, summary and four paragraphs of about 60 words each
# from a vocabulary of 6,000 made-up Bengali words with a Zipf-like use,
# three tags and one or two bylines an article), then
#  1. "cold": an instance with an empty index directory and no snapshot
#     builds the index from the database (the only way before snapshots);
#     it writes a snapshot at its first tick (BARTA_INDEX_SNAPSHOT_*);
#  2. 200 articles are written through the API after the snapshot;
#  3. "snapshot": a new instance with an empty index directory starts from
#     the snapshot and catches up the 200 from the change log;
#  4. "warm": an instance restarts over its own complete index directory.
# Start-to-ready is from exec to the first 200 of /readyz (polled every
# 50 ms). Writes bench/results/index-snapshot-<date>.md.
set -euo pipefail
BIN="$(realpath "${1:?barta binary}")"
SIZES="${2:-100000 1000000}"
BASE="${3:-postgres://postgres@127.0.0.1:5432}"
cd "$(dirname "$0")/.."
STAMP=$(date -u +%Y%m%d-%H%M)
OUT="bench/results/index-snapshot-$STAMP.md"
WORK="$(mktemp -d /tmp/barta-snap.XXXX)"
PORT=18240
PID=
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
psql_db() { psql -X -q -v ON_ERROR_STOP=1 "$BASE/$1" "${@:2}"; }
now_ms() { date +%s%3N; }

# 2,000 paragraphs of made-up words (syllable strings), written by this
# script: no real text is needed to measure indexing speed.
python3 - "$WORK/paragraphs.tsv" <<'PY'
import random, sys
random.seed(24)
cons = list("কখগঘচছজঝটঠডঢতথদধনপফবভমযরলশসহ") + ["ড়", "য়", "ক্ষ", "স্ত", "ন্ত", " প্র"]
vows = ["", "া", "ি", "ী", "ু", "ূ", "ে", "ো", "ৈ", "ৌ"]
words = set()
while len(words) < 6000:
    n = random.choice([2, 2, 3, 3, 4])
    words.add("".join(random.choice(cons) + random.choice(vows) for _ in range(n)))
words = sorted(words)
random.shuffle(words)
weights = [1.0 / (r + 1) ** 1.05 for r in range(len(words))]
digits = "০১২৩৪৫৬৭৮৯"
with open(sys.argv[1], "w") as f:
    for i in range(2000):
        ws = random.choices(words, weights, k=random.randint(45, 75))
        if random.random() < 0.5:
            ws.insert(random.randrange(len(ws)), "".join(random.choice(digits) for _ in range(3)))
        f.write(f"{i}\t{' '.join(ws)}।\n")
PY

gen() {  # gen <db> <n>
  local db=$1 n=$2
  psql_db postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
  BARTA_DATABASE_URL="$BASE/$db" "$BIN" migrate >/dev/null
  psql_db "$db" -c "CREATE TABLE bench_paragraphs (id int PRIMARY KEY, text text NOT NULL)" \
    -c "\\copy bench_paragraphs FROM '$WORK/paragraphs.tsv'"
  psql_db "$db" -v n="$n" <<'SQL'
SET maintenance_work_mem = '512MB';
INSERT INTO sections (id, slug, name, position)
  SELECT i, 'section-' || i, 'বিভাগ ' || i, i FROM generate_series(1, 12) i;
INSERT INTO tags (id, slug, name) SELECT i, 'tag-' || i, 'ট্যাগ ' || i FROM generate_series(1, 2000) i;
INSERT INTO authors (id, slug, name) SELECT i, 'author-' || i, 'লেখক ' || i FROM generate_series(1, 300) i;
SELECT setval(pg_get_serial_sequence('sections', 'id'), 100);
SELECT setval(pg_get_serial_sequence('tags', 'id'), 5000);
SELECT setval(pg_get_serial_sequence('authors', 'id'), 1000);
INSERT INTO articles (id, slug, headline, summary, body, section_id, language, status, published_at,
                      first_published_at, updated_at, created_at, version, word_count,
                      corrections, kind, access)
  SELECT i, 'article-' || i,
         split_part(p1.text, ' ', 1) || ' ' || split_part(p2.text, ' ', 2) || ' ' || split_part(p3.text, ' ', 3) || ' ' || i,
         split_part(p4.text, ' ', 1) || ' ' || split_part(p4.text, ' ', 2) || ' ' || split_part(p4.text, ' ', 3) || ' ' || split_part(p4.text, ' ', 4),
         json_build_array(json_build_object('type', 'paragraph', 'text', p1.text),
                          json_build_object('type', 'paragraph', 'text', p2.text),
                          json_build_object('type', 'paragraph', 'text', p3.text),
                          json_build_object('type', 'paragraph', 'text', p4.text)),
         1 + (i::bigint * 7919) % 12, 'bn', 'published',
         timestamptz '2026-12-01' - (i || ' minutes')::interval,
         timestamptz '2026-12-01' - (i || ' minutes')::interval,
         timestamptz '2026-12-01' - (i || ' minutes')::interval,
         timestamptz '2026-12-01' - (i || ' minutes')::interval,
         1, 240, '[]'::json, 'standard', 'free'
  FROM generate_series(1, :n) i
  JOIN bench_paragraphs p1 ON p1.id = (i::bigint * 7) % 2000
  JOIN bench_paragraphs p2 ON p2.id = (i::bigint * 13 + 5) % 2000
  JOIN bench_paragraphs p3 ON p3.id = (i::bigint * 31 + 11) % 2000
  JOIN bench_paragraphs p4 ON p4.id = (i::bigint * 101 + 17) % 2000;
SELECT setval(pg_get_serial_sequence('articles', 'id'), 2000000);
INSERT INTO article_tags (article_id, tag_id, position)
  SELECT DISTINCT ON (a, t) a, t, p FROM (
    SELECT a, 1 + floor(2000 * power(random(), 4))::int AS t, p
    FROM generate_series(1, :n) a, generate_series(0, 2) p) x;
INSERT INTO article_authors (article_id, author_id, position)
  SELECT a, 1 + (a * 31) % 300, 0 FROM generate_series(1, :n) a;
DROP TABLE bench_paragraphs;
VACUUM ANALYZE;
SQL
}

# start <name> <db> <index dir> [extra args…]: sets PID and READY (ms)
start() {
  local name=$1 db=$2 dir=$3; shift 3
  local t0; t0=$(now_ms)
  "$BIN" serve --database "$BASE/$db" --bind "127.0.0.1:$PORT" --index-dir "$dir" \
    --public-url http://127.0.0.1:$PORT --webhooks off "$@" > "$WORK/$name.log" 2>&1 &
  PID=$!
  until curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; do
    kill -0 "$PID" 2>/dev/null || { echo "server $name died:" >&2; tail -20 "$WORK/$name.log" >&2; exit 1; }
    sleep 0.05
  done
  READY=$(( $(now_ms) - t0 ))
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; PID=; }

{
  echo "# Index snapshots: start-to-ready of a new instance ($STAMP UTC)"
  echo
  echo "\`bench/index_snapshot.sh\`, PostgreSQL 15 on this machine (2 cores), release build."
  echo "Synthetic articles (headline, summary, four paragraphs of ~60 made-up Bengali words)."
  echo "A new instance has an empty index directory; *cold* builds the index from the"
  echo "database, *snapshot* copies the newest snapshot and catches up 200 articles written"
  echo "after it from the change log, *warm* restarts over its own complete index."
  echo
  echo "| articles | cold (rebuild) | snapshot + catch-up | warm restart | snapshot size | snapshot write |"
  echo "|---|---|---|---|---|---|"
} > "$OUT"

for n in $SIZES; do
  db="barta_snap_$n"
  echo "generating $n articles…" >&2
  t=$(now_ms); gen "$db" "$n"; echo "  generated in $(( $(now_ms) - t )) ms" >&2
  key=$(BARTA_DATABASE_URL="$BASE/$db" "$BIN" keys create --name bench --scope editor 2>/dev/null | head -1)
  snaps="$WORK/snaps-$n"
  echo "cold start…" >&2
  start "cold-$n" "$db" "$WORK/index-a-$n" \
    --index-snapshot-dir "$snaps" --index-snapshot-interval-s 3600
  cold=$READY
  # The first tick writes the snapshot right after start.
  until ls "$snaps"/snap-* >/dev/null 2>&1; do sleep 0.2; done
  until grep -q "index snapshot written" "$WORK/cold-$n.log"; do sleep 0.2; done
  write_ms=$(grep "index snapshot written" "$WORK/cold-$n.log" | sed 's/\x1b\[[0-9;]*m//g' | grep -o 'ms=[0-9]*' | head -1 | cut -d= -f2)
  size=$(du -sh "$snaps"/snap-* | head -1 | cut -f1)
  for i in $(seq 1 200); do
    id=$(curl -sf -X POST "http://127.0.0.1:$PORT/v1/admin/articles" \
      -H "authorization: Bearer $key" -H 'content-type: application/json' \
      -d "{\"headline\":\"পরের খবর $i\",\"section\":\"section-1\",\"bodyText\":\"স্ন্যাপশটের পরে লেখা খবর $i।\"}" \
      | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])')
    curl -sf -X POST "http://127.0.0.1:$PORT/v1/admin/articles/$id/publish" \
      -H "authorization: Bearer $key" -H 'content-type: application/json' -d '{}' >/dev/null
  done
  stop
  echo "snapshot start…" >&2
  start "snap-$n" "$db" "$WORK/index-b-$n" --index-snapshot-dir "$snaps"
  snap=$READY
  grep -q "copied from a snapshot" "$WORK/snap-$n.log" || { echo "did not start from the snapshot" >&2; exit 1; }
  docs=$(curl -s "http://127.0.0.1:$PORT/metrics" | awk '/^barta_search_index_documents /{print $2}')
  stop
  echo "warm start…" >&2
  start "warm-$n" "$db" "$WORK/index-a-$n"
  warm=$READY
  stop
  echo "| $n | $cold ms | $snap ms ($docs documents) | $warm ms | $size | $write_ms ms |" >> "$OUT"
  psql_db postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
done
{
  echo
  echo "Logs of the last run's \"index snapshot written\" and \"copied from a snapshot\" lines:"
  echo '```'
  grep -h "snapshot" "$WORK"/*.log | sed 's/\x1b\[[0-9;]*m//g' | cut -c1-300
  echo '```'
} >> "$OUT"
cat "$OUT"
