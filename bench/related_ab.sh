#!/usr/bin/env bash
# Related stories and the GraphQL article page, two builds alternating
# (three rounds), uncached, on the newsbench data set that run_perf.sh sets
# up (cluster :5544, database barta_bench). Ids are drawn uniformly from
# 1..100000 with a fixed seed. Prints one line per build, round and query.
#   bench/related_ab.sh BEFORE_BINARY AFTER_BINARY
set -euo pipefail
BEFORE="$1"; AFTER="$2"
PORT=8099
DB=postgres://newsbench:newsbench@127.0.0.1:5544/barta_bench
T=$(mktemp -d)
cat > "$T/page.json" <<'JSON'
{"query":"query Page($id: ID!) { article(id: $id) { id headline kicker summary publishedAt publishedAtBn body { __typename ... on ParagraphBlock { text } } section { slug name } authors { slug name } tags { slug name } commentCount related(first: 5) { id headline publishedAt } moreFromSection(first: 5) { id headline publishedAt } } }","variables":{"id":"{id}"}}
JSON
cat > "$T/page.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$T/page.json"); local tpl = f:read("*a"); f:close()
math.randomseed(42)
request = function()
  return wrk.format(nil, nil, nil, (tpl:gsub("{id}", tostring(math.random(1, 100000)))))
end
LUA
cat > "$T/related.lua" <<'LUA'
math.randomseed(42)
request = function()
  return wrk.format("GET", "/v1/articles/" .. math.random(1, 100000) .. "/related?limit=5")
end
LUA
run() {  # run BINARY LABEL
  BARTA_CACHE=off "$1" serve --database "$DB" --bind 127.0.0.1:$PORT \
    --index-dir /tmp/barta-bench-index-barta_bench > "$T/server.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 600); do curl -sf http://127.0.0.1:$PORT/readyz >/dev/null && break; sleep 1; done
  wrk -t2 -c32 -d3s -s "$T/related.lua" http://127.0.0.1:$PORT > /dev/null
  echo "$2 article page: $(wrk -t2 -c32 -d8s -s "$T/page.lua" --latency http://127.0.0.1:$PORT/graphql \
    | grep -E 'Requests/sec| 99%' | tr -s ' \n' ' ')"
  echo "$2 related:      $(wrk -t2 -c32 -d8s -s "$T/related.lua" --latency http://127.0.0.1:$PORT \
    | grep -E 'Requests/sec| 99%' | tr -s ' \n' ' ')"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}
for round in 1 2 3; do
  run "$BEFORE" "before-$round"
  run "$AFTER" "after-$round"
done
rm -rf "$T"
