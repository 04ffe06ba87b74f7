#!/usr/bin/env bash
# Database outage drill (issue 8): a steady read load against one `barta`
# on PostgreSQL while the PostgreSQL server is stopped for OUTAGE seconds
# and started again. Reports, per second, the answers by status, how fast
# the 503s came back while the database was down, what /readyz said, and
# how long after PostgreSQL was back the first read succeeded.
#   scripts/db_outage.sh [BARTA_BINARY] [PG_CLUSTER=15/newsbench] [DATABASE]
# Uses a cluster of its own (default: the benchmark cluster on :5544 from
# bench/run_perf.sh), never the one the test suite runs on.
set -euo pipefail
cd "$(dirname "$0")/.."
BARTA="$(realpath "${1:-target/release/barta}")"
CLUSTER="${2:-15/newsbench}"
URL="${3:-postgres://newsbench:newsbench@127.0.0.1:5544/barta_bench}"
OUTAGE="${OUTAGE:-10}"
PORT=8310
STAMP=$(date -u +%Y%m%d-%H%M)
OUT="bench/results/db-outage-$STAMP.md"
WORK="$(mktemp -d /tmp/barta-outage.XXXX)"
VER="${CLUSTER%/*}"; NAME="${CLUSTER#*/}"
cleanup() {
  [ -n "${PID:-}" ] && kill "$PID" 2>/dev/null || true
  pg_ctlcluster "$VER" "$NAME" start 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

BARTA_CACHE=off "$BARTA" serve --database "$URL" --bind "127.0.0.1:$PORT" \
  --index-dir "$WORK/index" > "$WORK/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.5; done

python3 - "$PORT" "$VER" "$NAME" "$OUTAGE" "$OUT" <<'PY'
import collections, http.client, random, subprocess, sys, threading, time
port, ver, name, outage, out = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
events = []  # (t, path kind, status, ms)
stop = False
t0 = time.monotonic()
lock = threading.Lock()
def worker(seed):
    rnd = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=10)
    while not stop:
        path = rnd.choice(["/v1/articles?limit=20", "/v1/sections/sports/articles?limit=20",
                           f"/v1/articles/{rnd.randint(1, 100000)}"])
        start = time.monotonic()
        try:
            conn.request("GET", path)
            r = conn.getresponse(); r.read(); status = r.status
        except Exception:
            status = "conn"; conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=10)
        end = time.monotonic()
        with lock:
            events.append((end - t0, status, (end - start) * 1000))
        time.sleep(0.01)  # a steady load, not saturation
ready = []
def probe():
    while not stop:
        try:
            c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=5)
            c.request("GET", "/readyz"); s = c.getresponse().status; c.close()
        except Exception:
            s = "conn"
        ready.append((time.monotonic() - t0, s)); time.sleep(0.25)
threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)] + [threading.Thread(target=probe)]
for t in threads: t.start()
time.sleep(5)
down_at = time.monotonic() - t0
subprocess.run(["pg_ctlcluster", ver, name, "stop", "-m", "fast"], check=True)
stopped_at = time.monotonic() - t0
time.sleep(outage)
subprocess.run(["pg_ctlcluster", ver, name, "start"], check=True)
up_at = time.monotonic() - t0
time.sleep(10)
stop = True
for t in threads: t.join()
with lock:
    ev = list(events)
per_sec = collections.defaultdict(collections.Counter)
for t, s, _ in ev:
    per_sec[int(t)][s] += 1
# Requests sent after the stop returned and answered before the start began.
start_began = stopped_at + outage
down = [(t, s, ms) for t, s, ms in ev if t - ms / 1000 >= stopped_at and t <= start_began]
down_503 = sorted(ms for t, s, ms in down if s == 503)
other_down = collections.Counter(s for t, s, _ in down if s != 503)
first_ok = next((t for t, s, _ in ev if t > up_at and s == 200), None)
ready_back = next((t for t, s in ready if t > up_at and s == 200), None)
not_ready = sum(1 for t, s in ready if stopped_at <= t <= up_at and s == 503)
probes_down = sum(1 for t, s in ready if stopped_at <= t <= up_at)
crashed = subprocess.run(["bash", "-c", f"curl -sf http://127.0.0.1:{port}/healthz"], capture_output=True).returncode != 0
pct = lambda v, p: v[min(len(v) - 1, int(len(v) * p))] if v else float("nan")
lines = [
    "# Database outage under load", "",
    f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; release build; cache off; 4 clients in a steady loop "
    "(latest, section latest, random article); PostgreSQL stopped with `pg_ctlcluster … stop -m fast` "
    f"{down_at:.1f} s in, started again {outage} s later.", "",
    f"- while down ({start_began - stopped_at:.1f} s): {len(down)} requests, {len(down_503)} answered 503 problem+json "
    f"(p50 {pct(down_503, .5):.1f} ms, p99 {pct(down_503, .99):.1f} ms, max {max(down_503, default=float('nan')):.1f} ms); "
    f"other answers: {dict(other_down) or 'none'}",
    f"- /readyz while down: {not_ready} of {probes_down} probes said 503 (not ready)",
    f"- PostgreSQL accepting again at {up_at:.1f} s; first successful read "
    f"{(first_ok - up_at) if first_ok else float('nan'):.2f} s later; /readyz ready again "
    f"{(ready_back - up_at) if ready_back else float('nan'):.2f} s later; no restart of the server",
    f"- the process stayed up throughout: {'no' if crashed else 'yes'}", "",
    "| second | 200 | 404 | 503 | other |", "|---|---|---|---|---|",
]
for sec in sorted(per_sec):
    c = per_sec[sec]
    other = ", ".join(f"{k}: {v}" for k, v in c.items() if k not in (200, 404, 503))
    mark = " (down)" if stopped_at <= sec + 1 and sec <= up_at else ""
    lines.append(f"| {sec}{mark} | {c[200]} | {c[404]} | {c[503]} | {other} |")
open(out, "w").write("\n".join(lines) + "\n")
print("\n".join(lines[:9]))
PY
echo "results: $OUT"
