#!/usr/bin/env python3
"""Search and related latency under 32 concurrent connections (issue 18),
builds side by side in one run.

Usage: bench/search_load.py --db URL NAME=BINARY:INDEX_DIR [NAME=BINARY:INDEX_DIR ...]
       [--connections 32] [--seconds 15] [--rounds 2] [--out bench/results/search-load.md]

The database must hold the large archive (bench/run_discovery.sh's 6 copies
of the corpus, `barta import` + `barta reindex` per build into its own
index directory). Each build is started in turn on the same database with
the response cache off (every request is a real search), warmed up, then
bench/loadgen runs a closed loop of `--connections` connections for
`--seconds` per class:

* bengali: the name, topic and number queries of bench/search_queries.json;
* banglish: its romanised (kind banglish) queries;
* related: `/v1/articles/{id}/related?limit=5` for 500 random ids.

Builds alternate for `--rounds` rounds (before, after, before, after…) so
that a change in the machine's speed hits both; the table reports the
median of the rounds' p50/p99. 127.0.0.1 only; stops by itself.
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PORT = 18620

p = argparse.ArgumentParser()
p.add_argument("--db", required=True)
p.add_argument("builds", nargs="+")
p.add_argument("--connections", type=int, default=32)
p.add_argument("--seconds", type=float, default=15.0)
p.add_argument("--rounds", type=int, default=2)
p.add_argument("--max-id", type=int, default=109000)
p.add_argument("--out", default=os.path.join(HERE, "results", "search-load.md"))
a = p.parse_args()


def loadgen():
    d = os.path.join(HERE, "loadgen")
    subprocess.run(["cargo", "build", "--release", "--locked", "-q"], cwd=d, check=True)
    return os.path.join(d, "target", "release", "loadgen")


def paths(work):
    queries = json.load(open(os.path.join(HERE, "search_queries.json")))["queries"]
    out = {}
    for cls, kinds in [("bengali", {"name", "topic", "number"}), ("banglish", {"banglish"})]:
        f = os.path.join(work, f"{cls}.paths")
        with open(f, "w") as fh:
            for q in queries:
                if q["kind"] in kinds:
                    fh.write("/v1/search?q=" + urllib.parse.quote(q["q"]) + "&limit=10\n")
        out[cls] = f
    rng = random.Random(7)
    f = os.path.join(work, "related.paths")
    with open(f, "w") as fh:
        for _ in range(500):
            fh.write(f"/v1/articles/{rng.randint(1, a.max_id)}/related?limit=5\n")
    out["related"] = f
    return out


def serve(binary, index):
    env = dict(os.environ, BARTA_CACHE="off")
    proc = subprocess.Popen(
        [binary, "serve", "--database", a.db, "--index-dir", index, "--bind", f"127.0.0.1:{PORT}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/readyz", timeout=2)
            return proc
        except Exception:
            time.sleep(1)
    proc.kill()
    sys.exit(f"{binary} did not start")


def run(lg, path_file, seconds):
    r = subprocess.run([lg, "--addr", f"127.0.0.1:{PORT}", "--paths", path_file,
                        "--connections", str(a.connections), "--duration", str(seconds)],
                       check=True, capture_output=True, text=True)
    return json.loads(r.stdout)


def main():
    lg = loadgen()
    work = "/tmp/barta-search-load"
    os.makedirs(work, exist_ok=True)
    files = paths(work)
    builds = []
    for spec in a.builds:
        name, rest = spec.split("=", 1)
        binary, index = rest.rsplit(":", 1)
        builds.append((name, binary, index))
    results = {(n, c): [] for n, _, _ in builds for c in files}
    for rnd in range(a.rounds):
        for name, binary, index in builds:
            proc = serve(binary, index)
            try:
                for cls, f in files.items():
                    run(lg, f, 3)  # warm-up, not counted
                    res = run(lg, f, a.seconds)
                    results[(name, cls)].append(res)
                    print(rnd, name, cls, json.dumps(res["ok"]), file=sys.stderr)
            finally:
                proc.terminate()
                proc.wait()
    lines = [
        "# Search and related under concurrency: builds side by side",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; database `{a.db}`; "
        f"closed loop of {a.connections} connections, {a.seconds:g} s per class after a 3 s warm-up; "
        f"response cache off; {a.rounds} alternating rounds, the median of the rounds shown; "
        "2-core machine (load generator on the same machine).",
        "",
        "Builds: " + "; ".join(f"{n} = `{b}` (index `{i}`)" for n, b, i in builds),
        "",
        "| class | build | 2xx/s | p50 ms | p99 ms | non-2xx |",
        "|---|---|---|---|---|---|",
    ]
    for cls in files:
        for name, _, _ in builds:
            rs = results[(name, cls)]
            ok = [r["ok"] for r in rs]
            other = sum(r["requests"] - r["ok"]["count"] for r in rs)
            med = lambda k: statistics.median(x[k] for x in ok)
            lines.append(f"| {cls} | {name} | {med('per_second'):.0f} | {med('p50_ms'):.1f} | "
                         f"{med('p99_ms'):.1f} | {other} |")
    lines.append("")
    with open(a.out, "w") as fh:
        fh.write("\n".join(lines))
    print("\n".join(lines))


main()
