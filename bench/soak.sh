#!/usr/bin/env bash
# Soak: a steady mixed read load against one running Barta for N minutes,
# sampling the server's RSS every 5 s; writes a CSV, a markdown summary and
# (with matplotlib) a PNG plot to bench/results/.
#   bench/soak.sh BASE_URL SERVER_PID [MINUTES=10] [LABEL=soak]
# The mix: latest, section latest, random article, random related, search
# for a random word of a small list, front, RSS; 8 connections (wrk, closed
# loop), so the server is busy the whole time. Stops by itself.
set -euo pipefail
cd "$(dirname "$0")"
BASE="$1"
PID="$2"
MINUTES="${3:-10}"
LABEL="${4:-soak}"
STAMP=$(date -u +%Y%m%d-%H%M)
OUT="results/$LABEL-$STAMP"
MAX_ID=$(curl -sf "$BASE/v1/articles?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["id"])')
LUA=$(mktemp /tmp/soak.XXXX.lua)
cat > "$LUA" <<LUA
math.randomseed(20261129)
local words = {"%E0%A6%A2%E0%A6%BE%E0%A6%95%E0%A6%BE", "%E0%A6%96%E0%A7%87%E0%A6%B2%E0%A6%BE",
               "%E0%A6%A8%E0%A6%BF%E0%A6%B0%E0%A7%8D%E0%A6%AC%E0%A6%BE%E0%A6%9A%E0%A6%A8"}
request = function()
  local r = math.random(100)
  local id = math.random($MAX_ID)
  local path
  if r <= 30 then path = "/v1/articles?limit=20"
  elseif r <= 45 then path = "/v1/sections/sports/articles?limit=20"
  elseif r <= 75 then path = "/v1/articles/" .. id
  elseif r <= 85 then path = "/v1/articles/" .. id .. "/related?limit=5"
  elseif r <= 92 then path = "/v1/search?q=" .. words[math.random(#words)]
  elseif r <= 97 then path = "/v1/front"
  else path = "/feeds/rss.xml" end
  return wrk.format("GET", path)
end
LUA
echo "t_seconds,rss_mb,anon_mb,file_mb" > "$OUT.csv"
SECONDS_TOTAL=$((MINUTES * 60))
wrk -t1 -c8 -d"${SECONDS_TOTAL}s" --latency -s "$LUA" "$BASE" > "$OUT-wrk.txt" 2>&1 &
WRK=$!
START=$(date +%s)
while kill -0 "$WRK" 2>/dev/null; do
  NOW=$(( $(date +%s) - START ))
  # Anonymous memory (heap: caches, buffers) and file pages (the search
  # index's memory map, reclaimable page cache) apart.
  RSS=$(awk '/^VmRSS/ {r=$2} /^RssAnon/ {a=$2} /^RssFile/ {f=$2} END {printf "%.1f,%.1f,%.1f", r/1024, a/1024, f/1024}' "/proc/$PID/status")
  echo "$NOW,$RSS" >> "$OUT.csv"
  sleep 5
done
rm -f "$LUA"
python3 - "$OUT" "$MINUTES" <<'PY'
import csv, sys
out, minutes = sys.argv[1], sys.argv[2]
full = [(int(t), float(r), float(a), float(f)) for t, r, a, f in list(csv.reader(open(out + ".csv")))[1:]]
rows = [(t, r) for t, r, _, _ in full]
wrk = open(out + "-wrk.txt").read()
first = [r for t, r in rows if 60 <= t <= 120] or [r for _, r in rows]
last = [r for t, r in rows if t >= rows[-1][0] - 60]
lines = [f"# Soak: {minutes} minutes of mixed reads", "",
         f"RSS (MB): start {rows[0][1]:.0f}; mean of minute 2 (caches warm) {sum(first)/len(first):.0f}; "
         f"mean of the last minute {sum(last)/len(last):.0f}; max {max(r for _, r in rows):.0f}; "
         f"at the end {full[-1][2]:.0f} anonymous + {full[-1][3]:.0f} file-backed (the search index's map)", "",
         "```", wrk.strip(), "```"]
open(out + ".md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines[:3]))
try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 3))
    ax.plot([t / 60 for t, *_ in full], [r for _, r, _, _ in full], label="RSS")
    ax.plot([t / 60 for t, *_ in full], [a for _, _, a, _ in full], label="anonymous")
    ax.plot([t / 60 for t, *_ in full], [f for *_, f in full], label="file-backed")
    ax.legend(loc="lower right")
    ax.set_xlabel("minutes"); ax.set_ylabel("RSS MB"); ax.set_ylim(bottom=0)
    ax.set_title(f"barta RSS under a steady mixed read load ({minutes} min)")
    fig.tight_layout(); fig.savefig(out + ".png", dpi=100)
except ImportError:
    pass
PY
echo "results: $OUT.md"
