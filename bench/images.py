#!/usr/bin/env python3
"""Issue 21 benchmark: pictures, side by side in one run.

1. Upload throughput: distinct 4000 x 3000 photos (generated here, sent as
   PNG; the server stores each as a 4000 x 3000 JPEG master), one at a time.
2. Rendition rate: the first request for `800w.webp`, then `800w.jpg`, of
   each uploaded picture, two at a time (the server builds at most two at
   once on this two-core machine): renditions per second from the
   4000 x 3000 JPEG.
3. An already-made rendition under load (bench/loadgen, closed loop, 32
   connections, 10 s): req/s and p99, beside nginx serving the same bytes as
   a static file (the ceiling), when nginx is installed.

Release build, SQLite, 127.0.0.1 only; stops by itself. Writes
bench/results/images.md.
    python3 bench/images.py [--pictures 8] [--binary target/release/barta]
"""

import http.client
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PORT = 18931
NGINX_PORT = 18932


def arg(name, default):
    if name in sys.argv:
        return sys.argv[sys.argv.index(name) + 1]
    return default


def png(w, h, seed):
    """A photo-like gradient with a seed-dependent pattern (not a flat
    colour: the encoders work as on a photo)."""
    reds = bytes((x * 255 // w) & 0xFF for x in range(w))
    rows = []
    for y in range(h):
        row = bytearray(3 * w)
        row[0::3] = reds
        row[1::3] = bytes([(y * 255 // h) & 0xFF]) * w
        row[2::3] = bytes((((x >> 3) ^ (y >> 3)) * 8 + seed * 37) & 0xFF for x in range(w))
        rows.append(b"\x00" + bytes(row))
    raw = b"".join(rows)

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 1)) + chunk(b"IEND", b""))


def request(method, path, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


def loadgen():
    d = os.path.join(HERE, "loadgen")
    subprocess.run(["cargo", "build", "--release", "--locked", "-q"], cwd=d, check=True)
    return os.path.join(d, "target", "release", "loadgen")


def load(lg, port, path):
    f = "/tmp/images-bench-paths.txt"
    with open(f, "w") as out:
        out.write(path + "\n")
    out = subprocess.run([lg, "--addr", f"127.0.0.1:{port}", "--paths", f, "--connections", "32",
                          "--duration", "10"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    n = int(arg("--pictures", "8"))
    binary = arg("--binary", os.path.join(ROOT, "target", "release", "barta"))
    work = tempfile.mkdtemp(prefix="barta-images-bench-")
    db = f"sqlite://{work}/b.db?mode=rwc"
    key = subprocess.run([binary, "keys", "create", "--name", "bench", "--scope", "editor",
                          "--database", db], check=True, capture_output=True, text=True).stdout
    key = next(w for w in key.split() if w.startswith("barta_"))
    log = open(os.path.join(work, "server.log"), "w")
    proc = subprocess.Popen([binary, "serve", "--database", db, "--bind", f"127.0.0.1:{PORT}"],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/readyz", timeout=1)
                break
            except Exception:
                time.sleep(0.2)
        print(f"generating {n} pictures of 4000 x 3000 ...", flush=True)
        files = [png(4000, 3000, i) for i in range(n)]
        auth = {"authorization": f"Bearer {key}", "content-type": "image/png"}
        ids = []
        t0 = time.perf_counter()
        for f in files:
            status, body = request("POST", "/v1/admin/images", f, auth)
            assert status == 201, (status, body[:300])
            # The picture's URL segment: `{id}-{key}`.
            ids.append(json.loads(body)["data"]["url"].split("/images/")[1].split("/")[0])
        upload_s = time.perf_counter() - t0
        mb = sum(len(f) for f in files) / 1e6
        print(f"uploads: {n / upload_s:.2f}/s, {mb / upload_s:.1f} MB/s", flush=True)

        from concurrent.futures import ThreadPoolExecutor

        rates = {}
        for fmt in ("webp", "jpg"):
            def one(i, fmt=fmt):
                status, body = request("GET", f"/images/{i}/800w.{fmt}")
                assert status == 200, status
                return len(body)
            t0 = time.perf_counter()
            with ThreadPoolExecutor(2) as ex:
                sizes = list(ex.map(one, ids))
            s = time.perf_counter() - t0
            rates[fmt] = (n / s, sum(sizes) / len(sizes) / 1024)
            print(f"800w.{fmt}: {n / s:.2f} renditions/s, {rates[fmt][1]:.0f} KiB each", flush=True)

        lg = loadgen()
        hot = f"/images/{ids[0]}/800w.webp"
        ours = load(lg, PORT, hot)
        print(f"hot rendition: {ours['ok']['per_second']:.0f} req/s p99 {ours['ok']['p99_ms']:.2f} ms", flush=True)
        ceiling = None
        if shutil.which("nginx"):
            status, body = request("GET", hot)
            root = os.path.join(work, "static")
            os.makedirs(root, exist_ok=True)
            with open(os.path.join(root, "800w.webp"), "wb") as out:
                out.write(body)
            conf = os.path.join(work, "nginx.conf")
            with open(conf, "w") as out:
                out.write(f"""user root; worker_processes 2; pid {work}/nginx.pid; error_log {work}/nginx.err;
events {{ worker_connections 1024; }}
http {{ access_log off; sendfile on; tcp_nopush on; keepalive_requests 1000000;
  server {{ listen 127.0.0.1:{NGINX_PORT}; root {root};
    location / {{ add_header Cache-Control "public, max-age=31536000, immutable"; etag on; }} }} }}
""")
            subprocess.run(["nginx", "-c", conf], check=True)
            try:
                time.sleep(0.5)
                ceiling = load(lg, NGINX_PORT, "/800w.webp")
                assert ceiling["ok"]["count"] > 0, ceiling
            finally:
                subprocess.run(["nginx", "-c", conf, "-s", "stop"])
            print(f"nginx static: {ceiling['ok']['per_second']:.0f} req/s p99 {ceiling['ok']['p99_ms']:.2f} ms")
    finally:
        proc.terminate()
        proc.wait(timeout=30)

    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lines = [
        "# Pictures (bench/images.py)",
        "",
        f"{stamp}; release build, SQLite, 2 cores, one run, everything side by side.",
        f"{n} distinct 4000 x 3000 pictures ({mb / n:.1f} MB PNG each on the wire; stored as JPEG masters).",
        "",
        "| measure | figure |",
        "|---|---|",
        f"| upload (one at a time: receive, sniff, decode, orient, re-encode, hash, store) | {n / upload_s:.2f} pictures/s, {mb / upload_s:.1f} MB/s |",
        f"| first request of 800w.webp from the 4000 x 3000 JPEG (2 at a time) | {rates['webp'][0]:.2f} renditions/s ({rates['webp'][1]:.0f} KiB each) |",
        f"| first request of 800w.jpg from the 4000 x 3000 JPEG (2 at a time) | {rates['jpg'][0]:.2f} renditions/s ({rates['jpg'][1]:.0f} KiB each) |",
        f"| an already-made 800w.webp, 32 connections, 10 s | {ours['ok']['per_second']:.0f} req/s, p50 {ours['ok']['p50_ms']:.2f} ms, p99 {ours['ok']['p99_ms']:.2f} ms, errors {ours['requests'] - ours['ok']['count']} |",
    ]
    if ceiling:
        lines.append(
            f"| the same bytes from nginx (static ceiling), 32 connections, 10 s | {ceiling['ok']['per_second']:.0f} req/s, p50 {ceiling['ok']['p50_ms']:.2f} ms, p99 {ceiling['ok']['p99_ms']:.2f} ms |")
    else:
        lines.append("| static ceiling | nginx not installed: not measured |")
    with open(os.path.join(HERE, "results", "images.md"), "w") as out:
        out.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
