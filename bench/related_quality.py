#!/usr/bin/env python3
"""Related stories: quality against hand-labelled events (issue 18).

`bench/related_events.json` lists corpus ids only: events (articles that
report the same real-world happening) and distractors; how they were
labelled is in `bench/related_events.md`. The article text is read at run
time from the shared corpus (`../shared/corpus/bn-news.jsonl.gz` next to the
repository) and never copied into the repository.

The pool is the labelled articles plus the distractors. For every labelled
article (the source; every event has at least one other member) a system
ranks the rest of the pool, and we measure, macro-averaged over sources:

* precision@4: share of the top 4 that belong to the source's event (a
  missing result counts as a miss, so the denominator is always 4). With
  one other member the best possible value is 0.25, so the ceiling is
  printed next to it;
* recall@10: share of the source's other event members found in the top 10.

Systems:

* `tfidf`: TF-IDF cosine over headline + body, computed on the pool, pure
  Python (scikit-learn is not assumed). Tokenizer: NFC, zero-width
  characters removed, lowercase, split on whitespace and ASCII/Unicode
  punctuation including the danda । and double danda ॥. Weights: 1+log(tf)
  times smoothed idf log((1+N)/(1+df))+1, L2-normalised.
* `chance`: the expected value for a random ranking (computed, not sampled).
* `barta`: today's algorithm, read from a running server with `--base`:
  GET /v1/articles/{id}/related?limit=10 for every source. Barta ids are
  mapped back to corpus ids by the slug the pool import gives every article
  (`rq-<corpus id>`), falling back to an exact headline match within the
  pool; anything else counts as a result outside the pool (a miss).

Running it
----------
Baseline only (no server; a few seconds):

    python3 bench/related_quality.py

Against a server holding only the pool (run from the repository root; the
server must be built first, e.g. `cargo build --release -p api --bin barta`
as in bench/run_discovery.sh):

    mkdir -p /tmp/rq
    python3 bench/related_quality.py --write-pool /tmp/rq/pool.jsonl
    ./target/release/barta import /tmp/rq/pool.jsonl --database "sqlite:///tmp/rq/pool.db?mode=rwc"
    ./target/release/barta serve --database "sqlite:///tmp/rq/pool.db?mode=rwc" --bind 127.0.0.1:8191 &
    BARTA_PID=$!
    for _ in $(seq 1 120); do curl -sf http://127.0.0.1:8191/readyz >/dev/null && break; sleep 1; done
    python3 bench/related_quality.py --base http://127.0.0.1:8191
    kill $BARTA_PID

`--write-pool` writes a `barta import` file (corpus text, so it refuses a
path inside the repository) with exactly the pool: corpus id as external
id, slug `rq-<corpus id>`, the corpus section and tags, and one fixed
publication time for every article (`--pool-published-at`) so that the
recency part of the score is the same for every candidate, as it is for the
baseline. Use a fresh database: if the server holds more than the pool (for
example the whole corpus, as bench/run_discovery.sh imports), the related
lists can contain articles outside the pool, which count as misses, and the
results say so.

Results go to bench/results/related_events_quality.md (figures, date, pool
size, sources, per-event recall) and to stdout. `--hand-out /tmp/FILE`
additionally writes each source's top 4 with headlines for a hand check
(corpus text: never inside the repository).
"""
import argparse
import gzip
import hashlib
import json
import math
import os
import re
import statistics
import sys
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
p.add_argument("--labels", default=os.path.join(HERE, "related_events.json"))
p.add_argument(
    "--corpus",
    default=os.path.normpath(os.path.join(REPO, "..", "shared", "corpus", "bn-news.jsonl.gz")),
    help="the shared corpus (default: ../shared/corpus/bn-news.jsonl.gz next to the repository)",
)
p.add_argument("--base", help="Barta server to measure, e.g. http://127.0.0.1:8191")
p.add_argument("--out", default=os.path.join(HERE, "results", "related_events_quality.md"))
p.add_argument("--write-pool", metavar="FILE", help="write the pool as a `barta import` file and exit")
p.add_argument("--pool-published-at", default="2025-12-30T00:00:00+06:00")
p.add_argument("--hand-out", metavar="FILE", help="top 4 with headlines per source (outside the repository)")
p.add_argument("--timeout", type=float, default=30.0)
a = p.parse_args()


def outside_repo(path):
    path = os.path.realpath(path)
    if path == REPO or path.startswith(REPO + os.sep):
        sys.exit(f"{path}: corpus text must not be written inside the repository; use /tmp")
    return path


# ---------------------------------------------------------------- labels, corpus
labels = json.load(open(a.labels, encoding="utf-8"))
events = labels["events"]
event_of = {}
for e in events:
    for cid in e["articles"]:
        if cid in event_of:
            sys.exit(f"{cid} is in two events")
        event_of[cid] = e["id"]
distractors = labels["distractors"]
pool_ids = list(event_of) + distractors
if len(set(pool_ids)) != len(pool_ids):
    sys.exit("an id is both labelled and a distractor")
members = defaultdict(list)
for cid, eid in event_of.items():
    members[eid].append(cid)
sources = [cid for cid in event_of if len(members[event_of[cid]]) > 1]

if not os.path.exists(a.corpus):
    sys.exit(f"corpus not found: {a.corpus} (pass --corpus)")
sha = hashlib.sha256()
wanted = set(pool_ids)
docs = {}
with open(a.corpus, "rb") as raw:
    data = raw.read()
sha.update(data)
corpus_sha = sha.hexdigest()
sha_note = "matches the labels" if corpus_sha == labels.get("corpus_sha256") else (
    f"DIFFERS from the labels' {labels.get('corpus_sha256')}: the labels may not fit this corpus"
)
for line in gzip.decompress(data).decode("utf-8").splitlines():
    r = json.loads(line)
    if r["id"] in wanted:
        docs[r["id"]] = r
del data
missing = wanted - set(docs)
if missing:
    sys.exit(f"{len(missing)} pool ids are not in the corpus, e.g. {sorted(missing)[:3]}")

# ---------------------------------------------------------------- pool export
if a.write_pool:
    path = outside_repo(a.write_pool)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for cid in pool_ids:
            r = docs[cid]
            f.write(json.dumps({
                "id": cid,
                "slug": "rq-" + cid.lower(),
                "headline": r["headline"],
                "body": r["body"],
                "section": r.get("section") or "",
                "published_at": a.pool_published_at,
                "source_url": r.get("source_url"),
                "tags": r.get("tags") or [],
            }, ensure_ascii=False) + "\n")
    print(f"wrote {len(pool_ids)} articles ({len(event_of)} labelled + {len(distractors)} distractors) to {path}")
    sys.exit(0)

# ---------------------------------------------------------------- TF-IDF baseline
ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
SPLIT = re.compile(
    r"[\s\u0964\u0965!-/:-@\[-`{-~\u00a0-\u00bf\u2010-\u2027\u2030-\u205e\u3000-\u303f]+"
)
TOKENIZER = (
    "pure Python: NFC, zero-width removed, lowercase, split on whitespace and ASCII/Unicode "
    "punctuation incl. danda । and ॥; tf 1+log, idf log((1+N)/(1+df))+1, L2"
)


def tokens(text):
    text = unicodedata.normalize("NFC", text).translate(ZERO_WIDTH).lower()
    return [t for t in SPLIT.split(text) if t]


def tfidf_rankings():
    tf = {cid: Counter(tokens(docs[cid]["headline"] + "\n" + docs[cid]["body"])) for cid in pool_ids}
    df = Counter(t for c in tf.values() for t in c)
    n = len(pool_ids)
    idf = {t: math.log((1 + n) / (1 + d)) + 1 for t, d in df.items()}
    vec = {}
    postings = defaultdict(list)
    for cid, c in tf.items():
        v = {t: (1 + math.log(k)) * idf[t] for t, k in c.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        vec[cid] = {t: x / norm for t, x in v.items()}
        for t, x in vec[cid].items():
            postings[t].append((cid, x))
    ranks = {}
    for s in sources:
        score = defaultdict(float)
        for t, x in vec[s].items():
            for cid, y in postings[t]:
                score[cid] += x * y
        score.pop(s, None)
        ranks[s] = sorted(score, key=lambda cid: (-score[cid], cid))[:10]
    return ranks


# ---------------------------------------------------------------- metrics
def measure(ranks):
    """Per-source precision@4 and recall@10; `ranks[src]` is a list of corpus
    ids (None for a result outside the pool), best first."""
    p4, r10, per_event = {}, {}, defaultdict(list)
    for s in sources:
        others = set(members[event_of[s]]) - {s}
        got = ranks.get(s) or []
        p4[s] = sum(1 for cid in got[:4] if cid in others) / 4
        r10[s] = sum(1 for cid in got[:10] if cid in others) / len(others)
        per_event[event_of[s]].append(r10[s])
    return p4, r10, per_event


def mean(xs):
    xs = list(xs)
    return sum(xs) / len(xs) if xs else float("nan")


subsets = {
    "all": sources,
    "bdnps events (2025, several outlets)": [s for s in sources if s.startswith("bdnps-")],
    "Inqilab events (2020, one outlet)": [s for s in sources if s.startswith("inqilab-")],
}
ceiling = {s: min(4, len(members[event_of[s]]) - 1) / 4 for s in sources}
n_pool = len(pool_ids)
chance_p4 = {s: (len(members[event_of[s]]) - 1) / (n_pool - 1) for s in sources}
chance_r10 = {s: min(10, n_pool - 1) / (n_pool - 1) for s in sources}

t0 = time.perf_counter()
tfidf = tfidf_rankings()
tfidf_secs = time.perf_counter() - t0
results = {"TF-IDF cosine (headline + body)": measure(tfidf)}

# ---------------------------------------------------------------- server
server_notes = []
if a.base:
    base = a.base.rstrip("/")

    def get(path):
        with urllib.request.urlopen(base + path, timeout=a.timeout) as r:
            return json.load(r)

    def key(headline):
        return " ".join(unicodedata.normalize("NFC", headline or "").split())

    by_headline = defaultdict(list)
    for cid in pool_ids:
        by_headline[key(docs[cid]["headline"])].append(cid)

    by_slug = {"rq-" + cid.lower(): cid for cid in pool_ids}

    def corpus_id(item):
        cid = by_slug.get(item.get("slug") or "")
        if cid is not None:
            return cid
        hits = by_headline.get(key(item.get("headline")), [])
        return hits[0] if len(hits) == 1 else None

    # Every public article, to find the sources' Barta ids.
    listed, cursor = [], None
    while True:
        page = get("/v1/articles?limit=50" + (f"&cursor={urllib.parse.quote(cursor)}" if cursor else ""))
        listed += page["data"]
        cursor = page["page"].get("nextCursor")
        if not cursor:
            break
    barta_id = {}
    for item in listed:
        cid = corpus_id(item)
        if cid is not None:
            barta_id.setdefault(cid, item["id"])
    unmapped_pool = [cid for cid in pool_ids if cid not in barta_id]
    server_notes.append(
        f"server {base}: {len(listed)} public articles; {len(barta_id)} of the {n_pool} pool articles found"
        + (f" ({len(unmapped_pool)} missing, e.g. {unmapped_pool[:3]})" if unmapped_pool else "")
        + ("" if len(listed) == n_pool else
           " — the server holds more than the pool, so related lists may contain articles outside it "
           "(counted as misses): NOT comparable with the baseline; import only the pool (--write-pool)")
    )
    ranks, latencies, outside, short, errors = {}, [], 0, 0, 0
    for s in sources:
        if s not in barta_id:
            ranks[s] = []
            errors += 1
            continue
        t = time.perf_counter()
        try:
            rel = get(f"/v1/articles/{barta_id[s]}/related?limit=10")["data"]
        except urllib.error.HTTPError as e:
            server_notes.append(f"{s}: HTTP {e.code}")
            rel = []
            errors += 1
        latencies.append((time.perf_counter() - t) * 1000)
        mapped = [corpus_id(item) for item in rel]
        outside += sum(1 for c in mapped if c is None)
        short += len(rel) < 10
        ranks[s] = mapped
    latencies.sort()
    server_notes.append(
        f"{len(sources)} related requests: {short} returned fewer than 10, {outside} results outside the pool, "
        f"{errors} sources missing or failed; latency p50 {statistics.median(latencies):.1f} ms, "
        f"max {latencies[-1]:.1f} ms (sequential HTTP)" if latencies else "no related request succeeded"
    )
    results["Barta related (server, today's algorithm)"] = measure(ranks)

# ---------------------------------------------------------------- report
now = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
n_ev_src = len({event_of[s] for s in sources})
lines = [
    "# Related stories: quality on hand-labelled events",
    "",
    f"Run {now}. Labels: `bench/related_events.json` (labelled {labels.get('labelled_on')}; method in "
    "`bench/related_events.md`); corpus sha256 " + corpus_sha[:16] + "… " + sha_note + ".",
    "",
    f"Pool: {n_pool} articles = {len(event_of)} labelled in {len(events)} events + {len(distractors)} distractors. "
    f"Sources: {len(sources)} labelled articles whose event has another member ({n_ev_src} events). "
    "Macro-averaged over sources; precision@4 counts a missing result as a miss.",
    "",
    f"Tokenizer for the baseline: {TOKENIZER} (scikit-learn not used).",
    "",
    "| system | precision@4 | recall@10 |",
    "|---|---|---|",
]
for name, (p4, r10, _) in results.items():
    lines.append(f"| {name} | {mean(p4.values()):.3f} | {mean(r10.values()):.3f} |")
lines.append(f"| chance (random ranking, expected) | {mean(chance_p4.values()):.3f} | {mean(chance_r10.values()):.3f} |")
lines.append(f"| ceiling (perfect ranking) | {mean(ceiling.values()):.3f} | 1.000 |")
lines += ["", "By subset (precision@4 / recall@10; ceiling of precision@4 in brackets):", ""]
head = "| subset | sources | " + " | ".join(results) + " |"
lines += [head, "|---|---|" + "---|" * len(results)]
for sub, ss in subsets.items():
    if not ss:
        continue
    cells = [f"{mean(p4[s] for s in ss):.3f} / {mean(r10[s] for s in ss):.3f}" for p4, r10, _ in results.values()]
    lines.append(f"| {sub} [{mean(ceiling[s] for s in ss):.3f}] | {len(ss)} | " + " | ".join(cells) + " |")
if server_notes:
    lines += ["", "Server run:", ""] + [f"- {n}" for n in server_notes]
lines += ["", f"Baseline computed in {tfidf_secs:.1f} s.", "", "## Recall@10 per event", "",
          "| event | members | description | " + " | ".join(results) + " |",
          "|---|---|---|" + "---|" * len(results)]
for e in events:
    cells = [f"{mean(per[e['id']]):.2f}" for _, _, per in results.values()]
    lines.append(f"| {e['id']} | {len(e['articles'])} | {e['description']} | " + " | ".join(cells) + " |")
text = "\n".join(lines) + "\n"
os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
open(a.out, "w", encoding="utf-8").write(text)
print("\n".join(lines[: lines.index("## Recall@10 per event")]))
print(f"(per-event table in {a.out})")

if a.hand_out:
    path = outside_repo(a.hand_out)
    systems = {"tfidf": tfidf}
    if a.base:
        systems["barta"] = ranks
    out = ["# Related stories: hand check (corpus text, do not commit)", ""]
    for s in sources:
        out.append(f"## {event_of[s]} {s}: {docs[s]['headline']}")
        for name, rk in systems.items():
            for cid in (rk.get(s) or [])[:4]:
                mark = "✓" if cid and event_of.get(cid) == event_of[s] else "✗"
                h = docs[cid]["headline"] if cid else "(outside the pool)"
                out.append(f"- {name} {mark} {cid}: {h}")
        out.append("")
    open(path, "w", encoding="utf-8").write("\n".join(out))
    print(f"hand check written to {path}")
