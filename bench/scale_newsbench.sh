#!/usr/bin/env bash
# Builds the 10k and 1M variants of the Barta benchmark database from the
# 100k one (barta_bench, made by load_newsbench.sh), inside the same cluster:
#   barta_bench_10k  the 10,000 articles with the lowest ids
#   barta_bench_1m   the 100,000 articles plus nine older copies of them
#                    (new ids and slugs, dates moved back 3 years per copy)
# so "latest", "section latest" and "article by id" can be compared at
# 10k / 100k / 1M on the same kind of data.
#   bench/scale_newsbench.sh [PGPORT]
set -euo pipefail
PGPORT="${1:-5544}"
psql_su() { runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PGPORT" "$@"; }

psql_su -d postgres \
  -c "DROP DATABASE IF EXISTS barta_bench_10k WITH (FORCE)" \
  -c "DROP DATABASE IF EXISTS barta_bench_1m WITH (FORCE)" \
  -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'barta_bench'" \
  -c "CREATE DATABASE barta_bench_10k TEMPLATE barta_bench OWNER newsbench" \
  -c "CREATE DATABASE barta_bench_1m TEMPLATE barta_bench OWNER newsbench"

psql_su -d barta_bench_10k <<'SQL'
DELETE FROM article_tags WHERE article_id > 10000;
DELETE FROM article_authors WHERE article_id > 10000;
DELETE FROM changes WHERE article_id > 10000;
DELETE FROM articles WHERE id > 10000;
VACUUM (FULL, ANALYZE);
SQL

psql_su -d barta_bench_1m <<'SQL'
SET maintenance_work_mem = '512MB';
CREATE TEMP TABLE src AS SELECT * FROM articles;
CREATE TEMP TABLE src_tags AS SELECT * FROM article_tags;
CREATE TEMP TABLE src_authors AS SELECT * FROM article_authors;
DO $$
DECLARE k int;
BEGIN
  FOR k IN 1..9 LOOP
    CREATE TEMP TABLE c AS SELECT * FROM src;
    UPDATE c SET id = id + k * 100000,
                 slug = slug || '-v' || k,
                 external_id = external_id || '-v' || k,
                 published_at = published_at - k * interval '1096 days',
                 first_published_at = first_published_at - k * interval '1096 days',
                 updated_at = updated_at - k * interval '1096 days',
                 created_at = created_at - k * interval '1096 days';
    INSERT INTO articles SELECT * FROM c;
    DROP TABLE c;
    INSERT INTO article_tags (article_id, tag_id, position)
      SELECT article_id + k * 100000, tag_id, position FROM src_tags;
    INSERT INTO article_authors (article_id, author_id, position)
      SELECT article_id + k * 100000, author_id, position FROM src_authors;
  END LOOP;
END$$;
SELECT setval(pg_get_serial_sequence('articles', 'id'), (SELECT max(id) FROM articles));
VACUUM (ANALYZE);
SQL
for db in barta_bench_10k barta_bench barta_bench_1m; do
  psql_su -d "$db" -At -c "SELECT '$db articles=' || count(*) || ' public=' || count(*) FILTER (WHERE status='published') FROM articles"
done
