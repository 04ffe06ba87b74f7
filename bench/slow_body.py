#!/usr/bin/env python3
"""The slow-body attack of issue 16, against servers side by side.

Usage: bench/slow_body.py NAME=URL [NAME=URL ...] [--clients 1030] [--seconds 20] [--out FILE]

For each server in turn: `--clients` connections each send
`POST /graphql` with `Content-Length: 100000` and then one byte a second;
meanwhile normal requests (`GET /v1/articles?limit=5`, a new connection
each, 20 a second) are counted by status. Reports the normal requests'
success rate and latency during the attack, and what the slow clients were
answered. Standard library only; 127.0.0.1 only; stops by itself.
"""
import asyncio
import collections
import sys
import time
from urllib.parse import urlparse


async def slow_client(host, port, seconds, answers):
    try:
        r, w = await asyncio.open_connection(host, port)
    except OSError:
        answers["connect failed"] += 1
        return
    head = (
        "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: 100000\r\n\r\n{"
    ).encode()
    try:
        w.write(head)
        await w.drain()
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                line = await asyncio.wait_for(r.readline(), timeout=1.0)
                status = line.decode(errors="replace").split(" ")[1] if line else "closed"
                answers[status] += 1
                return
            except asyncio.TimeoutError:
                w.write(b" ")
                await w.drain()
        answers["no answer yet"] += 1
    except (ConnectionError, OSError, IndexError):
        answers["reset"] += 1
    finally:
        w.close()


async def normal_request(host, port, results):
    start = time.monotonic()
    try:
        r, w = await asyncio.wait_for(asyncio.open_connection(host, port), 5)
        w.write(b"GET /v1/articles?limit=5 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        await w.drain()
        line = await asyncio.wait_for(r.readline(), 10)
        status = line.decode(errors="replace").split(" ")[1]
        await asyncio.wait_for(r.read(), 10)
        w.close()
    except Exception as e:  # timeout, reset
        status = type(e).__name__
    results.append((status, time.monotonic() - start))


async def attack(url, clients, seconds):
    u = urlparse(url)
    answers = collections.Counter()
    results = []
    slow = [asyncio.create_task(slow_client(u.hostname, u.port, seconds, answers)) for _ in range(clients)]
    await asyncio.sleep(1.0)  # let the slow clients connect and send their heads
    normals = []
    end = time.monotonic() + seconds - 2
    while time.monotonic() < end:
        normals.append(asyncio.create_task(normal_request(u.hostname, u.port, results)))
        await asyncio.sleep(0.05)
    await asyncio.gather(*normals)
    await asyncio.gather(*slow)
    return answers, results


def main():
    args = sys.argv[1:]
    opts = {"--clients": "1030", "--seconds": "20", "--out": None}
    for k in list(opts):
        if k in args:
            i = args.index(k)
            opts[k] = args[i + 1]
            args = args[:i] + args[i + 2 :]
    servers = [a.split("=", 1) for a in args]
    clients, seconds = int(opts["--clients"]), float(opts["--seconds"])
    rows = []
    for name, url in servers:
        answers, results = asyncio.run(attack(url, clients, seconds))
        ok = [t for s, t in results if s == "200"]
        codes = collections.Counter(s for s, _ in results)
        lat = sorted(t for _, t in results)
        p50 = lat[len(lat) // 2] if lat else 0
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else 0
        row = (name, len(results), len(ok), dict(codes), p50, p99, dict(answers))
        print(row, flush=True)
        rows.append(row)
    if opts["--out"]:
        with open(opts["--out"], "w") as f:
            f.write("| server | normal requests | answered 200 | statuses | p50 | p99 | the slow clients got |\n|---|---|---|---|---|---|---|\n")
            for name, n, ok, codes, p50, p99, answers in rows:
                f.write(
                    f"| {name} | {n} | {ok} ({100 * ok / max(n, 1):.1f} %) | {codes} | {p50 * 1000:.1f} ms | {p99 * 1000:.1f} ms | {answers} |\n"
                )


if __name__ == "__main__":
    main()
