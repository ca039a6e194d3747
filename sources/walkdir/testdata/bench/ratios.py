#!/usr/bin/env python3
# Median, over rounds, of each impl's time (and CPU) over fastwalk-w4's in
# the same round and process (BENCHMARKS.md, issue 13):
# python3 ratios.py issue13-close-interleaved.txt
import re, sys, statistics as st
rows = {}
r = 0
for line in open(sys.argv[1]):
    if line.startswith("round: "):
        r = int(line.split()[1])
    m = re.match(r"BenchmarkWalk/tree=(\w+)/impl=(base|prev|final)-(\S+)-2\s+\d+\s+(\d+) ns/op(?:\s+(\d+) cpu-ns/op)?", line)
    if not m: continue
    tree, build, impl, ns, cpu = m.groups()
    rows[(tree, build, impl, r)] = (int(ns), int(cpu) if cpu else None)
trees = sorted({k[0] for k in rows}, key=lambda t: ["gen100k", "usr"].index(t) if t in ["gen100k","usr"] else 9)
order = ["fastwalk-w4", "Dir", "Dir-w4", "DirStream-w4", "DirStream-w4-buf256", "DirStream-w4-batch256", "handoff", "handoff-buf256"]
print("| tree | build | impl | median time | ratio to fastwalk (time) | median CPU | ratio to fastwalk (CPU) | n |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for tree in trees:
    for build in ["base", "prev", "final"]:
        for impl in order:
            rs = sorted({k[3] for k in rows if k[:3] == (tree, build, impl)})
            if not rs: continue
            t = [rows[(tree, build, impl, r)][0] for r in rs]
            c = [rows[(tree, build, impl, r)][1] for r in rs]
            rt = [rows[(tree, build, impl, r)][0] / rows[(tree, build, "fastwalk-w4", r)][0] for r in rs if (tree, build, "fastwalk-w4", r) in rows]
            rc = [rows[(tree, build, impl, r)][1] / rows[(tree, build, "fastwalk-w4", r)][1] for r in rs if (tree, build, "fastwalk-w4", r) in rows and None not in c]
            cs = "– | –"
            if None not in c:
                cs = f"{st.median(c)/1e6:.1f} ms | {st.median(rc):.2f}× ({min(rc):.2f}–{max(rc):.2f})"
            print(f"| {tree} | {build} | {impl} | {st.median(t)/1e6:.1f} ms | {st.median(rt):.2f}× ({min(rt):.2f}–{max(rt):.2f}) | {cs} | {len(rs)} |")
