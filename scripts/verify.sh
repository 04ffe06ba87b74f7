#!/usr/bin/env bash
# scripts/verify.sh — point the third-party verifiers (../shared/verify) at a
# real server: feeds/sitemaps/ninjs/problem documents (verify_feeds.py),
# GraphQL over HTTP (graphql-http's audit), and schemathesis on the OpenAPI
# document and on the GraphQL schema. Prints a summary; exits non-zero when
# any verifier fails.
#
#   scripts/verify.sh                 # builds target/debug/barta first
#   BARTA=path/to/barta scripts/verify.sh
#
# Environment: VERIFY_DIR (default /tmp/bv/verify; set up from
# ../shared/verify + ../shared/schemas when missing), ST_MAX_EXAMPLES (50),
# ST_SEED, VERIFY_KEEP=1 (keep the temp dir), VERIFY_PORT (a fixed port).
set -uo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
verify="${VERIFY_DIR:-/tmp/bv/verify}"
shared="${SHARED_DIR:-$repo/../shared}"

# --- the verifiers -----------------------------------------------------------
if [[ ! -x "$verify/.venv/bin/schemathesis" || ! -d "$verify/node_modules" ]]; then
  echo "== setting up the verifiers in $(dirname "$verify")"
  mkdir -p "$(dirname "$verify")"
  cp -r "$shared/verify" "$shared/schemas" "$(dirname "$verify")/" || exit 2
  chmod -R u+w "$(dirname "$verify")"
  (cd "$verify" && python3 -m venv .venv && .venv/bin/pip install -q -r requirements.txt && npm ci --silent) || exit 2
fi

# --- the server --------------------------------------------------------------
if [[ -z "${BARTA:-}" ]]; then
  (cd "$repo" && cargo build -q -p api --bin barta) || exit 2
  BARTA="${CARGO_TARGET_DIR:-$repo/target}/debug/barta"
fi
work="$(mktemp -d /tmp/barta-verify.XXXXXX)"
# A fixed port with VERIFY_PORT=…, else a free one.
port="${VERIFY_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
base="http://127.0.0.1:$port"
db="sqlite://$work/barta.db?mode=rwc"
pid=""
cleanup() {
  [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  [[ "${VERIFY_KEEP:-0}" == 1 ]] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT INT TERM

# Keys first (the database is created and migrated by `keys create`).
key() { "$BARTA" keys create --name "verify-$1" --scope "$1" --database "$db" 2>/dev/null | grep -o 'barta_[A-Za-z0-9_-]*' | head -1; }
partner="$(key partner)"
admin="$(key admin)"
"$BARTA" serve --demo --bind "127.0.0.1:$port" --database "$db" --index-dir "$work/index" \
  --public-url "$base" >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 60); do
  curl -fs "$base/readyz" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fs "$base/readyz" >/dev/null || { echo "server did not start"; cat "$work/server.log"; exit 2; }
echo "== server on $base (log: $work/server.log)"

declare -A result
run() { # name command…
  local name="$1"; shift
  echo; echo "== $name"
  if "$@"; then result[$name]=PASS; else result[$name]="FAIL ($?)"; fi
}

# ninjs needs a partner key, which verify_feeds.py cannot send: fetch first.
article="$(curl -fs "$base/v1/articles?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["id"])')"
section="$(curl -fs "$base/v1/sections" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["slug"])')"
curl -fs -H "Authorization: Bearer $partner" "$base/v1/ninjs/articles/$article" >"$work/ninjs-item.json"
curl -fs -H "Authorization: Bearer $partner" "$base/v1/ninjs/articles?limit=5" >"$work/ninjs-list.json"

run feeds "$verify/.venv/bin/python" "$verify/verify_feeds.py" "$base" \
  /feeds/rss.xml /feeds/atom.xml /feeds/feed.json \
  "/feeds/sections/$section/rss.xml" "/feeds/sections/$section/atom.xml" "/feeds/sections/$section/feed.json" \
  sitemapindex=/sitemap.xml /sitemaps/sections.xml newssitemap=/sitemaps/news.xml /sitemaps/articles-1.xml \
  problem=/v1/articles/no-such-article problem=/v1/articles?limit=0 problem=/v1/ninjs/articles \
  --expect-lang bn --quiet
run ninjs "$verify/.venv/bin/python" "$verify/verify_feeds.py" \
  --file "ninjs=$work/ninjs-item.json" --file "ninjs=$work/ninjs-list.json" --expect-lang bn --quiet
run graphql-http node "$verify/graphql_http_audit.mjs" "$base/graphql"

# schemathesis reads schemathesis.toml from its working directory: the
# OpenAPI runs get scripts/schemathesis.toml (its [[operations]] name REST
# paths), the GraphQL run scripts/schemathesis-graphql.toml and its hooks.
mkdir -p "$work/openapi" "$work/graphql"
cp "$repo/scripts/schemathesis.toml" "$work/openapi/"
cp "$repo/scripts/schemathesis-graphql.toml" "$work/graphql/schemathesis.toml"
cp "$repo/scripts/schemathesis_graphql_hooks.py" "$work/graphql/"
export ST_REPORT_DIR="$work/schemathesis-report"
run schemathesis-openapi bash -c "cd '$work/openapi' && '$verify/run_schemathesis.sh' openapi '$base/openapi.json'"
run schemathesis-openapi-admin bash -c "cd '$work/openapi' && ST_HEADER='Authorization: Bearer $admin' '$verify/run_schemathesis.sh' openapi '$base/openapi.json'"
# GraphQL types cannot say `first: 1..50` or "a slug": a BAD_USER_INPUT
# answer to a type-correct argument is our validation working, not valid
# data rejected (ST206), so that one check is off for GraphQL.
run schemathesis-graphql bash -c "cd '$work/graphql' && ST_HEADER='Authorization: Bearer $admin' ST_EXCLUDE_CHECKS=positive_data_acceptance '$verify/run_schemathesis.sh' graphql '$base/graphql'"

echo; echo "== summary"
status=0
for name in feeds ninjs graphql-http schemathesis-openapi schemathesis-openapi-admin schemathesis-graphql; do
  printf '  %-28s %s\n' "$name" "${result[$name]:-not run}"
  [[ "${result[$name]:-}" == PASS ]] || status=1
done
exit "$status"
