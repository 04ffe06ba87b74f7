#!/usr/bin/env python3
"""The GraphQL fragment bomb of issue 16, against one or more servers side by side.

Usage: bench/graphql_fragment_bomb.py NAME=URL [NAME=URL ...] [--out FILE]

Each fragment spreads the previous one twice (`fragment F1 on Section
{ ...F0 ...F0 }`, ...), so a document of about 1 KB expands to 2^levels
fields. For 20, 26 and 30 levels it records, per server, the time to an
answer (60 s at most), the answer's `extensions.code`, and the time of a
normal request sent while the bomb is in flight (a worker held by the bomb
delays it). Standard library only.
"""
import json
import sys
import threading
import time
import urllib.error
import urllib.request

LEVELS = [20, 26, 30]
TIMEOUT = 60.0


def bomb(levels):
    q = "query { sections { ...F%d } }\nfragment F0 on Section { slug name }\n" % levels
    for i in range(1, levels + 1):
        q += "fragment F%d on Section { ...F%d ...F%d }\n" % (i, i - 1, i - 1)
    return q


def post(url, query, timeout=TIMEOUT):
    body = json.dumps({"query": query}).encode()
    req = urllib.request.Request(
        url + "/graphql", data=body, headers={"content-type": "application/json"}
    )
    start = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            data = json.loads(res.read())
    except urllib.error.HTTPError as e:
        data = json.loads(e.read() or b"{}")
    except Exception as e:  # timeout, connection reset
        return time.monotonic() - start, "no answer (%s)" % type(e).__name__
    code = ((data.get("errors") or [{}])[0].get("extensions") or {}).get("code", "ok")
    return time.monotonic() - start, code


def run(name, url, levels):
    doc = bomb(levels)
    result = {}

    def attack():
        result["bomb"] = post(url, doc)

    t = threading.Thread(target=attack)
    t.start()
    time.sleep(0.2)
    normal = post(url, "{ sections { slug } }", timeout=TIMEOUT)
    t.join()
    return {
        "server": name,
        "levels": levels,
        "bytes": len(doc),
        "seconds": round(result["bomb"][0], 3),
        "code": result["bomb"][1],
        "normal_seconds": round(normal[0], 3),
        "normal_code": normal[1],
    }


def main():
    args = sys.argv[1:]
    out = None
    if "--out" in args:
        i = args.index("--out")
        out = args[i + 1]
        args = args[:i] + args[i + 2 :]
    servers = [a.split("=", 1) for a in args]
    rows = []
    for levels in LEVELS:
        for name, url in servers:
            row = run(name, url, levels)
            print(json.dumps(row, ensure_ascii=False), flush=True)
            rows.append(row)
    if out:
        with open(out, "w") as f:
            f.write("| server | levels | document | answer after | code | a normal request sent meanwhile |\n")
            f.write("|---|---|---|---|---|---|\n")
            for r in rows:
                f.write(
                    "| %s | %d | %d B | %.3f s | %s | %.3f s (%s) |\n"
                    % (r["server"], r["levels"], r["bytes"], r["seconds"], r["code"], r["normal_seconds"], r["normal_code"])
                )


if __name__ == "__main__":
    main()
