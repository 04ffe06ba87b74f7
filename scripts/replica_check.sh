#!/usr/bin/env bash
# Read replica check (issue 24): two `barta` instances over the machine's
# PostgreSQL (127.0.0.1:5432) with a streaming physical replica on :5433
# (scripts/replica.sh) as their --read-database; no Redis, so instance B
# learns of A's writes from the change-log poll (BARTA_SYNC_INTERVAL_MS).
#  a. rotation: public GETs with a varying query string (the response cache
#     cannot answer them) until barta_db_reads_total{target="replica"} > 0;
#  b. write-to-visible: RUNS (30) articles created and published through A;
#     GET /v1/articles/{id} on A and on B every 10 ms from the moment the
#     publish returned until 200 (p50/p95/max per instance), and how often
#     A's very first GET was not 200 (read-your-writes: expected 0). The item
#     is read (404) on both instances before the publish;
#  c. the replica's lag as /metrics reports it (sampled every 100 ms during
#     b and d), pg_stat_replication on the primary, and the gauges read as
#     fast as they come around one write after IDLE_S (7) s without writes
#     (longer than the default BARTA_REPLICA_MAX_LAG_MS);
#  d. the replica stopped under load: 8 keep-alive clients read lists,
#     section lists and items from A for 15 s; the replica is stopped 5 s in
#     (STOP_MODE=immediate: SIGQUIT to its postmaster, what
#     `pg_ctl stop -m immediate` sends; STOP_MODE=fast: scripts/replica.sh
#     stop); answers by status, the reads metric before and after,
#     barta_db_replica_up after.
# Writes bench/results/replica-<UTC yyyymmdd-hhmm>.md. Stops what it started:
# the servers, the database barta_rcheck, and the replica if it started it
# (a replica that was already running is rebuilt after d stopped it).
#   scripts/replica_check.sh [BARTA_BINARY]    (default: target/release/barta)
# Environment: PGURL_BASE (postgres://postgres@127.0.0.1:5432), RUNS (30), IDLE_S (7),
# STOP_MODE (immediate), KEEP_WORK=1 keeps the server logs; REPLICA_PORT and
# REPLICA_DIR pass through to scripts/replica.sh. Run as root (replica.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
BARTA="$(realpath "${1:-target/release/barta}")"
[ -x "$BARTA" ] || { echo "replica_check.sh: no binary at $BARTA" >&2; exit 1; }
PGURL_BASE="${PGURL_BASE:-postgres://postgres@127.0.0.1:5432}"
export REPLICA_PORT="${REPLICA_PORT:-5433}"
export REPLICA_DIR="${REPLICA_DIR:-/tmp/barta-replica}"
RUNS="${RUNS:-30}"
STOP_MODE="${STOP_MODE:-immediate}"
DB=barta_rcheck
URL="$PGURL_BASE/$DB"
PORT_A=8321
PORT_B=8322
STAMP=$(date -u +%Y%m%d-%H%M)
OUT="$ROOT/bench/results/replica-$STAMP.md"
WORK="$(mktemp -d /tmp/barta-rcheck.XXXX)"
PIDS=()
STARTED_REPLICA=0   # this script ran `replica.sh start`
PREEXISTING=0       # a replica was running before
REPLICA_STOPPED=0   # d stopped it
say() { printf 'replica_check.sh: %s\n' "$*" >&2; }

cleanup() {
  local rc=$?
  set +e
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$p" 2>/dev/null
  done
  psql -X -q "$PGURL_BASE/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 \
    || say "could not drop $DB on the primary"
  if [ "$STARTED_REPLICA" = 1 ]; then
    scripts/replica.sh stop >/dev/null 2>"$WORK/replica-stop.log" || { say "replica.sh stop failed:"; cat "$WORK/replica-stop.log" >&2; }
  elif [ "$PREEXISTING" = 1 ] && [ "$REPLICA_STOPPED" = 1 ]; then
    say "rebuilding the replica that was running before (scripts/replica.sh start)"
    scripts/replica.sh start >/dev/null 2>"$WORK/replica-restart.log" || { say "replica.sh start failed:"; cat "$WORK/replica-restart.log" >&2; }
  fi
  if [ "${KEEP_WORK:-0}" = 1 ] || [ "$rc" != 0 ]; then
    say "logs kept in $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for p in $PORT_A $PORT_B; do
  if curl -s -o /dev/null "http://127.0.0.1:$p/"; then say "port $p is in use"; exit 1; fi
done

# ---- the database, migrated, and the replica ----
psql -X -q -v ON_ERROR_STOP=1 "$PGURL_BASE/postgres" \
  -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
"$BARTA" migrate --database "$URL" > "$WORK/migrate.log" 2>&1 \
  || { cat "$WORK/migrate.log" >&2; exit 1; }

if scripts/replica.sh status >/dev/null 2>&1; then
  PREEXISTING=1
  say "a replica is already running on :$REPLICA_PORT; using it"
else
  STARTED_REPLICA=1
fi
RURL="$(scripts/replica.sh start "$DB" 2>"$WORK/replica-start.log")" \
  || { cat "$WORK/replica-start.log" >&2; exit 1; }
RPSQL="host=127.0.0.1 port=$REPLICA_PORT user=postgres dbname=$DB connect_timeout=3"
[ "$(psql -X -At "$RPSQL" -c 'SELECT pg_is_in_recovery()' 2>/dev/null || true)" = t ] \
  || { say "the server on :$REPLICA_PORT is not a standby in recovery"; exit 1; }
# The migrated schema has reached the replica.
for _ in $(seq 1 60); do
  n=$(psql -X -At "$RPSQL" -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'" 2>/dev/null || echo 0)
  [ "${n:-0}" -gt 0 ] && break
  sleep 0.5
done
[ "${n:-0}" -gt 0 ] || { say "$DB has no tables on the replica after 30 s"; exit 1; }
RDATA="$(psql -X -At "$RPSQL" -c 'SHOW data_directory')"
case "$STOP_MODE" in
  immediate)
    RPID="$(head -1 "$RDATA/postmaster.pid")"
    STOP_CMD="kill -QUIT $RPID && for i in \$(seq 1 100); do kill -0 $RPID 2>/dev/null || exit 0; sleep 0.1; done; exit 1"
    STOP_DESC="immediate shutdown (SIGQUIT to the replica's postmaster, pid $RPID, as \`pg_ctl stop -m immediate\` does)" ;;
  fast)
    STOP_CMD="scripts/replica.sh stop >/dev/null 2>&1"
    STOP_DESC="\`scripts/replica.sh stop\` (fast shutdown)" ;;
  *) say "STOP_MODE must be immediate or fast"; exit 2 ;;
esac

# ---- the two instances ----
start_instance() { # name port extra-args...
  local name=$1 port=$2; shift 2
  "$BARTA" serve "$@" --database "$URL" --read-database "$RURL" --bind "127.0.0.1:$port" \
    --index-dir "$WORK/index-$name" > "$WORK/barta-$name.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  for _ in $(seq 1 240); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { say "instance $name exited:"; tail -20 "$WORK/barta-$name.log" >&2; exit 1; }
    sleep 0.5
  done
  say "instance $name not ready after 120 s:"; tail -20 "$WORK/barta-$name.log" >&2; exit 1
}
start_instance a $PORT_A --demo
start_instance b $PORT_B

KEY=$("$BARTA" keys create --database "$URL" --name replica-check --scope editor 2>/dev/null | head -1)
[ -n "$KEY" ] || { say "keys create printed no key"; exit 1; }

# d stops the replica; from here on cleanup must know.
REPLICA_STOPPED=1
A_PORT=$PORT_A B_PORT=$PORT_B KEY="$KEY" OUT="$OUT" RUNS="$RUNS" STOP_CMD="$STOP_CMD" \
STOP_DESC="$STOP_DESC" RURL="$RURL" PRIMARY="$PGURL_BASE/postgres" BARTA="$BARTA" \
A_LOG="$WORK/barta-a.log" PREEXISTING="$PREEXISTING" DBURL="$URL" python3 - <<'PY'
import http.client, json, os, random, re, statistics, subprocess, sys, threading, time

A, B = int(os.environ["A_PORT"]), int(os.environ["B_PORT"])
KEY, OUT, RUNS = os.environ["KEY"], os.environ["OUT"], int(os.environ["RUNS"])
NAMES = {A: "A", B: "B"}
notes = []  # things that looked wrong, for the report


class Client:
    """One keep-alive connection; one retry when an idle connection was closed."""

    def __init__(self, port, timeout=10):
        self.port, self.timeout, self.c = port, timeout, None

    def req(self, method, path, body=None, headers=None, retry=True):
        for attempt in (0, 1):
            if self.c is None:
                self.c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.c.request(method, path, body=body, headers=headers or {})
                r = self.c.getresponse()
                data = r.read()
                if (r.getheader("connection") or "").lower() == "close":
                    self.c.close(); self.c = None
                return r.status, data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.c.close(); self.c = None
                if attempt or not retry:
                    raise


LINE = re.compile(r"^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)")


def metrics(port):
    status, data = Client(port, timeout=5).req("GET", "/metrics")
    out = {}
    for line in data.decode().splitlines():
        m = LINE.match(line)
        if m and not line.startswith("#"):
            out[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return out


def series(m, name, contains=""):
    return [v for k, v in m.items() if k.split("{")[0] == name and contains in k]


def reads(m):
    return (int(sum(series(m, "barta_db_reads_total", 'target="primary"'))),
            int(sum(series(m, "barta_db_reads_total", 'target="replica"'))))


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round((len(v) - 1) * p)))] if v else float("nan")


def ms(x):
    return "never" if x == float("inf") else f"{x * 1000:.0f}"


auth = {"Authorization": f"Bearer {KEY}", "content-type": "application/json"}
ca, cb = Client(A), Client(B)

# ---- which query strings make distinct, valid list requests ----
probe_paths = {
    "to": "/v1/articles?limit=5&to=2031-01-01T00:00:00Z",
    "from": "/v1/articles?limit=5&from=2000-01-01T00:00:00Z",
}
VARY = None
for kind, path in probe_paths.items():
    s, body = ca.req("GET", path)
    if s == 200 and json.loads(body)["data"]:
        VARY = kind
        break
if VARY is None:
    notes.append("neither `to=` nor `from=` gave a non-empty list; only `limit` varies")


def list_path(rnd, base="/v1/articles"):
    p = f"{base}?limit={rnd.randint(1, 50)}"
    if VARY == "to":
        p += f"&to=2031-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}T{rnd.randint(0, 23):02d}:{rnd.randint(0, 59):02d}:{rnd.randint(0, 59):02d}Z"
    elif VARY == "from":
        p += f"&from=2000-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}T{rnd.randint(0, 23):02d}:{rnd.randint(0, 59):02d}:{rnd.randint(0, 59):02d}Z"
    return p


# ---- sections (for writes and section lists) ----
s, body = ca.req("GET", "/v1/sections")
slugs = []
def walk(x):
    if isinstance(x, dict):
        if isinstance(x.get("slug"), str):
            slugs.append(x["slug"])
        for v in x.values():
            walk(v)
    elif isinstance(x, list):
        for v in x:
            walk(v)
walk(json.loads(body).get("data"))
SECTION = "national" if "national" in slugs else slugs[0]

# ---- a. rotation ----
rnd = random.Random(1)
m_a0, m_b0 = metrics(A), metrics(B)
t0 = time.monotonic()
n = 0
statuses_a = {}
while True:
    for c, port in ((ca, A), (cb, B)):
        st, _ = c.req("GET", list_path(rnd))
        if port == A:
            statuses_a[st] = statuses_a.get(st, 0) + 1
    n += 1
    if n % 10 == 0:
        ra, rb = reads(metrics(A))[1], reads(metrics(B))[1]
        if (ra > 0 and rb > 0) or time.monotonic() - t0 > 20:
            break
rot_elapsed = time.monotonic() - t0
m_a1, m_b1 = metrics(A), metrics(B)
rot = {"A": reads(m_a1), "B": reads(m_b1)}
rot_ok = rot["A"][1] > 0

# ---- a sampler of the replica metrics (c) ----
samples = []  # (t, instance, lag, up)
sampling = True
T_START = time.monotonic()


pgs = []  # (t, primary's replay_lag ms or None, replica received == replayed, replica's last replayed commit age ms)
pg_sampling = True


def pg_session(url):
    return subprocess.Popen(["psql", "-X", "-At", "-q", "-v", "ON_ERROR_STOP=1", url], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)


def pg_ask(sess, q):
    try:
        sess.stdin.write(q + "\n")
        sess.stdin.flush()
        return sess.stdout.readline().strip()
    except Exception:
        return ""


def sampler():
    prim = pg_session(os.environ["PRIMARY"])
    repl = pg_session(os.environ["RURL"])
    while sampling:
        if pg_sampling:
            a = pg_ask(prim, "SELECT coalesce((extract(epoch FROM replay_lag) * 1000)::text, '') FROM pg_stat_replication LIMIT 1;")
            b = pg_ask(repl, "SELECT pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn(), "
                             "round((extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000)::numeric, 1);")
            if b:
                caught, age = (b.split("|") + [""])[:2]
                pgs.append((time.monotonic() - T_START, float(a) if a else None, caught == "t",
                            float(age) if age else float("nan")))
        for port in (A, B):
            try:
                m = metrics(port)
                lag = series(m, "barta_db_replica_lag_seconds")
                up = series(m, "barta_db_replica_up")
                samples.append((time.monotonic() - T_START, NAMES[port],
                                lag[0] if lag else float("nan"), up[0] if up else float("nan")))
            except Exception:
                pass
        time.sleep(0.1)


smp = threading.Thread(target=sampler, daemon=True)
smp.start()

# ---- b. write-to-visible ----
lags = {"A": [], "B": []}
first_not_200 = {"A": 0, "B": 0}
first_status = {"A": {}, "B": {}}
poll_counts = {"A": [], "B": []}
pre_status = {}
poll_clients = {"A": Client(A), "B": Client(B)}
phase_b_start = time.monotonic() - T_START
create_failures = []  # (trial, status, answer, rows written on the primary with that headline)
publish_stale = []  # (trial, id, status and version the publish answered)


def written(headline):
    """Rows on the primary with this headline (id, status, version)."""
    q = "SELECT id || ' ' || status || ' v' || version FROM articles WHERE headline = '%s'" % headline.replace("'", "''")
    r = subprocess.run(["psql", "-X", "-At", os.environ["DBURL"], "-c", q], capture_output=True, text=True)
    return r.stdout.split("\n")[0].strip() or "none"


writes_t = []  # when the script's writes were answered, on the sampler's clock


def create(i):
    """Creates a draft through A; a create that fails is reported, and when
    the draft was written anyway (seen on the primary) its id is used."""
    word = f"রেপ্লিকা{time.time_ns() % 10**9}"
    headline = f"রেপ্লিকা পরীক্ষা {i} {word}"
    st, body = ca.req("POST", "/v1/admin/articles", json.dumps({
        "headline": headline, "section": SECTION,
        "bodyText": f"{word} নিয়ে একটি ছোট লেখা।"}).encode(), auth)
    writes_t.append(time.monotonic() - T_START)
    if st in (200, 201):
        return json.loads(body)["data"]["id"]
    row = written(headline)
    create_failures.append((i, st, body[:160].decode(errors="replace"), row))
    if row == "none":
        sys.exit(f"create answered {st} and wrote nothing: {body[:300]!r}")
    return row.split()[0]


def publish(i, aid):
    st, body = ca.req("POST", f"/v1/admin/articles/{aid}/publish", b"{}", auth)
    writes_t.append(time.monotonic() - T_START)
    if st != 200:
        sys.exit(f"publish answered {st}: {body[:300]!r}")
    answered = json.loads(body)["data"]
    if answered.get("status") != "published":
        publish_stale.append((i, aid, f"{answered.get('status')} v{answered.get('version')}"))


for i in range(RUNS):
    aid = create(i)
    for name, c in poll_clients.items():  # a reader who came early: 404 on both
        st, _ = c.req("GET", f"/v1/articles/{aid}")
        pre_status[st] = pre_status.get(st, 0) + 1
    publish(i, aid)
    t0 = time.monotonic()

    def poll(name):
        c = poll_clients[name]
        k = 0
        while time.monotonic() - t0 < 10:
            st, _ = c.req("GET", f"/v1/articles/{aid}")
            k += 1
            if k == 1:
                first_status[name][st] = first_status[name].get(st, 0) + 1
                if st != 200:
                    first_not_200[name] += 1
            if st == 200:
                lags[name].append(time.monotonic() - t0)
                poll_counts[name].append(k)
                return
            time.sleep(0.01)
        lags[name].append(float("inf"))
        poll_counts[name].append(k)

    th = [threading.Thread(target=poll, args=(nm,)) for nm in ("A", "B")]
    for t in th: t.start()
    for t in th: t.join()
    time.sleep(0.1)
phase_b_end = time.monotonic() - T_START
pgrep = subprocess.run(
    ["psql", "-X", "-At", "-F", " | ", os.environ["PRIMARY"], "-c",
     "SELECT application_name, state, coalesce(write_lag::text, '-'), coalesce(flush_lag::text, '-'), "
     "coalesce(replay_lag::text, '-'), pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) "
     "FROM pg_stat_replication ORDER BY application_name"],
    capture_output=True, text=True).stdout.strip()

# ---- c2. one article written after a quiet period ----
# The lag gauge and up, read as fast as they come (A and B in turn) from
# just before the create until 1 s after the publish.
IDLE = float(os.environ.get("IDLE_S", "7"))
time.sleep(IDLE)
quiet_from = writes_t[-1]
fast = []  # (t, instance, lag, up)
fast_on = True


def fast_sampler():
    while fast_on:
        for port in (A, B):
            try:
                m = metrics(port)
                lag = series(m, "barta_db_replica_lag_seconds")
                up = series(m, "barta_db_replica_up")
                fast.append((time.monotonic() - T_START, NAMES[port],
                             lag[0] if lag else float("nan"), up[0] if up else float("nan")))
            except Exception:
                pass
        time.sleep(0.005)


fs = threading.Thread(target=fast_sampler)
fs.start()
time.sleep(0.1)
idle_create_t0 = time.monotonic() - T_START
idle_aid = create(RUNS)
idle_create_t = writes_t[-1]
publish(RUNS, idle_aid)
idle_publish_t = writes_t[-1]
time.sleep(1)
fast_on = False
fs.join()
idle_end = time.monotonic() - T_START

# ---- d. the replica stopped under load ----
s, body = ca.req("GET", "/v1/articles?limit=50")
ids = [a["id"] for a in json.loads(body)["data"]]
stop_load = False
per_thread = []
T0 = time.monotonic()


def worker(seed):
    rnd = random.Random(seed)
    ev = []
    per_thread.append(ev)
    c = None
    while not stop_load:
        r = rnd.random()
        if r < 0.7:
            path = list_path(rnd)
        elif r < 0.9:
            path = list_path(rnd, f"/v1/sections/{SECTION}/articles")
        else:
            path = f"/v1/articles/{rnd.choice(ids)}"
        start = time.monotonic()
        try:
            if c is None:
                c = http.client.HTTPConnection("127.0.0.1", A, timeout=10)
            c.request("GET", path)
            resp = c.getresponse()
            resp.read()
            status = resp.status
        except Exception as e:  # counted, never retried
            status = type(e).__name__
            c.close(); c = None
        end = time.monotonic()
        ev.append((end - T0, status, (end - start) * 1000, path))


load_start_m = metrics(A)
workers = [threading.Thread(target=worker, args=(100 + i,)) for i in range(8)]
for t in workers: t.start()
time.sleep(5)
before_m = metrics(A)
stop_at = time.monotonic() - T0
pg_sampling = False
time.sleep(0.15)
stop_begin_t = time.monotonic() - T_START
stop_rc = subprocess.run(["bash", "-c", os.environ["STOP_CMD"]]).returncode
stopped_at = time.monotonic() - T0
stop_sample_t = time.monotonic() - T_START
time.sleep(max(0.0, 15 - (time.monotonic() - T0)))
stop_load = True
for t in workers: t.join()
load_end = time.monotonic() - T0
after_m = metrics(A)
after_b = metrics(B)
time.sleep(0.3)
sampling = False
smp.join()
alive = {}
for port in (A, B):
    try:
        alive[NAMES[port]] = Client(port, 3).req("GET", "/healthz")[0]
    except Exception as e:
        alive[NAMES[port]] = type(e).__name__

ev = sorted(e for lst in per_thread for e in lst)
total = len(ev)
by_status = {}
for _, st, _, _ in ev:
    by_status[st] = by_status.get(st, 0) + 1
bad = [e for e in ev if e[1] != 200]
pre = [e for e in ev if e[0] < stop_at]
post = [e for e in ev if e[0] - e[2] / 1000 >= stopped_at]
around = [e for e in ev if e[0] >= stop_at and e[0] - e[2] / 1000 < stopped_at]
r_start, r_before, r_after = reads(load_start_m), reads(before_m), reads(after_m)
up_after = series(after_m, "barta_db_replica_up")
lag_after = series(after_m, "barta_db_replica_lag_seconds")
down_seen = next((t for t, inst, lag, up in samples if inst == "A" and t >= stop_begin_t and up == 0), None)

# ---- c. lag summary ----
def lag_rows(label, t_from, t_to):
    rows = []
    for inst in ("A", "B"):
        v = [lag for t, i, lag, up in samples if i == inst and t_from <= t <= t_to]
        ups = [up for t, i, lag, up in samples if i == inst and t_from <= t <= t_to]
        fin = [x for x in v if x >= 0]
        rows.append(f"| {label} | {inst} | {len(v)} | {sum(1 for x in fin if x > 0)} | "
                    f"{sum(1 for x in v if x < 0)} | {pct(fin, .5) * 1000:.1f} | {pct(fin, .95) * 1000:.1f} | "
                    f"{max(fin, default=float('nan')) * 1000:.1f} | {sum(1 for u in ups if u == 0)} |")
    return rows

if not rot_ok:
    notes.append("no public read ran on the replica during a")
if create_failures:
    notes.append(f"`POST /v1/admin/articles` on A failed {len(create_failures)} times (answers "
                 f"{sorted(set(f[1] for f in create_failures))}) although the draft was written (see b)")
if publish_stale:
    notes.append(f"`POST …/publish` on A answered 200 with the article's state before the publish "
                 f"{len(publish_stale)} of {RUNS + 1} times (see b)")
if first_not_200["A"]:
    notes.append(f"A's first GET after the publish was not 200 {first_not_200['A']} times (read-your-writes)")
if any(x == float("inf") for v in lags.values() for x in v):
    notes.append("some articles were not visible within 10 s")
if [e for e in bad]:
    notes.append(f"{len(bad)} non-200 answers under load")
if up_after and up_after[0] != 0:
    notes.append(f"barta_db_replica_up is {up_after[0]:g} after the replica stopped")
fast_down = [f for f in fast if f[3] == 0]
if fast_down or [x for x in samples if x[0] < stop_begin_t and x[3] == 0]:
    notes.append(f"`barta_db_replica_up` read 0 while the replica was running ({len(fast_down)} of {len(fast)} fast "
                 f"readings around the write after {IDLE:.0f} s of quiet; "
                 f"{sum(1 for x in samples if x[0] < stop_begin_t and x[3] == 0)} of the 100 ms readings before the stop)")
if stop_rc != 0:
    notes.append(f"the stop command exited {stop_rc}")

L = []
w = L.append
w("# Read replica: rotation, write-to-visible, the replica stopped under load")
w("")
w(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; `{os.environ['BARTA']}`; 2-core machine; "
  f"PostgreSQL 127.0.0.1:5432 (primary) and a streaming hot standby (`scripts/replica.sh`, "
  f"{'already running' if os.environ['PREEXISTING'] == '1' else 'started by this script'}) as "
  f"`--read-database {os.environ['RURL']}`; instance A (`--demo`, :{A}) and B (:{B}) on the same "
  f"database and replica; no Redis (B hears of A's writes from the change-log poll, 1000 ms); "
  f"response cache on (list requests vary `limit`{' and `' + VARY + '`' if VARY else ''}).")
w("")
w("## Summary")
w("")
w(f"- a. replica rotation: {'yes' if rot_ok else 'NO'}: `barta_db_reads_total` on A primary {rot['A'][0]}, "
  f"replica {rot['A'][1]}; on B primary {rot['B'][0]}, replica {rot['B'][1]} "
  f"(after {n} varied list GETs per instance, {rot_elapsed:.1f} s)")
w(f"- b. write-to-visible ({len(lags['A'])} articles, GET /v1/articles/{{id}} every 10 ms from the publish's answer): "
  f"A p50 {ms(pct(lags['A'], .5))} ms, p95 {ms(pct(lags['A'], .95))} ms, max {ms(max(lags['A']))} ms; "
  f"B p50 {ms(pct(lags['B'], .5))} ms, p95 {ms(pct(lags['B'], .95))} ms, max {ms(max(lags['B']))} ms")
w(f"- b. read-your-writes: A's very first GET after the publish was not 200 in {first_not_200['A']} of "
  f"{len(lags['A'])} (expected 0); B's first GET was not 200 in {first_not_200['B']} of {len(lags['B'])}")
fin_all = [lag for t, i, lag, up in samples if lag >= 0 and t < stop_begin_t]
fin_fast = [f[2] for f in fast if f[2] >= 0]
w(f"- c. replica lag on /metrics while the replica ran: max {max(fin_all, default=float('nan')) * 1000:.1f} ms over "
  f"{sum(1 for x in samples if x[0] < stop_begin_t)} readings every 100 ms, {sum(1 for x in fin_all if x > 0)} of them above 0; "
  f"around one write after {IDLE:.0f} s of quiet: max {max(fin_fast, default=float('nan')) * 1000:.0f} ms, up = 0 in "
  f"{sum(1 for f in fast if f[3] == 0)} of {len(fast)} readings; the primary's replay_lag read directly: max "
  f"{max((g[1] for g in pgs if g[1] is not None), default=float('nan')):.1f} ms")
w(f"- d. replica stopped {stop_at:.1f} s into a {load_end:.1f} s load on A: {total} requests, "
  f"{len(bad)} not 200 (expected 0); reads before the stop primary {r_before[0] - r_start[0]}, "
  f"replica {r_before[1] - r_start[1]}; after it primary {r_after[0] - r_before[0]}, replica "
  f"{r_after[1] - r_before[1]}; `barta_db_replica_up` after: "
  f"{', '.join(f'{u:g}' for u in up_after) or 'absent'} (lag gauge {', '.join(f'{x:g}' for x in lag_after) or 'absent'})")
w(f"- problems: {'; '.join(notes) if notes else 'none'}")
w("")
w("## a. Rotation")
w("")
w(f"Varied `GET /v1/articles?limit=…` on both instances until both had served a read from the replica "
  f"(or 20 s): {n} per instance in {rot_elapsed:.1f} s; statuses on A: {statuses_a}.")
w("")
w("| instance | reads on the primary | reads on the replica |")
w("|---|---|---|")
w(f"| A | {rot['A'][0]} | {rot['A'][1]} |")
w(f"| B | {rot['B'][0]} | {rot['B'][1]} |")
w("")
w("## b. Write-to-visible")
w("")
w(f"Each of {RUNS} articles: `POST /v1/admin/articles` on A (section `{SECTION}`), `GET /v1/articles/{{id}}` once "
  f"on A and B (answers: {pre_status}), `POST …/publish` on A; then both instances polled every 10 ms "
  f"(keep-alive) until 200. Milliseconds from the publish's answer to the 200.")
w("")
w("| instance | p50 | p95 | max | min | first GET not 200 | first GET statuses | GETs until 200 (max) |")
w("|---|---|---|---|---|---|---|---|")
for nm in ("A", "B"):
    w(f"| {nm} | {ms(pct(lags[nm], .5))} | {ms(pct(lags[nm], .95))} | {ms(max(lags[nm]))} | {ms(min(lags[nm]))} | "
      f"{first_not_200[nm]} | {first_status[nm]} | {max(poll_counts[nm])} |")
w("")
w(f"Creates that failed: {len(create_failures)} of {RUNS + 1} (b's and c's; the draft was written anyway; the run went on with "
  f"its id, read from the primary); publishes that "
  f"answered a state other than `published`: {len(publish_stale)} of {RUNS + 1}.")
if create_failures:
    w("")
    w("| trial | create answered | body | on the primary (id status version) |")
    w("|---|---|---|---|")
    for t, st, b, wr in create_failures:
        w(f"| {t} | {st} | `{b}` | {wr} |")
if publish_stale:
    w("")
    w("Publish answers (200) that showed the article as it was before the publish, beside what the "
      "primary holds (read after the run):")
    w("")
    w("| trial | id | answered | on the primary |")
    w("|---|---|---|---|")
    for t, aid_, ans in publish_stale:
        r = subprocess.run(["psql", "-X", "-At", os.environ["DBURL"], "-c",
                            f"SELECT status || ' v' || version FROM articles WHERE id = {int(aid_)}"],
                           capture_output=True, text=True).stdout.strip()
        w(f"| {t} | {aid_} | {ans} | {r} |")
w("")
w("All lags (ms), in order: ")
for nm in ("A", "B"):
    w(f"- {nm}: {' '.join(ms(x) for x in lags[nm])}")
w("")
w("## c. The replica's lag on /metrics")
w("")
w("`barta_db_replica_lag_seconds` and `barta_db_replica_up` sampled every 100 ms on each instance "
  "(-1 means not known; the gauge is -1 only before the first probe). Then, after b, "
  f"{IDLE:.0f} s without writes and one article created and published through A.")
w("")
w("| when | instance | samples | lag > 0 | lag -1 | p50 (ms) | p95 (ms) | max (ms) | up = 0 |")
w("|---|---|---|---|---|---|---|---|---|")
L.extend(lag_rows(f"b ({phase_b_end - phase_b_start:.1f} s)", phase_b_start, phase_b_end))
L.extend(lag_rows(f"quiet ({IDLE:.0f} s), one write, 1 s", phase_b_end, idle_end))
L.extend(lag_rows("d, before the stop", idle_end, stop_begin_t))
L.extend(lag_rows("d, while stopping", stop_begin_t, stop_sample_t))
L.extend(lag_rows("d, after the stop", stop_sample_t, float("inf")))
w("")
w("")
w(f"One write after a quiet period: the previous write was answered {idle_create_t0 - quiet_from:.1f} s before "
  f"the create; the gauges read as fast as they come (A and B in turn, {len(fast)} readings) from 0.1 s before "
  f"the create until 1 s after the publish. Readings with lag > 0 or up = 0 (ms from the create's answer; the "
  f"publish was answered at {(idle_publish_t - idle_create_t) * 1000:.0f} ms):")
w("")
odd = [f for f in fast if f[2] != 0 or f[3] != 1]
if odd:
    w("| ms after the create | instance | lag (ms) | up |")
    w("|---|---|---|---|")
    for t, inst, lag, up in odd[:40]:
        w(f"| {(t - idle_create_t) * 1000:.0f} | {inst} | {lag * 1000:.1f} | {up:g} |")
else:
    w("(none: lag 0 and up 1 throughout)")
w("")
pos = [x for x in samples if x[0] < stop_begin_t and (x[2] > 0 or x[3] == 0)]
w(f"Every 100 ms reading before the stop with lag > 0 or up = 0 ({len(pos)}), beside the time since the "
  "script's last write was answered:")
w("")
if pos:
    w("| s into the run | instance | lag (ms) | up | ms since the last write | nearest direct reading: primary's replay_lag (ms), replica all replayed, replica's last replayed commit (ms ago) |")
    w("|---|---|---|---|---|---|")
    for t, inst, lag, up in pos[:40]:
        prev = max((x for x in writes_t if x <= t), default=None)
        near = min(pgs, key=lambda g: abs(g[0] - t)) if pgs else None
        direct = "-" if near is None else f"{'-' if near[1] is None else f'{near[1]:.1f}'}, {'yes' if near[2] else 'no'}, {near[3]:.0f}"
        w(f"| {t:.2f} | {inst} | {lag * 1000:.1f} | {up:g} | {'-' if prev is None else f'{(t - prev) * 1000:.0f}'} | {direct} |")
w("")
rl = [g[1] for g in pgs if g[1] is not None]
w(f"Read directly every ~100 ms while the replica ran ({len(pgs)} readings): the primary's "
  f"`pg_stat_replication.replay_lag` p50 {pct(rl, .5):.1f} ms, p95 {pct(rl, .95):.1f} ms, max {max(rl, default=float('nan')):.1f} ms; "
  f"the replica had WAL received but not yet replayed in {sum(1 for g in pgs if not g[2])} of them.")
w("")
w("The primary's `pg_stat_replication` after b (application, state, write_lag, flush_lag, replay_lag, replay bytes behind):")
w("")
w("```")
w(pgrep or "(no standby connected)")
w("```")
w("")
w("## d. The replica stopped under load")
w("")
w(f"8 clients (Python http.client, keep-alive, closed loop, a failed request counted and not retried) "
  f"read from A for {load_end:.1f} s: 70 % `/v1/articles` with a varied query, 20 % `/v1/sections/{SECTION}/articles` "
  f"likewise, 10 % one of {len(ids)} articles. Stopped the replica at {stop_at:.2f} s: "
  f"{os.environ['STOP_DESC']}; it was gone at {stopped_at:.2f} s (exit {stop_rc}).")
w("")
w(f"- requests: {total} ({total / load_end:.0f}/s); by status: {by_status}")
w(f"- non-200: {len(bad)} (expected 0)")
lat = lambda v: f"p50 {pct([e[2] for e in v], .5):.1f} ms, p99 {pct([e[2] for e in v], .99):.1f} ms, max {max((e[2] for e in v), default=float('nan')):.1f} ms"
w(f"- before the stop: {len(pre)} requests, {lat(pre)}")
w(f"- in flight across the stop: {len(around)} requests, statuses "
  f"{ {s: sum(1 for e in around if e[1] == s) for s in set(e[1] for e in around)} }, {lat(around)}")
w(f"- sent after the stop: {len(post)} requests, {lat(post)}")
w(f"- `barta_db_reads_total` on A: load start primary {r_start[0]}, replica {r_start[1]}; at the stop "
  f"primary {r_before[0]}, replica {r_before[1]}; at the end primary {r_after[0]}, replica {r_after[1]}")
w(f"  - before the stop: primary +{r_before[0] - r_start[0]}, replica +{r_before[1] - r_start[1]}")
w(f"  - after the stop: primary +{r_after[0] - r_before[0]}, replica +{r_after[1] - r_before[1]}")
w(f"- `barta_db_replica_up` after: A {', '.join(f'{u:g}' for u in up_after) or 'absent'}, "
  f"B {', '.join(f'{u:g}' for u in series(after_b, 'barta_db_replica_up')) or 'absent'}; "
  f"first sample with up = 0 on A: "
  f"{f'{(down_seen - stop_begin_t) * 1000:.0f} ms after the SIGQUIT/stop began' if down_seen is not None else 'none'}")
w(f"- the servers after the run: /healthz A {alive['A']}, B {alive['B']}")
if bad:
    w("")
    w("First non-200 answers (s into the load, status, ms, path):")
    w("")
    w("```")
    for e in bad[:15]:
        w(f"{e[0]:.3f} {e[1]} {e[2]:.1f} {e[3]}")
    w("```")
w("")
w("| second | requests | 200 | other | p99 (ms) | max (ms) |")
w("|---|---|---|---|---|---|")
for sec in range(int(load_end) + 1):
    v = [e for e in ev if sec <= e[0] < sec + 1]
    if not v:
        continue
    mark = " (stop)" if sec <= stop_at < sec + 1 else ""
    w(f"| {sec}{mark} | {len(v)} | {sum(1 for e in v if e[1] == 200)} | {sum(1 for e in v if e[1] != 200)} | "
      f"{pct([e[2] for e in v], .99):.1f} | {max(e[2] for e in v):.1f} |")
open(OUT, "w").write("\n".join(L) + "\n")
print("\n".join(L[:12]))
PY

{
  echo
  echo "## A's log lines about the replica (WARN/ERROR and replica lines)"
  echo
  echo '```'
  grep -aiE 'replica|ERROR|WARN' "$WORK/barta-a.log" | grep -v 'BARTA_PUBLIC_URL' | tail -25 | cut -c1-400 || true
  echo '```'
  echo
  echo "B: $(grep -acE 'ERROR' "$WORK/barta-b.log" || true) ERROR lines, $(grep -acE 'WARN' "$WORK/barta-b.log" || true) WARN lines."
} >> "$OUT"
echo "results: $OUT"
