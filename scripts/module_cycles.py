#!/usr/bin/env python3
"""Lists the `crate::` edges between the modules of a crate and fails on a cycle.

Usage: scripts/module_cycles.py [CRATE_SRC ...]   (default: api/src app/src)

A module is a file under src/ (`foo.rs` and `foo/mod.rs` are the module
`foo`; `foo/bar.rs` is `foo::bar`). An edge A -> B is any path that starts
with `crate::` in A's text (a `use` line, a braced group of a `use`, or an
inline path) and names B or an item inside B; `super::` paths are resolved
too. Tests modules count like the rest: a test that imports back is still a
cycle in the build. Exit 1 with every cycle (strongly connected component
of two or more modules, or a module that reaches itself) printed; exit 0
with the edge count otherwise.
"""
import os
import re
import sys


def modules(src):
    mods = {}
    for root, _, files in os.walk(src):
        for f in files:
            if not f.endswith(".rs"):
                continue
            path = os.path.join(root, f)
            rel = os.path.relpath(path, src)[:-3].split(os.sep)
            if rel[-1] == "mod":
                rel = rel[:-1]
            if rel in (["lib"], ["main"]):
                rel = []
            mods[path] = tuple(rel)
    return mods


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return "\n".join(line.split("//")[0] for line in text.splitlines())


def expand_use(path):
    """`a::{b, c::{d, e}}` -> ['a::b', 'a::c::d', 'a::c::e']."""
    m = re.match(r"^(.*?)\{(.*)\}$", path.strip())
    if not m:
        return [path.strip()]
    prefix, inner = m.group(1), m.group(2)
    parts, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    out = []
    for p in parts:
        p = p.strip()
        if p:
            out += expand_use(prefix + p)
    return out


def paths_in(text, me, is_dir_module):
    found = []
    for m in re.finditer(r"\buse\s+([^;]+);", text, flags=re.S):
        for p in expand_use(re.sub(r"\s+", "", m.group(1))):
            found.append(p)
    for m in re.finditer(r"(?<![\w:])((?:crate|super)(?:::\w+)+)", text):
        found.append(m.group(1))
    out = []
    for p in found:
        p = re.sub(r"\bas\s*\w+$", "", p)
        segs = [s for s in p.split("::") if s]
        if not segs:
            continue
        if segs[0] == "crate":
            out.append(segs[1:])
        elif segs[0] == "super":
            base = list(me)
            while segs and segs[0] == "super":
                segs = segs[1:]
                base = base[:-1]
            out.append(base + segs)
    return out


def resolve(segs, known):
    for n in range(len(segs), 0, -1):
        if tuple(segs[:n]) in known:
            return tuple(segs[:n])
    return None


def check(src):
    mods = modules(src)
    known = set(mods.values())
    edges = {m: set() for m in known}
    for path, me in mods.items():
        with open(path, encoding="utf-8") as f:
            text = strip_comments(f.read())
        is_dir = os.path.basename(path) in ("mod.rs", "lib.rs", "main.rs")
        for segs in paths_in(text, me, is_dir):
            target = resolve(segs, known)
            if target is None or target == me or target == ():
                continue
            # a parent declaring or re-exporting its children is not an import
            if target[: len(me)] == me:
                continue
            # a child naming its own ancestor module's items: still an edge
            edges[me].add(target)
    # Tarjan's strongly connected components
    index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(known):
        if v not in index:
            visit(v)
    name = lambda m: "::".join(m) or "crate"
    n_edges = sum(len(e) for e in edges.values())
    if not sccs:
        print(f"{src}: {len(known)} modules, {n_edges} crate:: edges, no cycle")
        return True
    print(f"{src}: {len(known)} modules, {n_edges} crate:: edges, {len(sccs)} cycle(s)")
    for comp in sccs:
        members = set(comp)
        print(f"  cycle of {len(comp)}: " + ", ".join(name(m) for m in comp))
        for m in comp:
            for t in sorted(edges[m] & members):
                print(f"    {name(m)} -> {name(t)}")
    return False


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    srcs = sys.argv[1:] or [os.path.join(root, d) for d in ("api/src", "app/src")]
    ok = True
    for src in srcs:
        if os.path.isdir(src):
            ok &= check(os.path.normpath(src))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
