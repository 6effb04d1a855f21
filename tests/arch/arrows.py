#!/usr/bin/env python3
"""The layering of docs/design.md, checked on the compiled objects: for every object file of
the library (and of the strata command) the symbols it needs (nm -u) are matched to the object
that defines them, giving folder -> folder and file -> file arrows.  Fails on any folder arrow
not in ALLOWED, on a cycle between folders, and on a cycle between files (the old
solvers/svd.c <-> solvers/svd_exact.c kind).  Prints the arrow table with symbol counts.

usage: arrows.py BUILD_DIR [--expect-violation]   (the second form is the self-test: it plants
a forbidden arrow in a copy of the symbol tables and must fail)"""
import os
import subprocess
import sys
from collections import defaultdict

# who may call whom (docs/design.md); cli may call every folder
ALLOWED = {
    "mpi": set(),
    "partition": {"mpi"},
    "solvers": {"mpi", "partition"},
    "simulate": {"mpi"},
    "io": {"mpi", "partition"},
    "monitor": {"mpi"},
    "cli": {"mpi", "partition", "solvers", "simulate", "io", "monitor"},
}


def objects(build):
    """(folder, source file) -> object path for every library and command object"""
    out = {}
    for folder in ALLOWED:
        target = "strata" if folder == "cli" else "strata_" + folder
        d = os.path.join(build, folder, "CMakeFiles", target + ".dir")
        if not os.path.isdir(d):
            continue
        for root, _, files in os.walk(d):
            for f in files:
                if f.endswith(".c.o"):
                    rel = os.path.relpath(os.path.join(root, f), d)[: -len(".o")]
                    out[(folder, folder + "/" + rel)] = os.path.join(root, f)
    return out


def nm(path, flag):
    p = subprocess.run(["nm", "-P", flag, path], capture_output=True, text=True, check=True)
    return {line.split()[0] for line in p.stdout.splitlines() if line.strip()}


def cycles(edges):
    """strongly connected components with more than one node (Tarjan)"""
    index, low, stack, on, comps, n = {}, {}, [], set(), [], [0]
    nodes = set(edges) | {b for a in edges for b in edges[a]}

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
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
                comps.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return comps


def main():
    build = sys.argv[1]
    plant = "--expect-violation" in sys.argv
    objs = objects(build)
    if len(objs) < 20:
        print(f"arrows: only {len(objs)} objects found under {build}: not a strata build tree")
        return 1
    defined, needs = {}, {}
    for key, path in objs.items():
        for s in nm(path, "--defined-only"):
            defined[s] = key
        needs[key] = nm(path, "-u")
    if plant:  # a solver calling an io/ function, as solvers/factor.c once called strata_ckpt_*
        some_io = next(s for s, k in defined.items() if k[0] == "io")
        needs[next(k for k in needs if k[0] == "solvers")].add(some_io)
    folder_syms = defaultdict(set)
    file_edges = defaultdict(set)
    for key, syms in needs.items():
        for s in syms:
            d = defined.get(s)
            if d is None or d == key:
                continue  # third-party (libc, MPI, HDF5, ...) or its own
            if d[0] != key[0]:
                folder_syms[(key[0], d[0])].add(s)
            file_edges[key[1]].add(d[1])
    bad = 0
    print(f"arrows: {len(objs)} objects, {len(defined)} strata symbols")
    for (a, b), syms in sorted(folder_syms.items()):
        ok = b in ALLOWED[a]
        bad += not ok
        print(f"  {a:9s} -> {b:9s} {len(syms):4d} symbols  {'ok' if ok else 'FORBIDDEN: ' + ', '.join(sorted(syms)[:6])}")
    fedges = defaultdict(set)
    for (a, b) in folder_syms:
        fedges[a].add(b)
    for c in cycles(fedges):
        bad += 1
        print("  FOLDER CYCLE: " + " <-> ".join(c))
    for c in cycles(file_edges):
        bad += 1
        print("  FILE CYCLE: " + " <-> ".join(c))
    print(f"arrows: {bad} forbidden arrow(s) or cycle(s)")
    if plant:
        print("arrows: self-test " + ("caught the planted arrow" if bad else "MISSED the planted arrow"))
        return 0 if bad else 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
