#!/usr/bin/env python3
"""How fast hostile GraphQL requests are refused (issue 8).

Sends each hostile request N times, sequentially, over HTTP/1.1 keep-alive to
a running server on 127.0.0.1, checks it was refused with the expected code,
and writes the latency (client side, request sent → whole answer read) to a
markdown table. A normal small query is timed the same way for comparison.
    bench/hostile_graphql.py --base http://127.0.0.1:8080 --out bench/results/hostile-graphql.md
"""
import argparse
import http.client
import json
import statistics
import time
import urllib.parse

p = argparse.ArgumentParser()
p.add_argument("--base", default="http://127.0.0.1:8080")
p.add_argument("--n", type=int, default=20)
p.add_argument("--out", required=True)
a = p.parse_args()
u = urllib.parse.urlparse(a.base)
conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)


def post(body: bytes):
    t = time.perf_counter()
    conn.request("POST", "/graphql", body=body, headers={"content-type": "application/json"})
    r = conn.getresponse()
    data = r.read()
    return (time.perf_counter() - t) * 1000, r.status, data


deep = "{ " + "articles(first: 1) { edges { node { section { " * 250 + "slug " + "}" * 1000 + " }"
aliases_100 = "{ " + " ".join(f"a{i}: sections {{ slug }}" for i in range(100)) + " }"
aliases_10k = "{ " + " ".join(f"a{i}: sections {{ slug }}" for i in range(10_000)) + " }"
of_type = "ofType { " * 20 + "name " + "}" * 20
cases = [
    ("a normal query (sections)", json.dumps({"query": "{ sections { slug name } }"}), None),
    ("1,000-deep selection", json.dumps({"query": deep}), "QUERY_TOO_DEEP"),
    ("100 aliases", json.dumps({"query": aliases_100}), "TOO_MANY_ALIASES"),
    ("10,000 aliases (~250 KB)", json.dumps({"query": aliases_10k}), "QUERY_TOO_LARGE"),
    ("10,000 aliases, compact (~130 KB)", json.dumps({"query": "{ " + "x:__typename " * 10_000 + "}"}), "QUERY_TOO_LARGE"),
    ("1 MB document", json.dumps({"query": "{ sections { slug } }" + " " * (1 << 20)}), "REQUEST_TOO_LARGE"),
    ("batch of 1,000 operations", json.dumps([{"query": "{ sections { slug } }"}] * 1000), "BATCH_TOO_LARGE"),
    ("introspection, 20 nested ofType", json.dumps({"query": "{ __schema { types { fields { type { " + of_type + " } } } } }"}), "QUERY_TOO_DEEP"),
    ("complexity: 40 × articles(first: 100)", json.dumps({"query": "{ " + " ".join(f"a{i}: articles(first: 100) {{ edges {{ node {{ id headline }} }} }}" for i in range(40)) + " }"}), "QUERY_TOO_COMPLEX"),
]
rows = []
for name, body, expected in cases:
    raw = body.encode()
    lat, got = [], None
    for _ in range(a.n):
        try:
            ms, status, data = post(raw)
        except (http.client.HTTPException, ConnectionError):
            conn.close()  # the server closed the connection after a 413
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
            continue
        lat.append(ms)
        try:
            doc = json.loads(data)
            first = doc[0] if isinstance(doc, list) else doc
            got = ((first.get("errors") or [{}])[0].get("extensions") or {}).get("code", f"HTTP {status}")
        except ValueError:
            got = f"HTTP {status}"
        if not first.get("errors"):
            got = "ok"
    ok = (got == expected) or (expected is None and got == "ok")
    rows.append((name, len(raw), got, ok, statistics.median(lat), max(lat)))

out = [
    "# Hostile GraphQL: time to refuse",
    "",
    f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; release build; {a.n} sequential requests each over "
    "one keep-alive connection on 127.0.0.1; client-side time from sending to the last byte of the answer.",
    "",
    "| request | bytes | answer | as expected | median ms | max ms |",
    "|---|---|---|---|---|---|",
]
out += [f"| {n} | {b:,} | `{g}` | {'yes' if ok else 'NO'} | {m:.2f} | {mx:.2f} |" for n, b, g, ok, m, mx in rows]
open(a.out, "w", encoding="utf-8").write("\n".join(out) + "\n")
print("\n".join(out))
