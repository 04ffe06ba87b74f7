#!/usr/bin/env python3
"""The overload drill of issue 16 (item 3): servers side by side, one run.

Usage: bench/overload.py NAME=BINARY [NAME=BINARY ...] [--factor 5]
       [--seconds 20] [--out bench/results/overload.md]

For each build in turn, on a fresh PostgreSQL database with the demo
content and the response cache off (every request reaches the database):
1. capacity: a closed loop of 64 connections for 10 s over a mix of lists,
   section lists, articles, search and related stories; what it serves a
   second (2xx) is the build's capacity;
2. overload: an open loop at `--factor` × the highest capacity of the
   builds (the same offered load for every build), for `--seconds`.
Each latency runs from the request's scheduled start (bench/loadgen, no
coordinated omission). Reported per build: capacity, and under overload
the answers by class (2xx, 503 overloaded, 503 database unavailable,
other, failed), the latency of the admitted (2xx) requests and of the
shed ones, and the ERROR lines the server logged during the overload.

Needs PostgreSQL at $PG (default postgres://postgres@127.0.0.1:5432) and
builds bench/loadgen on first use. 127.0.0.1 only; stops by itself.
"""
import json
import os
import re
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PG = os.environ.get("PG", "postgres://postgres@127.0.0.1:5432")
PORT = int(os.environ.get("OVERLOAD_PORT", "18610"))


def arg(name, default):
    if name in sys.argv:
        return sys.argv[sys.argv.index(name) + 1]
    return default


def loadgen():
    d = os.path.join(HERE, "loadgen")
    subprocess.run(["cargo", "build", "--release", "--locked", "-q"], cwd=d, check=True)
    return os.path.join(d, "target", "release", "loadgen")


def psql(sql):
    subprocess.run(["psql", f"{PG}/postgres", "-qc", sql], check=True,
                   stdout=subprocess.DEVNULL)


def get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.loads(r.read())


def start(binary, name):
    db = f"barta_overload_{name}"
    psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{db}"')
    log = open(f"/tmp/overload-{name}.log", "w+")
    env = dict(os.environ, BARTA_CACHE="off", RUST_LOG="info")
    proc = subprocess.Popen(
        [binary, "serve", "--database", f"{PG}/{db}", "--bind", f"127.0.0.1:{PORT}",
         "--demo", "--index-dir", f"/tmp/overload-{name}-index"],
        stdout=log, stderr=subprocess.STDOUT, env=env)
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/readyz", timeout=1)
            return proc, log, db
        except Exception:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"{name} did not start; see /tmp/overload-{name}.log")


def stop(proc, log, db, name):
    proc.terminate()
    proc.wait(timeout=30)
    log.close()
    psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    subprocess.run(["rm", "-rf", f"/tmp/overload-{name}-index"])


def paths_file():
    base = f"http://127.0.0.1:{PORT}"
    items = get(f"{base}/v1/articles?limit=50")["data"]
    ids = [a["id"] for a in items]
    sections = sorted({a["section"]["slug"] for a in items if a.get("section")})
    paths = ["/v1/articles?limit=20"] * 4
    paths += [f"/v1/articles?limit=20&section={s}" for s in sections]
    paths += [f"/v1/articles/{i}" for i in ids]
    paths += [f"/v1/articles/{i}/related" for i in ids[:10]]
    for q in ["%E0%A6%A2%E0%A6%BE%E0%A6%95%E0%A6%BE", "%E0%A6%96%E0%A7%87%E0%A6%B2%E0%A6%BE",
              "%E0%A6%AC%E0%A6%BE%E0%A6%9C%E0%A7%87%E0%A6%9F"]:  # ঢাকা, খেলা, বাজেট
        paths.append(f"/v1/search?q={q}")
    for p in paths:
        urllib.request.urlopen(base + p, timeout=5).read()
    f = "/tmp/overload-paths.txt"
    with open(f, "w") as out:
        out.write("\n".join(paths) + "\n")
    return f


def run_load(lg, paths, **kw):
    cmd = [lg, "--addr", f"127.0.0.1:{PORT}", "--paths", paths]
    for k, v in kw.items():
        cmd += [f"--{k.replace('_', '-')}", str(v)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def errors_in(log, since):
    log.flush()
    with open(log.name, errors="replace") as f:
        f.seek(since)
        text = f.read()
    return len(re.findall(r"\bERROR\b", text))


def main():
    builds = [a.split("=", 1) for a in sys.argv[1:] if "=" in a and not a.startswith("--")]
    factor = float(arg("--factor", "5"))
    seconds = float(arg("--seconds", "20"))
    out_path = arg("--out", os.path.join(HERE, "results", "overload.md"))
    lg = loadgen()
    capacity = {}
    for name, binary in builds:
        proc, log, db = start(binary, name)
        paths = paths_file()
        run_load(lg, paths, connections=64, duration=3)  # warm-up
        capacity[name] = run_load(lg, paths, connections=64, duration=10)
        stop(proc, log, db, name)
        print(name, "capacity", round(capacity[name]["ok"]["per_second"]), "req/s", flush=True)
    rate = factor * max(c["ok"]["per_second"] for c in capacity.values())
    rows = []
    for name, binary in builds:
        proc, log, db = start(binary, name)
        paths = paths_file()
        run_load(lg, paths, connections=64, duration=3)  # warm-up
        log.flush()
        since = os.path.getsize(log.name)
        r = run_load(lg, paths, rate=round(rate), duration=seconds, timeout=15)
        r["error_lines"] = errors_in(log, since)
        stop(proc, log, db, name)
        rows.append((name, r))
        print(name, json.dumps(r), flush=True)
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lines = [
        f"# Overload drill ({stamp})", "",
        f"PostgreSQL, demo content, response cache off, 2 workers; {factor:g}× the highest "
        f"capacity = **{rate:.0f} requests/s offered** for {seconds:g} s, open loop "
        "(latency from each request's scheduled start). Capacity: a closed loop of 64 "
        "connections for 10 s. `bench/overload.py`, `bench/loadgen`.", "",
        "| build | capacity (2xx/s) | offered | 2xx | 2xx/s | 2xx p50 / p99 / max (ms) "
        "| 503 overloaded | its p99 (ms) | 503 unavailable | other | failed (no answer in 15 s) "
        "| ERROR log lines |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in rows:
        ok, ov = r["ok"], r["overloaded"]
        lines.append(
            f"| {name} | {capacity[name]['ok']['per_second']:.0f} | {r['requests']} | {ok['count']} "
            f"| {ok['per_second']:.0f} | {ok['p50_ms']:.0f} / {ok['p99_ms']:.0f} / {ok['max_ms']:.0f} "
            f"| {ov['count']} | {ov['p99_ms']:.0f} | {r['unavailable']['count']} "
            f"| {r['other']['count']} | {r['failed']['count']} | {r['error_lines']} |")
    lines += ["", "Raw:", "", "```"]
    lines += [f"{n} capacity {json.dumps(capacity[n])}" for n, _ in builds]
    lines += [f"{n} overload {json.dumps(r)}" for n, r in rows]
    lines += ["```", ""]
    with open(out_path, "w") as f:
        f.write("\n".join(lines))
    print("wrote", out_path)


if __name__ == "__main__":
    main()
