#!/usr/bin/env bash
# Copies the newsbench data set (the peers' database, loaded by the shared
# harness's setup_pg.sh) into a Barta database on the same cluster, so every
# server in the comparison reads the same articles.
#   bench/load_newsbench.sh [PGPORT] [BARTA_BINARY]
set -euo pipefail
PGPORT="${1:-5544}"
BARTA="${2:-../target/release/barta}"
psql_su() { runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PGPORT" "$@"; }
psql_su -d postgres -c "DROP DATABASE IF EXISTS barta_bench WITH (FORCE)" -c "CREATE DATABASE barta_bench OWNER newsbench TEMPLATE template0 ENCODING 'UTF8'"
URL="postgres://newsbench:newsbench@127.0.0.1:$PGPORT/barta_bench"
"$BARTA" migrate --database "$URL"
copy() {  # copy <select on newsbench> <target table (columns)>
  psql_su -d newsbench -c "COPY ($1) TO STDOUT" | psql_su -d barta_bench -c "COPY $2 FROM STDIN"
}
copy "SELECT id, slug, name_bn, name_en, NULL::bigint, sort_order, NULL::text FROM sections" \
     "sections (id, slug, name, name_en, parent_id, position, description)"
copy "SELECT id, slug, name_bn, bio, NULL::text FROM authors" "authors (id, slug, name, bio, avatar_url)"
copy "SELECT id, slug, name_bn FROM tags" "tags (id, slug, name)"
copy "SELECT id, slug || '-' || id, 'nb-' || id, headline, subheadline, summary,
        (SELECT json_agg(json_build_object('type', 'paragraph', 'text', p))
           FROM unnest(string_to_array(body, E'\n\n')) AS p WHERE p <> ''),
        section_id, byline, source, NULL::text, NULL::text,
        CASE WHEN hero_image_url IS NULL THEN NULL ELSE json_build_object('url', hero_image_url) END,
        language,
        CASE status WHEN 'archived' THEN 'unpublished' ELSE status END,
        NULL::timestamptz, NULL::timestamptz, published_at, published_at, updated_at, created_at,
        1, coalesce(word_count, 0), NULL::text, '[]'::json, NULL::text, NULL::timestamptz, NULL::timestamptz
      FROM articles" \
     "articles (id, slug, external_id, headline, kicker, summary, body, section_id, desk, source, source_url, dateline, image, language, status, publish_at, embargo_until, first_published_at, published_at, updated_at, created_at, version, word_count, canonical_url, corrections, unpublish_reason, deleted_at, breaking_until)"
copy "SELECT id, author_id, 0 FROM articles WHERE author_id IS NOT NULL" "article_authors (article_id, author_id, position)"
copy "SELECT article_id, tag_id, row_number() OVER (PARTITION BY article_id ORDER BY tag_id) - 1 FROM article_tags" \
     "article_tags (article_id, tag_id, position)"
psql_su -d barta_bench <<'SQL'
SELECT setval(pg_get_serial_sequence('sections', 'id'), (SELECT max(id) FROM sections));
SELECT setval(pg_get_serial_sequence('authors', 'id'), (SELECT max(id) FROM authors));
SELECT setval(pg_get_serial_sequence('tags', 'id'), (SELECT max(id) FROM tags));
SELECT setval(pg_get_serial_sequence('articles', 'id'), (SELECT max(id) FROM articles));
VACUUM (ANALYZE);
SQL
psql_su -d barta_bench -At -c "SELECT 'barta_bench articles=' || count(*) || ' public=' || count(*) FILTER (WHERE status='published') FROM articles"
