#!/usr/bin/env python3
"""Search quality: reader queries against hand-judged relevant articles (issue 18).

`bench/search_queries.json` holds 54 short queries (40 in Bengali, 14 of them
again in Latin letters, kind banglish) written for this
benchmark, each with the corpus ids of the pool articles a reader typing it
wants, a kind (name, topic, number, phrase, legacy, prefix) and a short
English note. How they were judged is in its `method`. The pool is the 510
articles of `bench/related_events.json` (labelled events + distractors); the
article text stays in the shared corpus (`../shared/corpus/bn-news.jsonl.gz`
next to the repository, other publishers' copyrighted text) and is read at
run time only, never copied into the repository.

For each server given with `--base NAME=URL` (several, so that two builds
are measured side by side in one run) every query is sent as
GET /v1/search?q=...&limit=10, one request at a time, the servers taking
turns query by query. Results are mapped back to corpus ids by the slug the
pool import gives every article (`rq-<corpus id lowercased>`), falling back
to an exact headline match within the pool; anything else counts as a
result outside the pool (never relevant). Per query:

* reciprocal rank: 1/rank of the first relevant result within the top 10,
  0 when there is none;
* recall@10: share of the query's relevant articles in the top 10.

Reported: MRR@10 and mean recall@10 overall and per kind, queries with no
relevant result in the top 10, zero-result queries, and the p50/max latency
of the search requests (sequential HTTP, wall clock as seen by this script).

Running it
----------
Each server must hold exactly the pool (see bench/related_quality.py
`--write-pool` and `barta import`), e.g. two builds on copies of one pool
database with separate index directories:

    barta serve --database "sqlite:///tmp/sq/before.db?mode=rwc" --index-dir /tmp/sq/before.index --bind 127.0.0.1:8401 &
    barta serve --database "sqlite:///tmp/sq/after.db?mode=rwc"  --index-dir /tmp/sq/after.index  --bind 127.0.0.1:8402 &
    python3 bench/search_quality.py --base before=http://127.0.0.1:8401 after=http://127.0.0.1:8402

Without `--base` it only checks the query file against the pool and the
corpus. The report goes to `--out` (default
bench/results/search_quality.md); `--hand-out /tmp/FILE` also writes every
query's top 10 with headlines for a hand check (corpus text: refused inside
the repository). Standard library only.
"""
import argparse
import gzip
import hashlib
import json
import os
import statistics
import sys
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
KINDS = ["name", "topic", "number", "phrase", "legacy", "prefix", "banglish"]
K = 10

p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
p.add_argument("--queries", default=os.path.join(HERE, "search_queries.json"))
p.add_argument("--labels", default=os.path.join(HERE, "related_events.json"), help="defines the pool")
p.add_argument(
    "--corpus",
    default=os.path.normpath(os.path.join(REPO, "..", "shared", "corpus", "bn-news.jsonl.gz")),
    help="the shared corpus (default: ../shared/corpus/bn-news.jsonl.gz next to the repository)",
)
p.add_argument("--base", nargs="+", default=[], metavar="NAME=URL",
               help="servers to measure, e.g. before=http://127.0.0.1:8401 after=http://127.0.0.1:8402")
p.add_argument("--out", default=os.path.join(HERE, "results", "search_quality.md"))
p.add_argument("--hand-out", metavar="FILE", help="top 10 with headlines per query (outside the repository)")
p.add_argument("--timeout", type=float, default=30.0)
p.add_argument("--note", action="append", default=[], help="a line added to the report (e.g. which build each server is)")
a = p.parse_args()


def outside_repo(path):
    path = os.path.realpath(path)
    if path == REPO or path.startswith(REPO + os.sep):
        sys.exit(f"{path}: corpus text must not be written inside the repository; use /tmp")
    return path


def key(text):
    return " ".join(unicodedata.normalize("NFC", text or "").split())


# ---------------------------------------------------------------- queries, pool, corpus
spec = json.load(open(a.queries, encoding="utf-8"))
queries = spec["queries"]
labels = json.load(open(a.labels, encoding="utf-8"))
pool_ids = [c for e in labels["events"] for c in e["articles"]] + list(labels["distractors"])
pool = set(pool_ids)
problems = []
for i, q in enumerate(queries, 1):
    if q.get("kind") not in KINDS:
        problems.append(f"query {i}: kind {q.get('kind')!r} is not one of {KINDS}")
    if not q.get("relevant"):
        problems.append(f"query {i}: no relevant articles")
    outside = [c for c in q.get("relevant", []) if c not in pool]
    if outside:
        problems.append(f"query {i}: relevant ids outside the pool: {outside}")
    words = q["q"].replace('"', " ").split()
    if not 1 <= len(words) <= 4:
        problems.append(f"query {i}: {len(words)} words (a reader's query has 1-4)")
if problems:
    sys.exit("bad query file:\n" + "\n".join(problems))

if not os.path.exists(a.corpus):
    sys.exit(f"corpus not found: {a.corpus} (pass --corpus)")
with open(a.corpus, "rb") as raw:
    data = raw.read()
corpus_sha = hashlib.sha256(data).hexdigest()
sha_note = "matches the labels" if corpus_sha == labels.get("corpus_sha256") else (
    f"DIFFERS from the labels' {labels.get('corpus_sha256')}: the judgements may not fit this corpus"
)
docs = {}
for line in gzip.decompress(data).decode("utf-8").splitlines():
    r = json.loads(line)
    if r["id"] in pool:
        docs[r["id"]] = r
del data
missing = pool - set(docs)
if missing:
    sys.exit(f"{len(missing)} pool ids are not in the corpus, e.g. {sorted(missing)[:3]}")
# A query must be the reader's own words, not a copied headline.
headline_keys = {key(docs[c]["headline"]) for c in pool}
copied = [q["q"] for q in queries if key(q["q"].replace('"', "")) in headline_keys]
if copied:
    sys.exit(f"queries identical to a pool headline: {copied}")

by_slug = {"rq-" + c.lower(): c for c in pool_ids}
by_headline = defaultdict(list)
for c in pool_ids:
    by_headline[key(docs[c]["headline"])].append(c)


def corpus_id(item):
    c = by_slug.get(item.get("slug") or "")
    if c is not None:
        return c
    hits = by_headline.get(key(item.get("headline")), [])
    return hits[0] if len(hits) == 1 else None


# ---------------------------------------------------------------- servers
servers = []
for spec_ in a.base:
    name, sep, url = spec_.partition("=")
    if not sep or not name or not url:
        sys.exit(f"--base takes NAME=URL, got {spec_!r}")
    servers.append((name, url.rstrip("/")))
if len({n for n, _ in servers}) != len(servers):
    sys.exit("--base: server names must differ")


def get(url):
    with urllib.request.urlopen(url, timeout=a.timeout) as r:
        return json.load(r)


server_notes = []
for name, base in servers:
    try:
        ready = get(base + "/readyz")
    except (urllib.error.URLError, OSError) as e:
        sys.exit(f"{name}: {base}/readyz failed: {e}")
    # Which articles the server holds: the pool and nothing else, or the
    # figures are not comparable.
    listed, cursor = [], None
    while True:
        page = get(base + "/v1/articles?limit=50" + (f"&cursor={urllib.parse.quote(cursor)}" if cursor else ""))
        listed += page["data"]
        cursor = page["page"].get("nextCursor")
        if not cursor:
            break
    found = {corpus_id(item) for item in listed} - {None}
    note = (f"{name} = {base}: ready ({ready.get('database', '?')}); {len(listed)} public articles, "
            f"{len(found)} of the {len(pool)} pool articles")
    if len(listed) != len(pool) or len(found) != len(pool):
        note += " — NOT exactly the pool: results outside it count as misses, figures not comparable"
    server_notes.append(note)

# runs[name][i] = dict(ids=[corpus id or None], n=len, total=..., ms=..., error=...)
runs = {name: [None] * len(queries) for name, _ in servers}
for name, base in servers:  # one warm-up request each, not counted
    try:
        get(base + "/v1/search?q=" + urllib.parse.quote("ঢাকা") + f"&limit={K}")
    except (urllib.error.URLError, OSError):
        pass
for i, q in enumerate(queries):
    for name, base in servers:
        url = base + "/v1/search?q=" + urllib.parse.quote(q["q"], safe="") + f"&limit={K}"
        t = time.perf_counter()
        try:
            body = get(url)
            err = None
        except urllib.error.HTTPError as e:
            body, err = {"data": []}, f"HTTP {e.code}"
        except (urllib.error.URLError, OSError) as e:
            body, err = {"data": []}, f"error {e}"
        ms = (time.perf_counter() - t) * 1000
        items = body.get("data") or []
        runs[name][i] = {
            "ids": [corpus_id(it) for it in items][:K],
            "headlines": [it.get("headline") for it in items][:K],
            "total": (body.get("page") or {}).get("total"),
            "ms": ms,
            "error": err,
        }


# ---------------------------------------------------------------- metrics
def score(run, q):
    rel = set(q["relevant"])
    ids = run["ids"][:K]
    first = next((r for r, c in enumerate(ids, 1) if c in rel), None)
    return {
        "first": first,
        "rr": 1.0 / first if first else 0.0,
        "recall": len(rel & set(ids)) / len(rel),
    }


def show(q):
    """A query as printed: the invisible ZWJ of a legacy spelling made visible."""
    return q.replace("\u200d", "\\u200d")


def mean(xs):
    xs = list(xs)
    return sum(xs) / len(xs) if xs else float("nan")


scores = {name: [score(runs[name][i], q) for i, q in enumerate(queries)] for name, _ in servers}

# ---------------------------------------------------------------- report
now = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
names = [n for n, _ in servers]
lines = [
    "# Search quality: reader queries on the related-stories pool",
    "",
    f"Run {now}. Queries: `bench/search_queries.json` ({len(queries)} queries, judged "
    f"{spec.get('written_on', '?')}); pool: the {len(pool)} articles of `bench/related_events.json` "
    f"(labelled events + distractors); corpus sha256 {corpus_sha[:16]}… {sha_note}. "
    "Article text is read from the shared corpus at run time; the repository holds ids, queries and notes only.",
    "",
    "Method (from the query file): " + spec.get("method", "(none given)"),
    "",
    f"Measured: GET /v1/search?q=…&limit={K}, one request at a time, servers taking turns per query "
    "(one uncounted warm-up request each). Results map to corpus ids by slug `rq-<corpus id>`. "
    f"Reciprocal rank = 1/rank of the first relevant result in the top {K} (0 if none); "
    f"recall@{K} = share of the query's relevant articles in the top {K}; both averaged over queries (macro).",
    "",
]
if a.note:
    lines += [f"- {n}" for n in a.note] + [""]
if not servers:
    lines += ["No server given (`--base`): query file and pool checked only.", ""]
else:
    lines += ["Servers:", ""] + [f"- {n}" for n in server_notes] + [""]
    lines += [
        f"| system | MRR@{K} | mean recall@{K} | queries with a relevant hit in top {K} | zero-result queries | errors | latency p50 | latency max |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n in names:
        ss, rr = scores[n], runs[n]
        lat = sorted(r["ms"] for r in rr)
        lines.append(
            f"| {n} | {mean(s['rr'] for s in ss):.3f} | {mean(s['recall'] for s in ss):.3f} | "
            f"{sum(1 for s in ss if s['first'])}/{len(ss)} | {sum(1 for r in rr if not r['ids'])} | "
            f"{sum(1 for r in rr if r['error'])} | {statistics.median(lat):.1f} ms | {lat[-1]:.1f} ms |"
        )
    lines += ["", f"By kind (MRR@{K} / mean recall@{K}):", "",
              "| kind | queries | " + " | ".join(names) + " |", "|---|---|" + "---|" * len(names)]
    for kind in KINDS:
        idx = [i for i, q in enumerate(queries) if q["kind"] == kind]
        if not idx:
            continue
        cells = [f"{mean(scores[n][i]['rr'] for i in idx):.3f} / {mean(scores[n][i]['recall'] for i in idx):.3f}"
                 for n in names]
        lines.append(f"| {kind} | {len(idx)} | " + " | ".join(cells) + " |")

    lines += ["", "## Per query", "",
              f"Cell: rank of the first relevant result (— none in the top {K}) · recall@{K} · results found "
              "(the server's total).", "",
              "| # | kind | query | relevant | " + " | ".join(names) + " | note |",
              "|---|---|---|---|" + "---|" * len(names) + "---|"]
    for i, q in enumerate(queries):
        cells = []
        for n in names:
            s, r = scores[n][i], runs[n][i]
            cell = f"{s['first'] or '—'} · {s['recall']:.2f} · {r['total'] if r['total'] is not None else len(r['ids'])}"
            if r["error"]:
                cell += f" ({r['error']})"
            cells.append(cell)
        qtext = show(q["q"]).replace("|", "\\|")
        lines.append(f"| {i + 1} | {q['kind']} | `{qtext}` | {len(q['relevant'])} | " + " | ".join(cells)
                     + f" | {q.get('note', '')} |")

    lines += ["", "## Failures and differences", ""]
    for n in names:
        fails = [f"{i + 1} `{show(q['q'])}`" for i, q in enumerate(queries) if not scores[n][i]["first"]]
        lines.append(f"- {n}: no relevant result in the top {K} for {len(fails)} queries"
                     + (": " + ", ".join(fails) if fails else ""))
    if len(names) >= 2:
        x, y = names[0], names[-1]
        worse = [(i, q) for i, q in enumerate(queries)
                 if scores[y][i]["rr"] < scores[x][i]["rr"] or scores[y][i]["recall"] < scores[x][i]["recall"]]
        better = [(i, q) for i, q in enumerate(queries)
                  if scores[y][i]["rr"] > scores[x][i]["rr"] or scores[y][i]["recall"] > scores[x][i]["recall"]]

        def fmt(i, q):
            return (f"{i + 1} `{show(q['q'])}` ({q['kind']}): RR {scores[x][i]['rr']:.2f} → {scores[y][i]['rr']:.2f}, "
                    f"recall {scores[x][i]['recall']:.2f} → {scores[y][i]['recall']:.2f}")
        same = [i for i in range(len(queries)) if runs[x][i]["ids"] == runs[y][i]["ids"]]
        same_kinds = sorted({queries[i]["kind"] for i in same}, key=KINDS.index)
        lines.append(f"- identical top {K} (same articles, same order) from {x} and {y} on {len(same)} of "
                     f"{len(queries)} queries" + (f" (kinds: {', '.join(same_kinds)})" if same else ""))
        lines.append(f"- {y} better than {x} (RR or recall up) on {len(better)} queries"
                     + ("" if not better else ":"))
        lines += [f"  - {fmt(i, q)}" for i, q in better]
        lines.append(f"- {y} worse than {x} (RR or recall down) on {len(worse)} queries"
                     + ("" if not worse else ":"))
        lines += [f"  - {fmt(i, q)}" for i, q in worse]

text = "\n".join(lines) + "\n"
os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
with open(a.out, "w", encoding="utf-8") as f:
    f.write(text)
end = lines.index("## Per query") if "## Per query" in lines else len(lines)
print("\n".join(lines[:end]))
print(f"(per-query table in {a.out})")

if a.hand_out:
    path = outside_repo(a.hand_out)
    out = ["# Search quality: hand check (corpus text, do not commit)", ""]
    for i, q in enumerate(queries):
        out.append(f"## {i + 1} [{q['kind']}] {q['q']} — {q.get('note', '')}")
        out.append("relevant: " + ", ".join(f"{c} ({docs[c]['headline']})" for c in q["relevant"]))
        for n in names:
            r = runs[n][i]
            out.append(f"### {n}: total {r['total']} {r['error'] or ''}")
            for rank, (c, h) in enumerate(zip(r["ids"], r["headlines"]), 1):
                mark = "✓" if c in q["relevant"] else "✗"
                out.append(f"- {rank} {mark} {c or '(outside the pool)'}: {h}")
        out.append("")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out))
    print(f"hand check written to {path}")
