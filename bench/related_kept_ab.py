#!/usr/bin/env python3
"""Related stories kept per article (issues 18 and 22): two builds side by
side, each on its own copy of the archive (a build without the kept lists
cannot open a database that has their migration).

Usage: bench/related_kept_ab.py NAME=BINARY:INDEX_DIR:DATABASE_URL ...

Each database holds the large archive (bench/run_discovery.sh's 6 copies of
the corpus, `barta import` + `barta reindex`). Builds alternate for two
rounds; each is started with the response cache off, then:

* first visits: 3,000 ids never asked before, each once (16 at a time);
* related-cold: 15 s over 20,000 other ids never asked before (first visits);
* related-revisit: 15 s over the 3,000 ids of the first visits;
* article (by id, a control for the machine's drift), related (500 random
  ids, as bench/search_load.py) and page (the mobile article page in one
  GraphQL GET request, the same 500 ids): 3 s warm-up, then 15 s.

32 connections, closed loop (bench/loadgen); 127.0.0.1 only; stops by itself.
Prints a markdown table (req/s per round, median p50/p99)."""
import json, os, random, statistics, subprocess, sys, time, urllib.request
HERE = os.path.dirname(os.path.abspath(__file__))
PORT = 18620
builds = [s.split("=", 1) for s in sys.argv[1:]]
builds = [(n, *r.split(":", 2)) for n, r in builds]  # name, binary, index, db
ROUNDS, SECONDS, CONN, MAX_ID = 2, 15, 32, 109000
lg = os.path.join(HERE, "loadgen", "target", "release", "loadgen")
work = "/tmp/barta-related-kept"; os.makedirs(work, exist_ok=True)
rng = random.Random(7)
def write(name, lines):
    f = os.path.join(work, name)
    open(f, "w").write("".join(l + "\n" for l in lines)); return f
rel = write("related.paths", [f"/v1/articles/{rng.randint(1, MAX_ID)}/related?limit=5" for _ in range(500)])
art = write("article.paths", [f"/v1/articles/{rng.randint(1, MAX_ID)}" for _ in range(500)])
import urllib.parse
PAGE = 'query Page($id: ID!) { article(id: $id) { id headline kicker summary publishedAt publishedAtBn body { __typename ... on ParagraphBlock { text } } section { slug name } authors { slug name } tags { slug name } commentCount related(first: 5) { id headline publishedAt } moreFromSection(first: 5) { id headline publishedAt } } }'
page = write("page.paths", ["/graphql?query=" + urllib.parse.quote(PAGE) + "&variables=" + urllib.parse.quote(json.dumps({"id": str(l.split('/')[3])})) for l in open(rel).read().split()])
perm = list(range(1, MAX_ID + 1)); random.Random(11).shuffle(perm)
chunk = 20000
def serve(binary, index, db):
    env = dict(os.environ, BARTA_CACHE="off")
    p = subprocess.Popen([binary, "serve", "--database", db, "--index-dir", index, "--bind", f"127.0.0.1:{PORT}"],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/readyz", timeout=2); return p
        except Exception:
            time.sleep(1)
    p.kill(); sys.exit("no start")
def run(f, s):
    r = subprocess.run([lg, "--addr", f"127.0.0.1:{PORT}", "--paths", f, "--connections", str(CONN), "--duration", str(s)],
                       check=True, capture_output=True, text=True)
    return json.loads(r.stdout)
res = {}
k = 0
for rnd in range(ROUNDS):
    for name, binary, index, db in builds:
        wset = perm[80000 + k*3000:80000 + (k+1)*3000]
        revisit = write(f"revisit-{rnd}-{name}.paths", [f"/v1/articles/{i}/related?limit=5" for i in wset])
        cold = write(f"cold-{rnd}-{name}.paths", [f"/v1/articles/{i}/related?limit=5" for i in perm[k*chunk:(k+1)*chunk]]); k += 1
        p = serve(binary, index, db)
        try:
            # Every id of the revisit set asked once (first visits), then
            # other first visits (the cold class) move the memos on.
            from concurrent.futures import ThreadPoolExecutor
            t0 = time.time()
            with ThreadPoolExecutor(16) as ex:
                codes = list(ex.map(lambda i: urllib.request.urlopen(f"http://127.0.0.1:{PORT}/v1/articles/{i}/related?limit=5", timeout=30).status, wset))
            print(rnd, name, "first visits", len(codes), f"{len(codes)/(time.time()-t0):.0f}/s", file=sys.stderr, flush=True)
            for cls, f in [("related-cold", cold), ("related-revisit", revisit), ("article", art), ("related", rel), ("page", page)]:
                if cls in ("article", "related", "page"):
                    run(f, 3)
                r = run(f, SECONDS)
                res.setdefault((cls, name), []).append(r)
                print(rnd, name, cls, json.dumps(r["ok"]), r["requests"], file=sys.stderr, flush=True)
        finally:
            p.terminate(); p.wait()
print("| class | build | 2xx/s (rounds) | p50 ms | p99 ms | non-2xx |\n|---|---|---|---|---|---|")
for cls in ["related", "page", "related-cold", "related-revisit", "article"]:
    for name, *_ in builds:
        rs = res[(cls, name)]; ok = [r["ok"] for r in rs]
        med = lambda key: statistics.median(x[key] for x in ok)
        print(f"| {cls} | {name} | {' · '.join('%.0f' % x['per_second'] for x in ok)} | {med('p50_ms'):.1f} | {med('p99_ms'):.1f} | {sum(r['requests'] - r['ok']['count'] for r in rs)} |")
