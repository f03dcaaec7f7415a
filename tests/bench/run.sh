#!/usr/bin/env bash
# make bench: AgentShell's costs as ratios against a baseline measured in the same script.
set -euo pipefail
cd "$(dirname "$0")/../.."
AS=bin/agentshell
PROFILE=profiles/demo.json
RUNS=${RUNS:-5}
N=${N:-1000}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# One run: N fork+execve of /bin/true from a bash loop; prints µs per exec.
loop='s=$(date +%s%N); for ((i=0;i<'"$N"';i++)); do /bin/true; done; e=$(date +%s%N); echo $(( (e-s)/'"$N"'/1000 ))'

echo "machine: $(nproc) cpus, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "[exec] $N x execve(/bin/true) from a bash loop, median of $RUNS runs (bare and supervised alternate)"
bare=(); sup=()
for ((r=0;r<RUNS;r++)); do
    bare+=("$(bash -c "$loop")")
    sup+=("$($AS run --profile $PROFILE -- bash -c "$loop" 2>/dev/null)")
done
mb=$(printf '%s\n' "${bare[@]}" | median)
ms=$(printf '%s\n' "${sup[@]}" | median)
printf '  bare        %8.1f µs/exec   (runs: %s)\n' "$mb" "${bare[*]}"
printf '  supervised  %8.1f µs/exec   (runs: %s)\n' "$ms" "${sup[*]}"
awk -v a="$ms" -v b="$mb" 'BEGIN { printf "  ratio       x%.3f  (+%.1f µs per exec; target < x1.5)\n", a/b, a-b }'

echo "[start-up] agentshell run -- /bin/true, median of $RUNS"
st=()
for ((r=0;r<RUNS;r++)); do
    s=$(date +%s%N); $AS run -- /bin/true 2>/dev/null; e=$(date +%s%N); st+=($(( (e-s)/1000 )))
done
printf '  %8.1f µs   (runs: %s)\n' "$(printf '%s\n' "${st[@]}" | median)" "${st[*]}"

echo "[connect] 2000 loopback TCP connects (socket+connect+close), median of $RUNS runs"
cb=$(mktemp -d)/connect-bench
gcc -O2 -pthread -o "$cb" tests/bench/connect-bench.c
cbare=(); csup=()
for ((r=0;r<RUNS;r++)); do
    cbare+=("$("$cb" 2000)")
    csup+=("$($AS run --profile $PROFILE -- "$cb" 2000 2>/dev/null)")
done
mcb=$(printf '%s\n' "${cbare[@]}" | median)
mcs=$(printf '%s\n' "${csup[@]}" | median)
printf '  bare        %8.1f µs/connect   (runs: %s)\n' "$mcb" "${cbare[*]}"
printf '  supervised  %8.1f µs/connect   (runs: %s)\n' "$mcs" "${csup[*]}"
awk -v a="$mcs" -v b="$mcb" 'BEGIN { printf "  ratio       x%.2f  (+%.1f µs per connect; target < x1.5)\n", a/b, a-b }'

if [[ -d tests/bench/AgentShell.Bench ]]; then
    dotnet run -c Release --project tests/bench/AgentShell.Bench -- "$@"
fi
