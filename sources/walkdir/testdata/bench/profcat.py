#!/usr/bin/env python3
# Sorts the samples of `go tool pprof -traces` into where a walk's CPU goes
# (BENCHMARKS.md, issue 13): python3 profcat.py BINARY PROFILE WALKS
# prints the CPU of one walk by category; each sample goes to the first
# category whose pattern matches a function of its stack.
import re, subprocess, sys
binary, prof = sys.argv[1], sys.argv[2]
out = subprocess.run(["go", "tool", "pprof", "-traces", binary, prof], capture_output=True, text=True).stdout
blocks = out.split("-----------+-------------------------------------------------------")[1:]
def val(s):
    m = re.match(r"\s*([\d.]+)(ms|s|us|µs)", s)
    v = float(m.group(1)); u = m.group(2)
    return v * {"s": 1000, "ms": 1, "us": 1e-3, "µs": 1e-3}[u]
rules = [  # (category, pattern anywhere in the stack), first match wins, leaf-most stack first
    ("setup (tree, collect)", r"benchtree|\.OnceValues|listed"),
    ("getdents", r"syscall\.Getdents|readDirent"),
    ("open", r"walkdir\.openFD|syscall\.Open\b|syscall\.openat"),
    ("close", r"syscall\.Close"),
    ("GC and scavenger", r"gcBgMarkWorker|gcAssistAlloc|bgsweep|bgscavenge|gcStart|markroot|sweepone|gcDrain"),
    ("channel: send (producer)", r"runtime\.chansend|runtime\.selectgo|selectnbsend|sluice\.send"),
    ("channel: receive (consumer)", r"runtime\.chanrecv"),
    ("read-ahead sync (prefetcher lock, cond)", r"sync\.\(\*Mutex\)|sync\.\(\*Cond\)|runtime_notifyList|semacquire|semrelease"),
    ("order queue (heap)", r"container/heap|walkdir\.queue\.|slices\.Compare"),
    ("sort a directory", r"slices\.Sort|pdqsort"),
    ("build listings (paths, entries)", r"walkdir\.\(\*walk\)\.osEntries|concatstring|walkdir\.\(\*walk\)\.readOS|walkdir\.records|walkdir\.\(\*walker\)\.kids"),
    ("scheduler (park, wake, idle)", r"runtime\.schedule|runtime\.park_m|runtime\.goready|runtime\.wakep|runtime\.futex|runtime\.mcall|findRunnable|runtime\.stopm|runtime\.notesleep|runtime\.startm|runtime\.gopreempt|goschedImpl|runtime\.morestack|runtime\.sysmon"),
    ("walk per entry (walkStack, next, yield)", r"walkdir\.\(\*walker\)\.(walkStack|next|descend|enter|run|walkRoot)|sluice\.produce"),
    ("consumer loop", r"fastwalkbench\.drain|fastwalkbench\.BenchmarkWalk"),
    ("fastwalk: its callback and walk loop", r"charlievieth/fastwalk"),
]
tot = {}
for b in blocks:
    lines = [l for l in b.strip("\n").split("\n") if l.strip()]
    if not lines: continue
    v = val(lines[0])
    stack = [re.sub(r"^\s*[\d.]+(ms|s|us|µs)\s+", "", lines[0]).strip()] + [l.strip() for l in lines[1:]]
    cat = "other runtime/malloc"
    for name, pat in rules:
        if any(re.search(pat, f) for f in stack):
            cat = name; break
    tot[cat] = tot.get(cat, 0) + v
setup = tot.pop("setup (tree, collect)", 0)
walk = sum(tot.values())
n = int(sys.argv[3]) if len(sys.argv) > 3 else 1
print(f"{prof}: {walk/n:.1f} ms of CPU a walk over {n} walks (setup excluded: {setup:.0f} ms)")
for k, v in sorted(tot.items(), key=lambda x: -x[1]):
    print(f"  {k:45s} {v/n:7.1f} ms  {100*v/walk:5.1f} %")
