#!/usr/bin/env bash
# Scale-out scenario (issue 8): three `barta` instances over one PostgreSQL
# database behind nginx (127.0.0.1 only), with demo content.
#  1. Visibility lag: an article is created and published through instance 1;
#     instances 2 and 3 are polled directly until it shows in their latest
#     list, their search and as an item (the bound is the change-log poll,
#     BARTA_SYNC_INTERVAL_MS = 1000 by default).
#  2. Failover: wrk runs 20 s through nginx; instance 3 is killed with
#     SIGKILL after 5 s; nginx retries idempotent requests on another
#     instance, so the run should see no failed request.
# Writes bench/results/scale-out-<date>.md. Stops everything it started.
#   scripts/scale_out.sh [BARTA_BINARY]     (default: target/release/barta)
# Needs: nginx and wrk (Debian packages), PostgreSQL at $PGURL_BASE.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
BARTA="$(realpath "${1:-target/release/barta}")"
PGURL_BASE="${PGURL_BASE:-postgres://postgres@127.0.0.1:5432}"
DB=barta_scale
URL="$PGURL_BASE/$DB"
WORK="$(mktemp -d /tmp/barta-scale.XXXX)"
PORTS=(8301 8302 8303)
PROXY=8300
STAMP=$(date -u +%Y%m%d-%H%M)
OUT="$ROOT/bench/results/scale-out-$STAMP.md"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  psql -X -q "$PGURL_BASE/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

psql -X -q "$PGURL_BASE/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
# The first instance seeds the demo content; the others start after it.
for i in 0 1 2; do
  DEMO=(); [ "$i" = 0 ] && DEMO=(--demo)
  "$BARTA" serve "${DEMO[@]}" --database "$URL" --bind "127.0.0.1:${PORTS[$i]}" \
    --index-dir "$WORK/index-$i" > "$WORK/barta-$i.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:${PORTS[$i]}/readyz" >/dev/null && break; sleep 0.5; done
done

cat > "$WORK/nginx.conf" <<NGINX
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  upstream barta {
    server 127.0.0.1:${PORTS[0]} max_fails=1 fail_timeout=5s;
    server 127.0.0.1:${PORTS[1]} max_fails=1 fail_timeout=5s;
    server 127.0.0.1:${PORTS[2]} max_fails=1 fail_timeout=5s;
    keepalive 32;
  }
  server {
    listen 127.0.0.1:$PROXY;
    location / {
      proxy_pass http://barta;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For \$remote_addr;
      # A dead instance: try the next one (GET/HEAD are idempotent).
      proxy_next_upstream error timeout http_502 http_503;
      proxy_next_upstream_tries 3;
      proxy_connect_timeout 1s;
    }
  }
}
NGINX
nginx -c "$WORK/nginx.conf" -p "$WORK"

KEY=$("$BARTA" keys create --database "$URL" --name scale-test --scope editor 2>/dev/null | tail -1)
B1="http://127.0.0.1:${PORTS[0]}"

# ---- 1. visibility lag ----
# TRIALS articles, one after another: each is created and published through
# instance 1; instances 2 and 3 are polled concurrently (every 20 ms) until
# it shows as an item, in the latest list and in search. The list and the
# (404) item are read on each instance first, so their caches hold the old answer.
TRIALS="${TRIALS:-5}"
ROWS=$(python3 - "$B1" "$KEY" "$TRIALS" "${PORTS[1]}" "${PORTS[2]}" <<'PY'
import json, sys, threading, time, urllib.parse, urllib.request
b1, key, trials, ports = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
def call(method, url, body=None):
    req = urllib.request.Request(url, method=method, data=body, headers={
        "Authorization": f"Bearer {key}", "content-type": "application/json"})
    return json.load(urllib.request.urlopen(req))
def seen(port, check, id_, word):
    base = f"http://127.0.0.1:{port}"
    try:
        if check == "list":
            return any(a["id"] == id_ for a in json.load(urllib.request.urlopen(base + "/v1/articles?limit=5"))["data"])
        if check == "search":
            return any(h["id"] == id_ for h in json.load(urllib.request.urlopen(base + "/v1/search?q=" + urllib.parse.quote(word)))["data"])
        return urllib.request.urlopen(base + "/v1/articles/" + id_).status == 200
    except Exception:
        return False
lags = {}
for n in range(trials):
    word = f"স্কেলপরীক্ষা{time.time_ns() % 10**9}"
    body = json.dumps({"headline": f"স্কেল পরীক্ষা {n} {word}", "section": "national",
                       "body": [{"type": "paragraph", "text": f"{word} নিয়ে লেখা।"}]}).encode()
    id_ = call("POST", b1 + "/v1/admin/articles", body)["data"]["id"]
    for port in ports:  # warm each instance's caches with the list before the write
        for _ in range(2):
            seen(port, "list", id_, word)
            seen(port, "item", id_, word)
    call("POST", f"{b1}/v1/admin/articles/{id_}/publish")
    t0 = time.monotonic()
    def poll(port, check):
        while time.monotonic() - t0 < 20:
            if seen(port, check, id_, word):
                lags.setdefault((port, check), []).append(time.monotonic() - t0)
                return
            time.sleep(0.02)
        lags.setdefault((port, check), []).append(float("inf"))
    threads = [threading.Thread(target=poll, args=(p, c)) for p in ports for c in ("item", "list", "search")]
    for t in threads: t.start()
    for t in threads: t.join()
for i, port in enumerate(ports):
    for check in ("item", "list", "search"):
        v = sorted(lags[(port, check)])
        print(f"| instance {i + 2} | {check} | {v[len(v) // 2]:.2f} | {v[-1]:.2f} |")
PY
)
# ---- 2. failover under load ----
wrk -t2 -c16 -d20s --latency "http://127.0.0.1:$PROXY/v1/articles?limit=20" > "$WORK/wrk.txt" 2>&1 &
WRK=$!
sleep 5
kill -9 "${PIDS[2]}"
KILLED_AT="5 s into the run"
wait "$WRK" || true
NON2XX=$(grep -o 'Non-2xx or 3xx responses: [0-9]*' "$WORK/wrk.txt" | grep -o '[0-9]*$' || echo 0)
SOCKERR=$(grep -o 'Socket errors:.*' "$WORK/wrk.txt" || echo "Socket errors: none")

{
  echo "# Scale-out: three instances over one PostgreSQL behind nginx"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'); release build; demo content; nginx $(nginx -v 2>&1 | sed 's/.*\///'); 2-core machine."
  echo
  echo "## Visibility of a write made through instance 1 ($TRIALS articles; seconds after the publish returned)"
  echo
  echo "| instance | seen as | median (s) | max (s) |"
  echo "|---|---|---|---|"
  echo "$ROWS"
  echo
  echo "## Killing one instance (SIGKILL) $KILLED_AT of a 20 s wrk run through nginx"
  echo
  echo "- non-2xx responses: ${NON2XX:-0}; $SOCKERR"
  echo
  echo '```'
  cat "$WORK/wrk.txt"
  echo '```'
} > "$OUT"
cat "$OUT"
