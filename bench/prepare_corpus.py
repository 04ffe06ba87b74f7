#!/usr/bin/env python3
"""Turns the shared Bengali corpus into a `barta import` file for benchmarks.

The corpus is other publishers' text: it is read from ../shared at run time
and never copied into the repository. Dates are synthetic (the corpus has
almost none), spread deterministically over the last `--days` days.
`--copies N` repeats the corpus with variation (paragraphs rotated, ids and
times distinct) to reach a larger archive: 18,180 × 6 ≈ 109k articles.
"""
import argparse
import os
import datetime as dt
import gzip
import json
import random
import sys

p = argparse.ArgumentParser()
p.add_argument("--corpus", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../shared/corpus/bn-news.jsonl.gz"))
p.add_argument("--out", required=True)
p.add_argument("--copies", type=int, default=1)
p.add_argument("--days", type=int, default=365)
p.add_argument("--limit", type=int, default=0, help="stop after this many articles (0 = all)")
p.add_argument("--seed", type=int, default=7)
a = p.parse_args()

rng = random.Random(a.seed)
now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
rows = []
with gzip.open(a.corpus, "rt", encoding="utf-8") as f:
    for line in f:
        rows.append(json.loads(line))

n = 0
with open(a.out, "w", encoding="utf-8") as out:
    for copy in range(a.copies):
        for r in rows:
            body = r.get("body") or ""
            paras = [x for x in body.split("\n\n") if x.strip()]
            if not paras or not (r.get("headline") or "").strip():
                continue
            if copy:
                k = copy % len(paras)
                paras = paras[k:] + paras[:k]
            when = now - dt.timedelta(seconds=rng.randrange(a.days * 86400))
            line = {
                "id": r["id"] if copy == 0 else f"{r['id']}-v{copy}",
                "headline": r["headline"],
                "body": "\n\n".join(paras),
                "section": r.get("section") or "",
                "published_at": when.isoformat(),
                "source_url": r.get("source_url"),
                "tags": r.get("tags") or [],
            }
            if copy:
                line["slug"] = f"bench-{r['id']}-v{copy}".lower().replace("_", "-")
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            n += 1
            if a.limit and n >= a.limit:
                print(n, file=sys.stderr)
                sys.exit(0)
print(n, file=sys.stderr)
