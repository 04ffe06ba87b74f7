#!/usr/bin/env python3
"""Search and related latency on a large archive (run by run_discovery.sh).

Sequential requests over HTTP to a release server on 127.0.0.1, bounded in
count; reports p50/p99 per query class and the server's RSS.
"""
import argparse
import json
import random
import statistics
import time
import urllib.parse
import urllib.error
import urllib.request

p = argparse.ArgumentParser()
p.add_argument("--base", default="http://127.0.0.1:8191")
p.add_argument("--pid", type=int, required=True)
p.add_argument("--n", type=int, default=400)
p.add_argument("--out", required=True)
p.add_argument("--articles", type=int, default=0)
p.add_argument("--build-seconds", type=float, default=0)
p.add_argument("--index-bytes", type=int, default=0)
a = p.parse_args()
rng = random.Random(3)


def get(path):
    t = time.perf_counter()
    with urllib.request.urlopen(a.base + path, timeout=30) as r:
        body = r.read()
    return (time.perf_counter() - t) * 1000, json.loads(body)


def rss_mb():
    for line in open(f"/proc/{a.pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# Words and phrases drawn from the archive's own headlines.
_, page = get("/v1/articles?limit=50")
heads = [x["headline"] for x in page["data"]]
cursor = page["page"]["nextCursor"]
for _ in range(20):
    _, page = get(f"/v1/articles?limit=50&cursor={cursor}")
    heads += [x["headline"] for x in page["data"]]
    cursor = page["page"]["nextCursor"]
    if not cursor:
        break
words = [w for h in heads for w in h.split() if len(w) > 2]
# Related sources spread over the archive (ids are dense from 1).
ids = list(range(1, max(2, a.articles), max(1, a.articles // 1000)))


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * q))]


classes = {
    "1 word": lambda: rng.choice(words),
    "3 words": lambda: " ".join(rng.sample(words, 3)),
    "phrase": lambda: '"' + " ".join(rng.choice(heads).split()[:2]) + '"',
}
rows = []
rss_before = rss_mb()
for name, make in classes.items():
    lat, hits = [], 0
    for _ in range(a.n):
        q = urllib.parse.quote(make())
        ms, body = get(f"/v1/search?q={q}&limit=20")
        lat.append(ms)
        hits += body["page"]["total"] > 0
    rows.append((name, statistics.median(lat), pct(lat, 0.99), hits / a.n))
lat = []
for _ in range(a.n):
    try:
        ms, _ = get(f"/v1/articles/{rng.choice(ids)}/related?limit=5")
    except urllib.error.HTTPError:
        continue  # a skipped corpus line left a gap in the ids
    lat.append(ms)
rows.append(("related (5)", statistics.median(lat), pct(lat, 0.99), 1.0))
rss_after = rss_mb()

out = [
    "# Search and related: latency on a large archive",
    "",
    f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {a.articles} articles; release build; response cache off; "
    f"sequential HTTP requests on 127.0.0.1, {a.n} per class; 2-core machine.",
    "",
    f"- index build (`barta reindex`): {a.build_seconds:.1f} s; index size {a.index_bytes / 1e6:.0f} MB",
    f"- server RSS: {rss_before:.0f} MB before, {rss_after:.0f} MB after the run",
    "",
    "| query | p50 ms | p99 ms | share with hits |",
    "|---|---|---|---|",
]
out += [f"| {n} | {p50:.1f} | {p99:.1f} | {h:.0%} |" for n, p50, p99, h in rows]
open(a.out, "w", encoding="utf-8").write("\n".join(out) + "\n")
print("\n".join(out))
