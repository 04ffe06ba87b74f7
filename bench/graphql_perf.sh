#!/usr/bin/env bash
# Issue 22 A/B: two Barta binaries (before/after) and PostGraphile on the
# newsbench data set (bench/run_perf.sh's setup: cluster :5544, database
# barta_bench), all in one run so the ratios compare like with like. Each
# Barta binary is measured twice, alternating, uncached. Not part of CI.
#   bench/graphql_perf.sh BEFORE_BINARY AFTER_BINARY   (PEERS=0 skips PostGraphile)
set -euo pipefail
cd "$(dirname "$0")"
HERE="$(pwd)"
H=/tmp/newsbench-harness
BEFORE="$1"; AFTER="$2"
PORT=8098
DB=postgres://newsbench:newsbench@127.0.0.1:5544/barta_bench
STAMP=$(date -u +%Y%m%d-%H%M)
OUT="$HERE/results/graphql-perf-$STAMP"
T=$(mktemp -d)
# The harness's Q4 (latest 20 with section), the same with authors and
# tags, and a mobile article page in one request.
cat > "$T/q4.json" <<'JSON'
{"query":"{ articles(first: 20) { edges { node { id headline summary publishedAt section { slug name } } } } }"}
JSON
cat > "$T/q4-links.json" <<'JSON'
{"query":"{ articles(first: 20) { edges { node { id headline summary publishedAt section { slug name } authors { slug name } tags { slug name } } } } }"}
JSON
cat > "$T/page.json" <<'JSON'
{"query":"query Page($id: ID!) { article(id: $id) { id headline kicker summary publishedAt publishedAtBn body { __typename ... on ParagraphBlock { text } } section { slug name } authors { slug name } tags { slug name } commentCount related(first: 5) { id headline publishedAt } moreFromSection(first: 5) { id headline publishedAt } } }","variables":{"id":"{id}"}}
JSON
cat > "$T/pg-q4-links.json" <<'JSON'
{"query":"{ allArticles(condition: {status: \"published\"}, orderBy: PUBLISHED_AT_DESC, first: 20) { nodes { id headline summary publishedAt section: sectionBySectionId { slug nameBn } author: authorByAuthorId { slug nameBn } tags: articleTagsByArticleId { nodes { tag: tagByTagId { slug nameBn } } } } } }"}
JSON
cat > "$T/pg-page.json" <<'JSON'
{"query":"{ articleById(id: \"{id}\") { id headline subheadline summary body publishedAt section: sectionBySectionId { slug nameBn allArticlesBySectionId: articlesBySectionId(first: 5, orderBy: PUBLISHED_AT_DESC, condition: {status: \"published\"}) { nodes { id headline publishedAt } } } author: authorByAuthorId { slug nameBn } tags: articleTagsByArticleId { nodes { tag: tagByTagId { slug nameBn } } } } }"}
JSON
serve() {  # serve BINARY
  BARTA_CACHE=off "$1" serve --database "$DB" --bind 127.0.0.1:$PORT \
    --index-dir /tmp/barta-bench-index-barta_bench > "$T/server.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 600); do curl -sf http://127.0.0.1:$PORT/readyz >/dev/null && return 0; sleep 1; done
  echo "server did not start" >&2; exit 1
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; }
run_barta() {  # run_barta label binary
  serve "$2"
  local B=http://127.0.0.1:$PORT
  # shellcheck disable=SC2086
  python3 "$H/run.py" --title "barta $1" --out "$OUT-$1.md" --json "$OUT-$1.jsonl" \
    --cpu app=$PID --cpu db=$(bash "$H/peers.sh" pgpid) ${RUN_OPTS:---renice -10 --wait-idle 50:15} \
    "$1/Q4 latest20 (gql)=$B/graphql#post=$T/q4.json" \
    "$1/Q4 latest20 + authors, tags (gql)=$B/graphql#post=$T/q4-links.json" \
    "$1/article page (gql)=$B/graphql#post=$T/page.json" \
    "$1/Q1 latest20 (full)=$B/v1/articles?limit=20" \
    "$1/Q3 article by id (full)=$B/v1/articles/{id}" \
    "$1/Q1 latest20 (peer fields)=$B/v1/articles?limit=20&fields=headline,summary,publishedAt,section"
  stop
}
run_barta before-1 "$BEFORE"
run_barta after-1 "$AFTER"
if [ "${PEERS:-1}" = 1 ]; then
  # The peers' Q1 and Q3 too: the full REST responses are judged against them.
  bash "$H/peers.sh" start postgrest
  # shellcheck disable=SC2086
  python3 "$H/run.py" --title "postgrest" --out "$OUT-postgrest.md" --json "$OUT-postgrest.jsonl" \
    --cpu app=$(bash "$H/peers.sh" pid postgrest) --cpu db=$(bash "$H/peers.sh" pgpid) ${RUN_OPTS:---renice -10 --wait-idle 50:15} \
    -f "$H/targets/postgrest.txt"
  bash "$H/peers.sh" stop postgrest
  bash "$H/peers.sh" start postgraphile
  P=http://127.0.0.1:5000/graphql
  # shellcheck disable=SC2086
  python3 "$H/run.py" --title "postgraphile" --out "$OUT-postgraphile.md" --json "$OUT-postgraphile.jsonl" \
    --cpu app=$(bash "$H/peers.sh" pid postgraphile) --cpu db=$(bash "$H/peers.sh" pgpid) ${RUN_OPTS:---renice -10 --wait-idle 50:15} \
    "postgraphile/Q4 latest20 (gql)=$P#post=$H/targets/gql/q1.json" \
    "postgraphile/Q3 article by id (gql)=$P#post=$H/targets/gql/q3.json" \
    "postgraphile/Q4 latest20 + author, tags (gql)=$P#post=$T/pg-q4-links.json" \
    "postgraphile/article page (gql)=$P#post=$T/pg-page.json"
  bash "$H/peers.sh" stop postgraphile
fi
run_barta before-2 "$BEFORE"
run_barta after-2 "$AFTER"
python3 "$H/summarize.py" "$OUT"-*.jsonl > "$OUT.md" || true
rm -rf "$T"
echo "results: $OUT.md"
