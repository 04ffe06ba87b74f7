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
# With --replica (or SCALE_REPLICA=1; issue 24) the three instances read
# through a streaming replica of the machine's PostgreSQL (scripts/replica.sh,
# :5433, started unless one runs; stopped at the end only if started here)
# and run `--sync-interval-ms 1000` twice over the same database:
#  A. Redis off (change-log poll only): the visibility lag on every
#     instance (1, the writer, too), polled every 10 ms; a partner key
#     (`--per-minute 30`) asked 60 and 120 times round robin on the three
#     instances directly: each instance enforces its own bucket;
#  B. Redis on (`--redis $REDIS_URL --redis-prefix barta-scale-<random>`):
#     the same lag (pub/sub: milliseconds), the same quota (one allowance
#     for all three), then the failover run of 2 through nginx.
# Writes bench/results/scale-out-<date>.md. Stops everything it started.
#   scripts/scale_out.sh [--replica] [BARTA_BINARY]   (default: target/release/barta)
# Needs: nginx and wrk (Debian packages), PostgreSQL at $PGURL_BASE; with
# --replica also root (replica.sh) and Redis at $REDIS_URL
# (redis://127.0.0.1:6379). TRIALS: articles per lag measurement (5; 10
# with --replica).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
REPLICA_MODE="${SCALE_REPLICA:-0}"
POS=()
for a in "$@"; do
  case "$a" in
    --replica) REPLICA_MODE=1 ;;
    -h|--help) sed -n '2,27p' "$ROOT/scripts/scale_out.sh" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) POS+=("$a") ;;
  esac
done
BARTA="$(realpath "${POS[0]:-target/release/barta}")"
PGURL_BASE="${PGURL_BASE:-postgres://postgres@127.0.0.1:5432}"
DB=barta_scale
URL="$PGURL_BASE/$DB"
WORK="$(mktemp -d /tmp/barta-scale.XXXX)"
PORTS=(8301 8302 8303)
PROXY=8300
STAMP=$(date -u +%Y%m%d-%H%M)
OUT="$ROOT/bench/results/scale-out-$STAMP.md"
PIDS=()
ALL_PIDS=()
SEEDED=0
STARTED_REPLICA=0
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
REDIS_PREFIX=""
export REPLICA_PORT="${REPLICA_PORT:-5433}"
cleanup() {
  for p in "${ALL_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  for p in "${ALL_PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$p" 2>/dev/null || true
  done
  psql -X -q "$PGURL_BASE/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  if [ -n "$REDIS_PREFIX" ]; then
    redis-cli -u "$REDIS_URL" --scan --pattern "$REDIS_PREFIX:*" 2>/dev/null \
      | xargs -r redis-cli -u "$REDIS_URL" del >/dev/null 2>&1 || true
  fi
  if [ "$STARTED_REPLICA" = 1 ]; then
    scripts/replica.sh stop >/dev/null 2>&1 || echo "scale_out.sh: scripts/replica.sh stop failed" >&2
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Starts the three instances (extra serve arguments as given); the first
# seeds the demo content the first time, the others start after it.
start_instances() { # tag extra-args...
  local tag=$1; shift
  PIDS=()
  for i in 0 1 2; do
    DEMO=(); [ "$i" = 0 ] && [ "$SEEDED" = 0 ] && DEMO=(--demo)
    "$BARTA" serve "${DEMO[@]}" "$@" --database "$URL" --bind "127.0.0.1:${PORTS[$i]}" \
      --index-dir "$WORK/index-$tag$i" > "$WORK/barta-$tag$i.log" 2>&1 &
    PIDS+=($!); ALL_PIDS+=($!)
    local ok=0
    for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:${PORTS[$i]}/readyz" >/dev/null && { ok=1; break; }; sleep 0.5; done
    if [ "$ok" = 0 ]; then
      echo "scale_out.sh: instance $((i + 1)) not ready after 60 s; its log:" >&2
      tail -20 "$WORK/barta-$tag$i.log" >&2
      exit 1
    fi
  done
  SEEDED=1
}
stop_instances() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$p" 2>/dev/null || true
  done
  PIDS=()
}

psql -X -q "$PGURL_BASE/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"

if [ "$REPLICA_MODE" = 1 ]; then
  redis-cli -u "$REDIS_URL" ping >/dev/null 2>&1 || { echo "scale_out.sh: no Redis at $REDIS_URL" >&2; exit 1; }
  "$BARTA" migrate --database "$URL" > "$WORK/migrate.log" 2>&1 || { cat "$WORK/migrate.log" >&2; exit 1; }
  if ! scripts/replica.sh status >/dev/null 2>&1; then STARTED_REPLICA=1; fi
  RURL="$(scripts/replica.sh start "$DB" 2>"$WORK/replica-start.log")" || { cat "$WORK/replica-start.log" >&2; exit 1; }
  for _ in $(seq 1 60); do
    n=$(psql -X -At "host=127.0.0.1 port=$REPLICA_PORT user=postgres dbname=$DB connect_timeout=3" \
      -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'" 2>/dev/null || echo 0)
    [ "${n:-0}" -gt 0 ] && break
    sleep 0.5
  done
  [ "${n:-0}" -gt 0 ] || { echo "scale_out.sh: $DB has no tables on the replica" >&2; exit 1; }
  REDIS_PREFIX="barta-scale-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
  COMMON=(--read-database "$RURL" --sync-interval-ms 1000)
  start_instances poll- "${COMMON[@]}"
else
  start_instances ""
fi

write_nginx() {
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
}
[ "$REPLICA_MODE" = 1 ] || write_nginx

KEY=$("$BARTA" keys create --database "$URL" --name scale-test --scope editor 2>/dev/null | tail -1)
B1="http://127.0.0.1:${PORTS[0]}"

# ---- 1. visibility lag ----
# TRIALS articles, one after another: each is created and published through
# instance 1; the instances named are polled concurrently (every POLL
# seconds) until it shows as an item, in the latest list and in search. The
# list and the (404) item are read on each instance first, so their caches
# hold the old answer. Rows in seconds (UNIT s) or milliseconds (UNIT ms).
#   visibility TRIALS POLL UNIT "label=port"...
visibility() {
VIS_DB="$URL" VIS_NOTES="$WORK/visibility-notes.txt" python3 - "$B1" "$KEY" "$@" <<'PY'
import json, os, subprocess, sys, threading, time, urllib.error, urllib.parse, urllib.request
b1, key, trials, poll_s, unit = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
named = [a.rsplit("=", 1) for a in sys.argv[6:]]
ports = [p for _, p in named]
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
gets = {}  # GETs until seen
for n in range(trials):
    word = f"স্কেলপরীক্ষা{time.time_ns() % 10**9}"
    body = json.dumps({"headline": f"স্কেল পরীক্ষা {n} {word}", "section": "national",
                       "body": [{"type": "paragraph", "text": f"{word} নিয়ে লেখা।"}]}).encode()
    try:
        id_ = call("POST", b1 + "/v1/admin/articles", body)["data"]["id"]
    except urllib.error.HTTPError as e:
        # Reported, and the run goes on with the draft when it was written.
        q = f"SELECT id FROM articles WHERE headline = 'স্কেল পরীক্ষা {n} {word}'"
        id_ = subprocess.run(["psql", "-X", "-At", os.environ["VIS_DB"], "-c", q],
                             capture_output=True, text=True).stdout.strip()
        with open(os.environ["VIS_NOTES"], "a") as f:
            f.write(f"{os.environ.get('VIS_PHASE', '')}`POST /v1/admin/articles` through instance 1 answered {e.code}; "
                    f"{'the draft was written (seen on the primary)' if id_ else 'nothing was written'}\n")
        if not id_:
            raise
    for port in ports:  # warm each instance's caches with the list before the write
        for _ in range(2):
            seen(port, "list", id_, word)
            seen(port, "item", id_, word)
    answered = call("POST", f"{b1}/v1/admin/articles/{id_}/publish")["data"]
    if answered.get("status") != "published":
        with open(os.environ["VIS_NOTES"], "a") as f:
            f.write(f"{os.environ.get('VIS_PHASE', '')}`POST …/publish` through instance 1 answered 200 with "
                    f"status {answered.get('status')}, version {answered.get('version')} (the state before the publish)\n")
    t0 = time.monotonic()
    def poll(port, check):
        k = 0
        while time.monotonic() - t0 < 20:
            k += 1
            if seen(port, check, id_, word):
                lags.setdefault((port, check), []).append(time.monotonic() - t0)
                gets.setdefault((port, check), []).append(k)
                return
            time.sleep(poll_s)
        lags.setdefault((port, check), []).append(float("inf"))
        gets.setdefault((port, check), []).append(k)
    threads = [threading.Thread(target=poll, args=(p, c)) for p in ports for c in ("item", "list", "search")]
    for t in threads: t.start()
    for t in threads: t.join()
for label, port in named:
    for check in ("item", "list", "search"):
        v = sorted(lags[(port, check)])
        if unit == "s":
            print(f"| {label} | {check} | {v[len(v) // 2]:.2f} | {v[-1]:.2f} |")
        else:
            g = gets[(port, check)]
            print(f"| {label} | {check} | {v[len(v) // 2] * 1000:.0f} | {v[-1] * 1000:.0f} | "
                  f"{sum(1 for x in g if x > 1)} | {max(g)} | "
                  f"{' '.join(f'{x * 1000:.0f}' for x in lags[(port, check)])} |")
PY
}

# ---- partner quota across the instances (--replica) ----
# A new partner key (--per-minute 30) asked N times round robin on the three
# instances directly; prints "| Redis | N | 200s | 429s | other |" parts.
quota() { # redis-label requests
  local pkey
  pkey=$("$BARTA" keys create --database "$URL" --name "scale-quota-$1-$2" --scope partner --per-minute 30 2>/dev/null | tail -1)
  python3 - "$pkey" "$2" "${PORTS[@]}" <<'PY'
import http.client, sys
key, n, ports = sys.argv[1], int(sys.argv[2]), [int(p) for p in sys.argv[3:]]
conns = {p: http.client.HTTPConnection("127.0.0.1", p, timeout=10) for p in ports}
count = {}
per = {p: {} for p in ports}
for i in range(n):
    p = ports[i % len(ports)]
    try:
        conns[p].request("GET", "/v1/ninjs/articles?limit=1", headers={"Authorization": f"Bearer {key}"})
        r = conns[p].getresponse(); r.read(); s = r.status
    except Exception as e:
        s = type(e).__name__
        conns[p].close(); conns[p] = http.client.HTTPConnection("127.0.0.1", p, timeout=10)
    count[s] = count.get(s, 0) + 1
    per[p][s] = per[p].get(s, 0) + 1
other = {k: v for k, v in count.items() if k not in (200, 429)}
print(f"{n} | {count.get(200, 0)} | {count.get(429, 0)} | {other or 0} | "
      + ", ".join(f"{per[p].get(200, 0)}/{per[p].get(429, 0)}" for p in ports))
PY
}

# Public reads by target, Redis and replica state of each live instance.
instance_metrics() { # label
  local i m
  for i in 0 1 2; do
    m=$(curl -sf "http://127.0.0.1:${PORTS[$i]}/metrics" 2>/dev/null) || { echo "| $1 | instance $((i + 1)) | (not answering) | | | |"; continue; }
    echo "| $1 | instance $((i + 1)) | $(grep -E '^barta_db_reads_total\{target="primary"\}' <<<"$m" | awk '{print $2}') | $(grep -E '^barta_db_reads_total\{target="replica"\}' <<<"$m" | awk '{print $2}') | $(grep -E '^barta_db_replica_up' <<<"$m" | awk '{print $2}') | $(grep -E '^barta_redis_up ' <<<"$m" | awk '{print $2}')$(grep -E '^barta_redis_errors_total ' <<<"$m" | awk '{print " (errors " $2 ")"}') |"
  done
}

if [ "$REPLICA_MODE" = 1 ]; then
  TRIALS="${TRIALS:-10}"
  # ---- A. Redis off: change-log poll only ----
  ROWS_POLL=$(VIS_PHASE="Redis off: " visibility "$TRIALS" 0.01 ms "instance 1=${PORTS[0]}" "instance 2=${PORTS[1]}" "instance 3=${PORTS[2]}")
  Q_OFF_60=$(quota off 60)
  Q_OFF_120=$(quota off 120)
  M_POLL=$(instance_metrics "off")
  stop_instances
  # ---- B. Redis on: pub/sub ----
  start_instances redis- "${COMMON[@]}" --redis "$REDIS_URL" --redis-prefix "$REDIS_PREFIX"
  ROWS_PUBSUB=$(VIS_PHASE="Redis on: " visibility "$TRIALS" 0.01 ms "instance 1=${PORTS[0]}" "instance 2=${PORTS[1]}" "instance 3=${PORTS[2]}")
  Q_ON_60=$(quota on 60)
  Q_ON_120=$(quota on 120)
  M_PUBSUB=$(instance_metrics "on, before the failover run")
  write_nginx
else
  TRIALS="${TRIALS:-5}"
  ROWS=$(visibility "$TRIALS" 0.02 s "instance 2=${PORTS[1]}" "instance 3=${PORTS[2]}")
fi

# ---- 2. failover under load ----
wrk -t2 -c16 -d20s --latency "http://127.0.0.1:$PROXY/v1/articles?limit=20" > "$WORK/wrk.txt" 2>&1 &
WRK=$!
sleep 5
kill -9 "${PIDS[2]}"
KILLED_AT="5 s into the run"
wait "$WRK" || true
NON2XX=$(grep -o 'Non-2xx or 3xx responses: [0-9]*' "$WORK/wrk.txt" | grep -o '[0-9]*$' || echo 0)
SOCKERR=$(grep -o 'Socket errors:.*' "$WORK/wrk.txt" || echo "Socket errors: none")

if [ "$REPLICA_MODE" = 1 ]; then
  M_AFTER=$(instance_metrics "on, after the failover run")
  REPLAG=$(psql -X -At -F ' | ' "$PGURL_BASE/postgres" -c "SELECT application_name, state, coalesce(replay_lag::text, '-'), pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) FROM pg_stat_replication ORDER BY 1" 2>/dev/null || true)
  {
    echo "# Scale-out: three instances over one PostgreSQL and a streaming replica, with and without Redis, behind nginx"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'); release build; demo content; nginx $(nginx -v 2>&1 | sed 's/.*\///'); 2-core machine."
    echo "Every instance: \`--read-database $RURL\` (a hot standby of the machine's PostgreSQL made by \`scripts/replica.sh\`$([ "$STARTED_REPLICA" = 1 ] && echo ", started for this run" || echo ", already running")) and \`--sync-interval-ms 1000\`."
    echo "Redis on: \`--redis $REDIS_URL --redis-prefix $REDIS_PREFIX\`; Redis off: no \`--redis\` (the same database, the instances restarted)."
    echo
    echo "## Visibility of a write made through instance 1 ($TRIALS articles; milliseconds after the publish returned; each instance polled every 10 ms)"
    echo
    echo "### Redis pub/sub on"
    echo
    echo "| instance | seen as | median (ms) | max (ms) | not seen at the first GET | most GETs | each (ms) |"
    echo "|---|---|---|---|---|---|---|"
    echo "$ROWS_PUBSUB"
    echo
    echo "### Redis off: the change-log poll (1000 ms) only"
    echo
    echo "| instance | seen as | median (ms) | max (ms) | not seen at the first GET | most GETs | each (ms) |"
    echo "|---|---|---|---|---|---|---|"
    echo "$ROWS_POLL"
    echo
    echo "## A partner's allowance across three instances"
    echo
    echo "A new key for each row (\`barta keys create --scope partner --per-minute 30\`), asked \`GET /v1/ninjs/articles?limit=1\` round robin on the three instances directly (not through nginx), one request after another."
    echo "Expected: with Redis one allowance of 30 for all three; without it each instance's own 30."
    echo
    echo "| Redis | requests | 200 | 429 | other | 200/429 on instance 1, 2, 3 | expected 200 |"
    echo "|---|---|---|---|---|---|---|"
    echo "| on | $Q_ON_60 | 30 |"
    echo "| on | $Q_ON_120 | 30 |"
    echo "| off | $Q_OFF_60 | 60 (20 an instance, under 30) |"
    echo "| off | $Q_OFF_120 | 90 (30 an instance) |"
    echo
    echo "## Killing one instance (SIGKILL) $KILLED_AT of a 20 s wrk run through nginx (Redis on, replica)"
    echo
    echo "- non-2xx responses: ${NON2XX:-0}; $SOCKERR"
    echo
    echo '```'
    cat "$WORK/wrk.txt"
    echo '```'
    echo
    echo "## Where public reads ran (\`barta_db_reads_total\`), replica and Redis state, per instance"
    echo
    echo "\`barta_redis_up\` as exposed (it also reads 0 on instances started without \`--redis\`)."
    echo
    echo "| Redis | instance | reads on the primary | reads on the replica | replica up | redis up |"
    echo "|---|---|---|---|---|---|"
    echo "$M_POLL"
    echo "$M_PUBSUB"
    echo "$M_AFTER"
    echo
    if [ -s "$WORK/visibility-notes.txt" ]; then
      echo "## Wrong answers to the writes of the visibility runs"
      echo
      echo "Each write of the visibility runs is checked; out of $TRIALS creates and $TRIALS publishes per mode:"
      echo
      sort "$WORK/visibility-notes.txt" | uniq -c | sed 's/^ *\([0-9]*\) \(.*\)$/- \2: \1 times/'
      echo
      echo "The run went on with each draft that was written (its id read from the primary)."
      echo
    fi
    echo "The primary's \`pg_stat_replication\` at the end (application, state, replay_lag, bytes not yet replayed): \`${REPLAG:-none}\`"
  } > "$OUT"
  cat "$OUT"
  exit 0
fi

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
