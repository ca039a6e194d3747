#!/usr/bin/env python3
# Ratios to fastwalk-w4 in the same round of issue13-close-rounds.txt
# (BENCHMARKS.md, issue 13), over all complete rounds and over those in
# which other processes used less than a core ("others: N" before each
# round, in cores): python3 rounds.py issue13-close-rounds.txt
import re, statistics as st, sys
rounds, r = {}, None
for line in open(sys.argv[1]):
    if line.startswith('round: '):
        r = int(line.split()[1])
        rounds[r] = {'others': None, 'rows': {}}
    elif line.startswith('others: '):
        rounds[r]['others'] = float(line.split()[1])
    else:
        m = re.match(r"BenchmarkWalk/tree=(\w+)/impl=(\S+)-2\s+\d+\s+(\d+) ns/op\s+(\d+) cpu-ns/op", line)
        if m:
            rounds[r]['rows'][(m.group(1), m.group(2))] = (int(m.group(3)), int(m.group(4)))
full = [v for v in rounds.values() if len(v['rows']) == 10]
print(f"{len(full)} complete rounds of {len(rounds)}")
for label, sel in [("all rounds", lambda o: True), ("others < 1 core", lambda o: o < 1.0)]:
    rs = [v for v in full if sel(v['others'])]
    print(f"\n{label}: {len(rs)} rounds, others {min(v['others'] for v in rs):.2f}-{max(v['others'] for v in rs):.2f} cores")
    print("| tree | impl | time | ratio (time, IQR) | CPU a walk | ratio (CPU, IQR) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for tree in ['gen100k', 'usr']:
        for impl in ['fastwalk-w4', 'Dir', 'Dir-w4', 'DirStream-w4-buf256', 'DirStream-w4']:
            t = [v['rows'][(tree, impl)][0] for v in rs]
            c = [v['rows'][(tree, impl)][1] for v in rs]
            rt = [v['rows'][(tree, impl)][0] / v['rows'][(tree, 'fastwalk-w4')][0] for v in rs]
            rc = [v['rows'][(tree, impl)][1] / v['rows'][(tree, 'fastwalk-w4')][1] for v in rs]
            qt, qc = st.quantiles(rt, n=4), st.quantiles(rc, n=4)
            print(f"| {tree} | {impl} | {st.median(t)/1e6:.1f} ms | {st.median(rt):.2f}× ({qt[0]:.2f}–{qt[2]:.2f}) | {st.median(c)/1e6:.1f} ms | {st.median(rc):.2f}× ({qc[0]:.2f}–{qc[2]:.2f}) |")
