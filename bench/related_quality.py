#!/usr/bin/env python3
"""Related-stories quality on the real Bengali corpus.

Run against a server holding the corpus imported once (prepare_corpus.py
--copies 1, then `barta import`). For a random sample of articles it asks
/v1/articles/{id}/related?limit=5 and measures how often the related
articles share the source's section label (the corpus's own labels are the
only ground truth it has), against two baselines: "latest in the same
section" (the section list a page would otherwise show: same section by
construction, but not about the same story) and chance (five random
articles). It also prints ten random articles with their related headlines
for a hand check, and latency figures.
"""
import argparse
import json
import random
import statistics
import time
import urllib.request
from collections import Counter

p = argparse.ArgumentParser()
p.add_argument("--base", default="http://127.0.0.1:8191")
p.add_argument("--sample", type=int, default=300)
p.add_argument("--seed", type=int, default=11)
p.add_argument("--out", default="results/related_quality.md")
p.add_argument(
    "--hand-out",
    default="/tmp/related_hand_check.md",
    help="the hand check with headlines: corpus text, so never inside the repository",
)
a = p.parse_args()


def get(path):
    with urllib.request.urlopen(a.base + path, timeout=30) as r:
        return json.load(r)


# Every public article with its section.
articles, cursor = [], None
while True:
    page = get("/v1/articles?limit=50" + (f"&cursor={cursor}" if cursor else ""))
    articles += [(int(x["id"]), x["section"]["slug"], x["headline"]) for x in page["data"]]
    cursor = page["page"]["nextCursor"]
    if not cursor:
        break
section_of = {i: s for i, s, _ in articles}
headline_of = {i: h for i, _, h in articles}
counts = Counter(s for _, s, _ in articles)
total = len(articles)
chance = sum((c / total) ** 2 for c in counts.values())

rng = random.Random(a.seed)
sample = rng.sample(articles, min(a.sample, total))
agree, n, latencies, empty = 0, 0, [], 0
tag_lines = []
for i, s, h in sample:
    t = time.perf_counter()
    rel = get(f"/v1/articles/{i}/related?limit=5&debug=1")["data"]
    latencies.append((time.perf_counter() - t) * 1000)
    if not rel:
        empty += 1
    for r in rel:
        n += 1
        agree += r["section"]["slug"] == s
precision = agree / max(n, 1)
latencies.sort()
hand = []
for i, s, h in rng.sample(sample, min(10, len(sample))):
    rel = get(f"/v1/articles/{i}/related?limit=5")["data"]
    hand.append((i, s, h, [(r["id"], r["section"]["slug"], r["headline"]) for r in rel]))

lines = [
    "# Related stories: quality on the Bengali corpus",
    "",
    f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} against {a.base}: {total} public articles, "
    f"{len(sample)} sampled, {n} related results ({empty} articles with none).",
    "",
    "| measure | value |",
    "|---|---|",
    f"| related top-5 sharing the source's section label | {precision:.1%} |",
    "| baseline: latest 5 in the same section | 100% by construction (no topical link) |",
    f"| baseline: 5 random articles (chance of the same label) | {chance:.1%} |",
    f"| related latency p50 / p99 (sequential, HTTP) | {statistics.median(latencies):.1f} ms / {latencies[int(len(latencies) * 0.99) - 1]:.1f} ms |",
    "",
    "## Hand check: ten random articles (ids and section labels)",
    "",
    "The headlines are the corpus's copyrighted text: they are written to "
    f"`{a.hand_out}` for the person checking, never into the repository.",
    "",
]
hand_lines = ["# Related stories: hand check (corpus text, do not commit)", ""]
for i, s, h, rel in hand:
    lines.append(f"- {i} ({s}) → " + ", ".join(f"{rid} ({rs})" for rid, rs, _ in rel))
    hand_lines.append(f"- **{h}** ({s}, {i})")
    for rid, rs, rh in rel:
        hand_lines.append(f"  - {rh} ({rs}, {rid})")
open(a.out, "w", encoding="utf-8").write("\n".join(lines) + "\n")
open(a.hand_out, "w", encoding="utf-8").write("\n".join(hand_lines) + "\n")
print("\n".join(lines))
