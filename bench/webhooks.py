#!/usr/bin/env python3
"""Webhook delivery figures (issue 19), SQLite and PostgreSQL in one run.

Usage: bench/webhooks.py [--bin target/release/barta] [--pg URL]
       [--writes 200] [--scheduled 20] [--backlog 500] [--hooks 4]
       [--out bench/results/webhooks.md]

For each database a fresh `barta serve` (demo content, webhooks allowed to
call 127.0.0.1) and a receiver in this process (a threaded HTTP server that
answers 204 at once) on 127.0.0.1:

* **latency after a write**: `--writes` times, publish a draft through the
  REST API and time from the publish response to the `article.published`
  request at the receiver (one at a time, so the queue is empty);
* **scheduled instant to delivery**: schedule `--scheduled` drafts a few
  seconds ahead (250 ms apart) and time from each `publishAt` to its
  `article.golive` request (no write happens at that instant);
* **throughput**: `--hooks` webhooks; the receiver holds every hook's first
  request until `--backlog` articles are published (so their deliveries
  queue up), then answers everything at once: deliveries per second from
  the release to the last request, all hooks together (each hook is sent
  one delivery at a time, in order, so hooks are the unit of parallelism).

127.0.0.1 only; stops by itself.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

p = argparse.ArgumentParser()
p.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "barta"))
p.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/test")
p.add_argument("--writes", type=int, default=200)
p.add_argument("--scheduled", type=int, default=20)
p.add_argument("--backlog", type=int, default=500)
p.add_argument("--hooks", type=int, default=4)
p.add_argument("--out", default=os.path.join(HERE, "results", "webhooks.md"))
a = p.parse_args()

PORT = 18710
RECEIVER_PORT = 18711


class Receiver:
    def __init__(self):
        self.lock = threading.Condition()
        self.got = []  # (arrival, body)
        self.gate = threading.Event()
        self.gate.set()
        rec = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                n = int(self.headers.get("content-length", "0"))
                body = json.loads(self.rfile.read(n))
                at = time.time()
                rec.gate.wait(120)
                with rec.lock:
                    rec.got.append((at, body))
                    rec.lock.notify_all()
                self.send_response(204)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", RECEIVER_PORT), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, pred, timeout=60):
        deadline = time.time() + timeout
        with self.lock:
            while True:
                hit = [g for g in self.got if pred(g[1])]
                if hit:
                    return hit
                left = deadline - time.time()
                if left <= 0:
                    raise TimeoutError("no webhook request")
                self.lock.wait(left)

    def count(self, pred):
        with self.lock:
            return sum(1 for g in self.got if pred(g[1]))

    def stop(self):
        self.gate.set()
        self.server.shutdown()
        self.server.server_close()


def call(method, path, key, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", data=data, method=method)
    req.add_header("authorization", f"Bearer {key}")
    if data is not None:
        req.add_header("content-type", "application/json")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"null")


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q / 100 * (len(xs) - 1))))]


def draft(key, n, tag):
    body = {
        "headline": f"ওয়েবহুক পরীক্ষা {tag} {n}",
        "slug": f"webhook-bench-{tag}-{n}",
        "section": "national",
        "bodyText": "পরীক্ষার লেখা।",
    }
    return call("POST", "/v1/admin/articles", key, body)["data"]["id"]


def run(name, url, work):
    # A long attempt timeout: the throughput run holds the first requests
    # while the backlog is written.
    env = dict(os.environ, BARTA_WEBHOOK_ALLOW_PRIVATE="1", BARTA_WEBHOOK_TIMEOUT_MS="60000",
               RUST_LOG="warn")
    subprocess.run([a.bin, "migrate", "--database", url], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    key = subprocess.run(
        [a.bin, "keys", "create", "--name", "bench", "--scope", "admin", "--database", url],
        env=env, check=True, capture_output=True, text=True,
    ).stdout.split()[-1]
    rec = Receiver()
    server = subprocess.Popen(
        [a.bin, "serve", "--database", url, "--bind", f"127.0.0.1:{PORT}", "--demo",
         "--index-dir", os.path.join(work, f"{name}.index")],
        env=env, stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, f"{name}.log"), "w"),
    )
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/readyz", timeout=1)
                break
            except Exception:
                time.sleep(0.1)
        hook = call("POST", "/v1/admin/webhooks", key, {
            "url": f"http://127.0.0.1:{RECEIVER_PORT}/hook",
            "events": ["article.published", "article.golive"],
        })["data"]["id"]

        # Latency after a write.
        lat = []
        for n in range(a.writes):
            aid = draft(key, n, f"{name}-w")
            call("POST", f"/v1/admin/articles/{aid}/publish", key, {})
            done = time.time()
            got = rec.wait_for(lambda b, aid=aid: b["type"] == "article.published" and b["data"]["id"] == aid)
            lat.append((got[0][0] - done) * 1000)

        # Scheduled instant to delivery.
        start = datetime.now(timezone.utc) + timedelta(seconds=4)
        plan = []
        for n in range(a.scheduled):
            aid = draft(key, n, f"{name}-s")
            at = start + timedelta(milliseconds=250 * n)
            call("POST", f"/v1/admin/articles/{aid}/schedule", key,
                 {"publishAt": at.isoformat(timespec="milliseconds").replace("+00:00", "Z")})
            plan.append((aid, at.timestamp()))
        sched = []
        for aid, at in plan:
            got = rec.wait_for(lambda b, aid=aid: b["type"] == "article.golive" and b["data"]["id"] == aid)
            sched.append((got[0][0] - at) * 1000)

        # Throughput: hold the first request of every hook, queue a backlog.
        call("DELETE", f"/v1/admin/webhooks/{hook}", key)
        hooks = [call("POST", "/v1/admin/webhooks", key, {
            "url": f"http://127.0.0.1:{RECEIVER_PORT}/t{h}",
            "events": ["article.published"],
        })["data"]["id"] for h in range(a.hooks)]
        before = rec.count(lambda b: True)
        rec.gate.clear()
        t_write = time.time()
        for n in range(a.backlog):
            aid = draft(key, n, f"{name}-t")
            call("POST", f"/v1/admin/articles/{aid}/publish", key, {})
        write_s = time.time() - t_write
        released = time.time()
        rec.gate.set()
        want = before + a.backlog * a.hooks
        deadline = time.time() + 600
        with rec.lock:
            while len(rec.got) < want and time.time() < deadline:
                rec.lock.wait(1)
            last = max(g[0] for g in rec.got)
            n_got = len(rec.got) - before
        # Arrival times of held requests are before the release: count from it.
        drain = max(last, released) - released
        return {
            "lat": lat, "sched": sched, "drained": n_got, "drain_s": drain,
            "writes_per_s": a.backlog / write_s,
        }
    finally:
        rec.stop()
        server.terminate()
        server.wait(timeout=20)


def main():
    work = tempfile.mkdtemp(prefix="barta-webhooks-")
    results = {}
    try:
        results["SQLite"] = run("sqlite", f"sqlite://{work}/bench.db?mode=rwc", work)
        pg = a.pg.rsplit("/", 1)[0] + "/barta_webhook_bench"
        subprocess.run(["psql", a.pg, "-qc", "DROP DATABASE IF EXISTS barta_webhook_bench"], check=True)
        subprocess.run(["psql", a.pg, "-qc", "CREATE DATABASE barta_webhook_bench"], check=True)
        results["PostgreSQL"] = run("pg", pg, work)
        subprocess.run(["psql", a.pg, "-qc", "DROP DATABASE IF EXISTS barta_webhook_bench"], check=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    cpu = os.cpu_count()
    lines = [
        "# Webhook delivery (issue 19)",
        "",
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, `bench/webhooks.py`, release build, "
        f"{cpu} cores, both databases in one run; receiver on 127.0.0.1 answering 204 at once.",
        "",
        "| | SQLite | PostgreSQL |",
        "|---|---|---|",
    ]
    def row(label, f):
        lines.append(f"| {label} | " + " | ".join(f(results[k]) for k in ("SQLite", "PostgreSQL")) + " |")
    row(f"publish response → request at receiver, p50 (n={a.writes})", lambda r: f"{pct(r['lat'], 50):.1f} ms")
    row("… p99", lambda r: f"{pct(r['lat'], 99):.1f} ms")
    row(f"scheduled instant → `article.golive` at receiver, p50 (n={a.scheduled})", lambda r: f"{pct(r['sched'], 50):.1f} ms")
    row("… p99 / max", lambda r: f"{pct(r['sched'], 99):.1f} / {max(r['sched']):.1f} ms")
    row(f"backlog of {a.backlog} changes × {a.hooks} hooks drained", lambda r: f"{r['drained']} in {r['drain_s']:.2f} s")
    row("deliveries per second (all hooks)", lambda r: f"{r['drained'] / max(r['drain_s'], 1e-9):.0f}")
    row("… per hook (one at a time, in order)", lambda r: f"{r['drained'] / a.hooks / max(r['drain_s'], 1e-9):.0f}")
    row("publishes per second while queueing (REST, one client)", lambda r: f"{r['writes_per_s']:.0f}")
    text = "\n".join(lines) + "\n"
    with open(a.out, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
