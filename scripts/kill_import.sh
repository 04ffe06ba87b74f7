#!/usr/bin/env bash
# kill -9 during `barta import` (issue 8): imports 10,000 articles, kills the
# importer with SIGKILL after a few seconds, checks the database holds only
# whole articles (each with all its tags, body and section), reruns the same
# import, and checks that every article is there exactly once.
# On SQLite and, when PGURL_BASE answers, on PostgreSQL.
#   scripts/kill_import.sh [BARTA_BINARY] [IMPORT_FILE]
# IMPORT_FILE defaults to 10,000 lines of bench/prepare_corpus.py output
# (built from ../shared/corpus into /tmp; nothing from the corpus is kept).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
BARTA="$(realpath "${1:-target/release/barta}")"
WORK="$(mktemp -d /tmp/barta-kill.XXXX)"
trap 'rm -rf "$WORK"' EXIT
FILE="${2:-}"
if [ -z "$FILE" ]; then
  python3 bench/prepare_corpus.py --out "$WORK/all.jsonl" --copies 1 >/dev/null
  head -n 10000 "$WORK/all.jsonl" > "$WORK/10k.jsonl"
  FILE="$WORK/10k.jsonl"
fi
LINES=$(wc -l < "$FILE")
PGURL_BASE="${PGURL_BASE:-postgres://postgres@127.0.0.1:5432}"
KILL_AFTER="${KILL_AFTER:-4}"

check() {  # check URL -> "articles tag_rows incomplete duplicates"
  python3 - "$1" "$FILE" <<'PY'
import json, sqlite3, subprocess, sys
url, path = sys.argv[1], sys.argv[2]
want = {}
for line in open(path, encoding="utf-8"):
    d = json.loads(line)
    want[d["id"]] = len(set(t for t in d.get("tags", []) if t.strip()))
q = ("SELECT a.external_id, (SELECT count(*) FROM article_tags t WHERE t.article_id = a.id), "
     "(SELECT count(*) FROM articles b WHERE b.external_id = a.external_id) FROM articles a")
if url.startswith("sqlite:"):
    rows = sqlite3.connect(url.split("://", 1)[1].split("?")[0]).execute(q).fetchall()
else:
    out = subprocess.run(["psql", "-X", "-At", "-F", "\t", url, "-c", q], capture_output=True, text=True, check=True).stdout
    rows = [(e, int(t), int(n)) for e, t, n in (l.split("\t") for l in out.splitlines() if l)]
incomplete = sum(1 for e, t, _ in rows if e in want and t < want[e])
dups = sum(1 for *_, n in rows if n > 1)
print(len(rows), incomplete, dups)
PY
}

run() {  # run LABEL URL
  local label=$1 url=$2
  "$BARTA" migrate --database "$url" 2>/dev/null
  "$BARTA" import "$FILE" --database "$url" > "$WORK/first.log" 2>&1 &
  local pid=$!
  sleep "$KILL_AFTER"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  read -r n1 inc1 dup1 < <(check "$url")
  local t0; t0=$(date +%s.%N)
  "$BARTA" import "$FILE" --database "$url" > "$WORK/second.log" 2>&1
  local secs; secs=$(echo "$(date +%s.%N) - $t0" | bc)
  read -r n2 inc2 dup2 < <(check "$url")
  echo "| $label | $LINES | $n1 | $inc1 | $n2 | $inc2 | $dup2 | $(tail -1 "$WORK/second.log") ($secs s) |"
}

echo "| database | lines | articles after kill -9 | incomplete | articles after rerun | incomplete | duplicated | rerun |"
echo "|---|---|---|---|---|---|---|---|"
run SQLite "sqlite://$WORK/kill.db?mode=rwc"
if psql -X -q "$PGURL_BASE/postgres" -c "SELECT 1" >/dev/null 2>&1; then
  psql -X -q "$PGURL_BASE/postgres" -c "DROP DATABASE IF EXISTS barta_kill WITH (FORCE)" -c "CREATE DATABASE barta_kill"
  run PostgreSQL "$PGURL_BASE/barta_kill"
  psql -X -q "$PGURL_BASE/postgres" -c "DROP DATABASE IF EXISTS barta_kill WITH (FORCE)"
fi
