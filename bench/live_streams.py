#!/usr/bin/env python3
"""Live-page event streams under load (issue 20), in one run.

Usage: bench/live_streams.py [--bin target/release/barta] [--pg URL]
       [--streams 1000] [--posts 50] [--seconds 10] [--connections 32]
       [--out bench/results/live-streams.md]

A fresh `barta serve --demo --cache off` on PostgreSQL and one published
live article, then:

1. the uncached read benchmark (bench/loadgen, closed loop,
   `--connections` connections for `--seconds` on the latest list, an
   article and a section list) with no stream open;
2. `--streams` SSE streams opened from this process (asyncio, raw HTTP/1.1)
   and the server's resident memory before and after (memory per stream);
3. `--posts` posts written through REST 100 ms apart: the time from each
   post's 201 to its `post` event on every stream (p50/p99 over all
   stream × post pairs);
4. the same read benchmark with the streams still open.

127.0.0.1 only; stops by itself.
"""
import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
import urllib.request
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PORT = 18760

p = argparse.ArgumentParser()
p.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "barta"))
p.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/test")
p.add_argument("--streams", type=int, default=1000)
p.add_argument("--posts", type=int, default=50)
p.add_argument("--seconds", type=float, default=10.0)
p.add_argument("--connections", type=int, default=32)
p.add_argument("--out", default=os.path.join(HERE, "results", "live-streams.md"))
a = p.parse_args()


def call(method, path, key, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", data=data, method=method)
    req.add_header("authorization", f"Bearer {key}")
    if data is not None:
        req.add_header("content-type", "application/json")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"null")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q / 100 * (len(xs) - 1))))]


def loadgen_bin():
    d = os.path.join(HERE, "loadgen")
    subprocess.run(["cargo", "build", "--release", "--locked", "-q"], cwd=d, check=True)
    return os.path.join(d, "target", "release", "loadgen")


def read_bench(loadgen, paths):
    out = subprocess.run(
        [loadgen, "--addr", f"127.0.0.1:{PORT}", "--paths", paths,
         "--connections", str(a.connections), "--duration", str(a.seconds)],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


class Streams:
    def __init__(self, article, n):
        self.article = article
        self.n = n
        self.arrivals = {}  # post id -> list of arrival times
        self.conns = []
        self.opened = 0

    async def one(self, gate):
        # Connect a few at a time, as readers arriving would: a thousand
        # handshakes at once would be shed by the database admission gate.
        async with gate:
            r, w = await asyncio.open_connection("127.0.0.1", PORT)
            w.write(f"GET /v1/articles/{self.article}/posts/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            await w.drain()
            head = await r.readuntil(b"\r\n\r\n")
        if b" 200 " not in head.split(b"\r\n", 1)[0]:
            raise RuntimeError(head.decode(errors="replace"))
        self.opened += 1
        self.conns.append(w)
        buf = b""
        while True:
            chunk = await r.read(65536)
            if not chunk:
                return
            now = time.time()
            buf += chunk
            # Chunked transfer: frames may be split; look for post ids.
            while b"\n\n" in buf:
                frame, buf = buf.split(b"\n\n", 1)
                if b"event: post" in frame:
                    i = frame.find(b'data: ')
                    try:
                        data = json.loads(frame[i + 6:].split(b"\r\n")[0])
                        self.arrivals.setdefault(data["id"], []).append(now)
                    except Exception:
                        pass

    async def open_all(self):
        gate = asyncio.Semaphore(16)
        self.tasks = [asyncio.create_task(self.one(gate)) for _ in range(self.n)]
        while self.opened < self.n:
            await asyncio.sleep(0.05)
            failed = [t for t in self.tasks if t.done() and t.exception()]
            if failed:
                raise failed[0].exception()

    def close(self):
        for t in self.tasks:
            t.cancel()
        for w in self.conns:
            w.close()


async def run_streams(article, key, pid, loadgen, paths):
    before = rss_kib(pid)
    s = Streams(article, a.streams)
    await s.open_all()
    await asyncio.sleep(1)
    after = rss_kib(pid)
    lat = []
    loop = asyncio.get_running_loop()
    for n in range(a.posts):
        made = await loop.run_in_executor(None, lambda n=n: call(
            "POST", f"/v1/admin/articles/{article}/posts", key,
            {"bodyText": f"আপডেট {n}: কেন্দ্রের ফল এসেছে।"}))
        done = time.time()
        pid_ = made["data"]["id"]
        deadline = time.time() + 30
        while len(s.arrivals.get(pid_, [])) < a.streams and time.time() < deadline:
            await asyncio.sleep(0.005)
        lat.extend((t - done) * 1000 for t in s.arrivals.get(pid_, []))
        await asyncio.sleep(0.1)
    # The read benchmark with the streams still open.
    loaded = await loop.run_in_executor(None, read_bench, loadgen, paths)
    open_now = s.opened - sum(1 for t in s.tasks if t.done())
    s.close()
    return before, after, lat, loaded, open_now


def main():
    work = tempfile.mkdtemp(prefix="barta-live-")
    db = a.pg.rsplit("/", 1)[0] + "/barta_live_bench"
    subprocess.run(["psql", a.pg, "-qc", "DROP DATABASE IF EXISTS barta_live_bench"], check=True)
    subprocess.run(["psql", a.pg, "-qc", "CREATE DATABASE barta_live_bench"], check=True)
    env = dict(os.environ, RUST_LOG="warn", BARTA_STREAMS_PER_CLIENT=str(a.streams + 10))
    key = subprocess.run([a.bin, "keys", "create", "--name", "bench", "--scope", "editor", "--database", db],
                         env=env, check=True, capture_output=True, text=True).stdout.split()[-1]
    server = subprocess.Popen(
        [a.bin, "serve", "--database", db, "--bind", f"127.0.0.1:{PORT}", "--demo", "--cache", "off",
         "--index-dir", os.path.join(work, "index")],
        env=env, stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "log"), "w"))
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/readyz", timeout=1)
                break
            except Exception:
                time.sleep(0.1)
        loadgen = loadgen_bin()
        art = call("POST", "/v1/admin/articles", key, {
            "headline": "ভোটের ফল: সরাসরি", "section": "national",
            "bodyText": "গণনা চলছে।", "kind": "live"})["data"]["id"]
        call("POST", f"/v1/admin/articles/{art}/publish", key, {})
        latest = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{PORT}/v1/articles?limit=5").read())
        one = latest["data"][1]["id"]
        paths = os.path.join(work, "paths")
        with open(paths, "w") as f:
            f.write(f"/v1/articles?limit=20\n/v1/articles/{one}\n/v1/sections/national/articles?limit=20\n")
        base = read_bench(loadgen, paths)
        before, after, lat, loaded, open_now = asyncio.run(
            run_streams(art, key, server.pid, loadgen, paths))
    finally:
        server.terminate()
        server.wait(timeout=30)
        subprocess.run(["psql", a.pg, "-qc", "DROP DATABASE IF EXISTS barta_live_bench"], check=False)
        shutil.rmtree(work, ignore_errors=True)
    per_stream = (after - before) / a.streams
    text = "\n".join([
        "# Live-page event streams (issue 20)",
        "",
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, `bench/live_streams.py`, release build, "
        f"{os.cpu_count()} cores, PostgreSQL, demo content, response cache off; streams and load "
        "from this machine (127.0.0.1), side by side in one run.",
        "",
        "| | figure |",
        "|---|---|",
        f"| open streams | {a.streams} |",
        f"| post 201 → `post` event on a stream, p50 ({len(lat)} stream × post pairs of {a.posts} posts) | {pct(lat, 50):.1f} ms |",
        f"| … p99 / max | {pct(lat, 99):.1f} / {max(lat):.1f} ms |",
        f"| events that arrived | {len(lat)} of {a.streams * a.posts} |",
        f"| server RSS before → after opening the streams | {before / 1024:.1f} → {after / 1024:.1f} MiB |",
        f"| memory per open stream | {per_stream:.1f} KiB |",
        "",
        f"Uncached reads (loadgen closed loop, {a.connections} connections, {a.seconds:.0f} s; latest 20, an article, a section list):",
        "",
        "| | req/s | p50 | p99 |",
        "|---|---|---|---|",
        f"| no stream open | {base['ok']['per_second']:.0f} | {base['ok']['p50_ms']:.2f} ms | {base['ok']['p99_ms']:.2f} ms |",
        f"| {open_now} streams open | {loaded['ok']['per_second']:.0f} | {loaded['ok']['p50_ms']:.2f} ms | {loaded['ok']['p99_ms']:.2f} ms |",
        f"| non-2xx or failed answers (no stream / streams) | {base['requests'] - base['ok']['count']} / {loaded['requests'] - loaded['ok']['count']} | | |",
        "",
    ])
    with open(a.out, "w") as f:
        f.write(text)
    print(text)
    print(json.dumps({"base": base, "loaded": loaded}))


if __name__ == "__main__":
    main()
