#!/bin/bash
# A/B of the classify+decide row between two trees with the same corpus, for a loaded machine:
# each round runs both trees' in-process table bench AT THE SAME TIME, one per CPU (swapped every
# round), so load that comes and goes falls on both alike, and pairs them case by case (BENCH_CASES=1).
# Prints per round each tree's row figures and the median over cases of (B's thread CPU / A's).
# Usage: tests/bench/ab-table.sh TREE_A TREE_B [ROUNDS]   (each tree: AgentShell.Bench built in Release)
set -euo pipefail
A=$1/tests/bench/AgentShell.Bench/bin/Release/net10.0/AgentShell.Bench.dll
B=$2/tests/bench/AgentShell.Bench/bin/Release/net10.0/AgentShell.Bench.dll
ROUNDS=${3:-4}
out=$(mktemp -d)
for r in $(seq 1 "$ROUNDS"); do
  ca=$(( r % 2 )); cb=$(( 1 - ca ))
  load=$(cut -d' ' -f1 /proc/loadavg)
  BENCH_CASES=1 taskset -c $ca dotnet "$A" table > "$out/a-$r" 2>&1 & pa=$!
  BENCH_CASES=1 taskset -c $cb dotnet "$B" table > "$out/b-$r" 2>&1 & pb=$!
  wait $pa $pb
  python3 - "$out/a-$r" "$out/b-$r" "$r" "$load" <<'PY'
import statistics as st, sys
def load(p):
    cases, figs = {}, {}
    for line in open(p):
        f = line.rstrip("\n").split("\t")
        if f[0] == "case": cases.setdefault(f[6], float(f[2]))
        elif len(line.split()) == 2 and line.startswith("argv_known"): figs[line.split()[0]] = line.split()[1]
    return cases, figs
(a, fa), (b, fb) = load(sys.argv[1]), load(sys.argv[2])
keys = [k for k in a if k in b]
print(f"round {sys.argv[3]} load {sys.argv[4]}: A {fa.get('argv_known_us')} us (cpu {fa.get('argv_known_cpu_us')}, {fa.get('argv_known_bytes')} B)  "
      f"B {fb.get('argv_known_us')} us (cpu {fb.get('argv_known_cpu_us')}, {fb.get('argv_known_bytes')} B)  "
      f"median per-case B/A cpu {st.median(b[k] / a[k] for k in keys):.3f} over {len(keys)} cases")
PY
done
rm -rf "$out"
