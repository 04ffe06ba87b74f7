#!/usr/bin/env bash
# The plans PostgreSQL chooses for the multi-value and negated list filters
# (issue 23 item 4) on 1,000,000 articles, read off the queries the server
# really sends (auto_explain logs each with its plan, timing and buffers).
#
#   bench/explain_filters.sh BARTA_BINARY [PGURL_BASE]     (REUSE=1: keep the data)
#
# Makes the database `barta_explain` (synthetic articles: 12 sections, 2,000
# tags with a skewed use, 300 authors, three tags and one or two bylines an
# article, a tenth filed in a second section), migrates it with the binary,
# serves it, sends the filtered list requests below, and writes each
# request's plan to bench/results/explain-filters-<date>.md.
set -euo pipefail
BIN="${1:?barta binary}"
BASE="${2:-postgres://postgres@127.0.0.1:5432}"
DB=barta_explain
LOG=/var/log/postgresql/postgresql-15-main.log
OUT="bench/results/explain-filters-$(date -u +%Y%m%d-%H%M).md"
PORT=18093
psql_db() { psql -X -q -v ON_ERROR_STOP=1 "$BASE/$1" "${@:2}"; }

# REUSE=1 keeps a database made by an earlier run.
if [ "${REUSE:-0}" != 1 ]; then
psql_db postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
BARTA_DATABASE_URL="$BASE/$DB" "$BIN" migrate

echo "generating 1,000,000 articles…" >&2
psql_db "$DB" <<'SQL'
SET maintenance_work_mem = '512MB';
INSERT INTO sections (id, slug, name, position)
  SELECT i, 'section-' || i, 'বিভাগ ' || i, i FROM generate_series(1, 12) i;
UPDATE sections SET parent_id = 2 WHERE id IN (11, 12);
INSERT INTO tags (id, slug, name) SELECT i, 'tag-' || i, 'ট্যাগ ' || i FROM generate_series(1, 2000) i;
INSERT INTO authors (id, slug, name) SELECT i, 'author-' || i, 'লেখক ' || i FROM generate_series(1, 300) i;
SELECT setval(pg_get_serial_sequence('sections', 'id'), 100);
SELECT setval(pg_get_serial_sequence('tags', 'id'), 5000);
SELECT setval(pg_get_serial_sequence('authors', 'id'), 1000);
INSERT INTO articles (id, slug, headline, body, section_id, language, status, published_at,
                      first_published_at, updated_at, created_at, version, word_count,
                      corrections, kind, access)
  SELECT i, 'article-' || i, 'শিরোনাম ' || i,
         '[{"type":"paragraph","text":"অনুচ্ছেদ"}]'::json,
         1 + (i::bigint * 7919) % 12, 'bn', 'published',
         timestamptz '2026-12-01' - (i || ' minutes')::interval,
         timestamptz '2026-12-01' - (i || ' minutes')::interval,
         timestamptz '2026-12-01' - (i || ' minutes')::interval,
         timestamptz '2026-12-01' - (i || ' minutes')::interval,
         1, 300, '[]'::json,
         CASE WHEN i % 20 = 0 THEN 'opinion' ELSE 'standard' END,
         CASE WHEN i % 10 = 0 THEN 'subscriber' ELSE 'free' END
  FROM generate_series(1, 1000000) i;
SELECT setval(pg_get_serial_sequence('articles', 'id'), 2000000);
-- Three tags an article, skewed: tag 1 is on about a fifth of them.
INSERT INTO article_tags (article_id, tag_id, position)
  SELECT DISTINCT ON (a, t) a, t, p FROM (
    SELECT a, 1 + floor(2000 * power(random(), 4))::int AS t, p
    FROM generate_series(1, 1000000) a, generate_series(0, 2) p) x;
INSERT INTO article_authors (article_id, author_id, position)
  SELECT a, 1 + (a * 31) % 300, 0 FROM generate_series(1, 1000000) a;
INSERT INTO article_authors (article_id, author_id, position)
  SELECT a, 1 + (a * 17 + 5) % 300, 1 FROM generate_series(1, 1000000, 3) a
  WHERE 1 + (a * 17 + 5) % 300 <> 1 + (a * 31) % 300;
INSERT INTO article_sections (article_id, section_id, position)
  SELECT a, 1 + (a * 13 + 3) % 12, 0 FROM generate_series(1, 1000000, 10) a
  WHERE 1 + (a * 13 + 3) % 12 <> 1 + (a::bigint * 7919) % 12;
VACUUM ANALYZE;
SQL
fi

psql_db "$DB" \
  -c "ALTER DATABASE $DB SET session_preload_libraries = 'auto_explain'" \
  -c "ALTER DATABASE $DB SET auto_explain.log_min_duration = 0" \
  -c "ALTER DATABASE $DB SET auto_explain.log_analyze = on" \
  -c "ALTER DATABASE $DB SET auto_explain.log_buffers = on"

# Lists need no search index: an empty one, built over an empty database,
# spares the server indexing a million articles at start (the synthetic
# rows have no change log for it to catch up on).
INDEX="$(mktemp -d)"
serve() {
  BARTA_DATABASE_URL="$1" BARTA_BIND="127.0.0.1:$PORT" BARTA_CACHE=off BARTA_WEBHOOKS=off \
    BARTA_INDEX_DIR="$INDEX" "$BIN" serve >>/tmp/explain-server.log 2>&1 &
  SERVER=$!
  for _ in $(seq 1 300); do
    curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && return 0
    sleep 1
  done
  echo "the server did not start" >&2
  exit 1
}
psql_db postgres -c "DROP DATABASE IF EXISTS ${DB}_empty WITH (FORCE)" -c "CREATE DATABASE ${DB}_empty"
serve "$BASE/${DB}_empty"
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
psql_db postgres -c "DROP DATABASE ${DB}_empty WITH (FORCE)"
serve "$BASE/$DB"
trap 'kill $SERVER 2>/dev/null || true' EXIT

{
  echo "# List filter plans on 1,000,000 articles ($(date -u +%F))"
  echo
  echo "PostgreSQL 15, synthetic data (see bench/explain_filters.sh), plans logged"
  echo "by auto_explain for the statements the server sent, warm cache."
  echo
} >"$OUT"

while read -r query; do
  [ -z "$query" ] && continue
  curl -fs "http://127.0.0.1:$PORT/v1/articles?$query" >/dev/null   # warm
  start=$(wc -l <"$LOG")
  t0=$(date +%s%N)
  status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/v1/articles?$query")
  t1=$(date +%s%N)
  sleep 0.5
  {
    echo "## \`/v1/articles?$query\` ($status, $(( (t1 - t0) / 1000000 )) ms over HTTP)"
    echo
    echo '```'
    tail -n +"$((start + 1))" "$LOG" | grep -v 'barta_explain.*LOG:  duration' \
      | sed -n '/Query Text: SELECT .*"articles"/,/^[0-9-]* [0-9:.]* UTC \[/p' \
      | grep -v '^[0-9-]* [0-9:.]* UTC \[' | sed -n '1,60p' || true
    echo '```'
    echo
  } >>"$OUT"
done <<'QUERIES'
limit=20
tag=tag-1,tag-2,tag-3&limit=20
tag=tag-1+tag-2&limit=20
tag=tag-1900,tag-1950&limit=20
-tag=tag-1&limit=20
tag=tag-2&-tag=tag-1&limit=20
section=section-1,section-2&limit=20
-section=section-2&limit=20
section=section-3&-tag=tag-1&limit=20
author=author-5,author-6&limit=20
author=author-5+author-22&limit=20
-author=author-5&kind=opinion&limit=20
tag=tag-1,tag-2&include=total&limit=20
QUERIES
echo "wrote $OUT" >&2
