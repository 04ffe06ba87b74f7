#!/bin/bash
# Builds side by side on the large archive, closed loop of 32 connections,
# response cache off, 2 alternating rounds (bench/results/sqlite-statements.md).
#
# Usage: bench/statement_ab.sh SECONDS NAME=BINARY:SQLITE_FILE ...
# Env: INDEX (the archive's index directory, default /tmp/big/base.index),
#      CLASSES (default "article related page list search front").
# Each SQLITE_FILE is its own copy of the archive (bench/run_discovery.sh's:
# prepare_corpus.py --copies 6, barta import, barta reindex). 127.0.0.1 only.
set -euo pipefail
S=$1; shift
HERE=$(cd "$(dirname "$0")" && pwd)
LG=$HERE/loadgen/target/release/loadgen
[ -x "$LG" ] || (cd "$HERE/loadgen" && cargo build --release --locked -q)
D=$(mktemp -d /tmp/barta-statement-ab.XXXX)
DB1=${1#*=}; DB1=${DB1#*:}
python3 - "$D" "$DB1" "$HERE" <<'PY'
import json, random, sqlite3, sys, urllib.parse
d, db, here = sys.argv[1:4]
q = urllib.parse.quote
rng = random.Random(7)
rel = [f"/v1/articles/{rng.randint(1, 109000)}/related?limit=5" for _ in range(500)]
art = [f"/v1/articles/{rng.randint(1, 109000)}" for _ in range(500)]
PAGE = ('query Page($id: ID!) { article(id: $id) { id headline kicker summary publishedAt publishedAtBn '
        'body { __typename ... on ParagraphBlock { text } } section { slug name } authors { slug name } '
        'tags { slug name } commentCount related(first: 5) { id headline publishedAt } '
        'moreFromSection(first: 5) { id headline publishedAt } } }')
page = ["/graphql?query=" + q(PAGE) + "&variables=" + q(json.dumps({"id": l.split('/')[3]})) for l in rel]
c = sqlite3.connect(db)
secs = [r[0] for r in c.execute("select s.slug from sections s join articles a on a.section_id = s.id "
                                "group by s.slug order by count(*) desc limit 8")]
lst = ["/v1/articles?limit=20"] * 3 + [f"/v1/articles?section={q(s)}&limit=20" for s in secs]
qs = json.load(open(f"{here}/search_queries.json"))["queries"]
search = ["/v1/search?q=" + q(x["q"]) + "&limit=10" for x in qs if x["kind"] in {"name", "topic", "number"}]
for name, lines in [("related", rel), ("article", art), ("page", page), ("list", lst),
                    ("search", search), ("front", ["/v1/front"])]:
    open(f"{d}/{name}.paths", "w").write("\n".join(lines) + "\n")
PY
for round in 1 2; do
  for spec in "$@"; do
    name=${spec%%=*}; rest=${spec#*=}; bin=${rest%%:*}; db=${rest#*:}
    BARTA_CACHE=off "$bin" serve --database "sqlite://$db" --index-dir "${INDEX:-/tmp/big/base.index}" \
      --bind 127.0.0.1:18620 > "$D/$name.log" 2>&1 &
    pid=$!
    for _ in $(seq 300); do curl -sf 127.0.0.1:18620/readyz > /dev/null && break; sleep 1; done
    "$LG" --addr 127.0.0.1:18620 --paths "$D/related.paths" --connections 32 --duration 4 > /dev/null
    for cls in ${CLASSES:-article related page list search front}; do
      "$LG" --addr 127.0.0.1:18620 --paths "$D/$cls.paths" --connections 32 --duration 3 > /dev/null
      "$LG" --addr 127.0.0.1:18620 --paths "$D/$cls.paths" --connections 32 --duration "$S" |
        python3 -c "import json,sys; r=json.load(sys.stdin); o=r['ok']; print('$round', '$name', '$cls', round(o['per_second']), 'p50', round(o['p50_ms'],1), 'p99', round(o['p99_ms'],1), 'not ok', r['requests']-o['count'])"
    done
    kill $pid; wait $pid 2>/dev/null || true
  done
done
