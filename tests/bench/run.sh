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
# compare UNIT GUARD CMD...: runs CMD bare and under `agentshell run --connect-guard GUARD`
# alternately ($RUNS times each; CMD prints one figure in µs) and prints both medians and their ratio.
compare() {
    local unit=$1 guard=$2; shift 2
    local bare=() sup=()
    for ((r=0;r<RUNS;r++)); do
        bare+=("$("$@")")
        sup+=("$($AS run --connect-guard "$guard" --profile $PROFILE -- "$@" 2>/dev/null)")
    done
    local mb ms
    mb=$(printf '%s\n' "${bare[@]}" | median)
    ms=$(printf '%s\n' "${sup[@]}" | median)
    printf '  bare        %8.1f µs/%s   (runs: %s)\n' "$mb" "$unit" "${bare[*]}"
    printf '  supervised  %8.1f µs/%s   (runs: %s)\n' "$ms" "$unit" "${sup[*]}"
    awk -v a="$ms" -v b="$mb" -v u="$unit" 'BEGIN { printf "  ratio       x%.3f  (+%.1f µs per %s; target < x1.5)\n", a/b, a-b, u }'
}

echo "[exec] $N x execve(/bin/true) from a bash loop, median of $RUNS runs (bare and supervised alternate)"
compare exec auto bash -c "$loop"

# Issue 11: what verifying the committed argv of a parsed tool costs. curl is parsed (its exec is
# decided on its arguments, so the supervisor checks what the kernel commits); a copy of curl under
# another name is not (fast path: no parse, no verification). Their difference bounds the cost of
# parsing plus verification from above; the /bin/true row above is the unparsed exec.
NC=${NC:-200}
xcurl=$(mktemp -d)/xcurl-copy
cp "$(command -v curl)" "$xcurl"
curlloop='s=$(date +%s%N); for ((i=0;i<'"$NC"';i++)); do curl --version >/dev/null; done; e=$(date +%s%N); echo $(( (e-s)/'"$NC"'/1000 ))'
xcurlloop='s=$(date +%s%N); for ((i=0;i<'"$NC"';i++)); do '"$xcurl"' --version >/dev/null; done; e=$(date +%s%N); echo $(( (e-s)/'"$NC"'/1000 ))'
for guard in seccomp kernel; do
    [[ $guard == kernel ]] && ! $AS run --connect-guard kernel -- /bin/true 2>/dev/null && { echo "[verified exec] kernel: not measured (root mode unavailable)"; continue; }
    echo "[verified exec, $guard] $NC x curl --version (parsed: committed argv verified), median of $RUNS runs"
    compare exec $guard bash -c "$curlloop"
    echo "[unverified exec, $guard] $NC x the same curl copied as xcurl-copy (unparsed: fast path)"
    compare exec $guard bash -c "$xcurlloop"
done

echo "[start-up] agentshell run -- /bin/true, median of $RUNS (auto: kernel as root, else seccomp)"
for guard in seccomp auto; do
    st=()
    for ((r=0;r<RUNS;r++)); do
        s=$(date +%s%N); $AS run --connect-guard $guard -- /bin/true 2>/dev/null; e=$(date +%s%N); st+=($(( (e-s)/1000 )))
    done
    printf '  %-8s %8.1f µs   (runs: %s)\n' "$guard" "$(printf '%s\n' "${st[@]}" | median)" "${st[*]}"
done

echo "[connect] 2000 loopback TCP connects (socket+connect+close), median of $RUNS runs"
cb=$(mktemp -d)/connect-bench
gcc -O2 -pthread -o "$cb" tests/bench/connect-bench.c
echo " seccomp: every connect stops in the supervisor (any user)"
compare connect seccomp "$cb" 2000
if $AS run --connect-guard kernel -- /bin/true 2>/dev/null; then
    echo " kernel: root mode, decided by the eBPF cgroup connect programs"
    compare connect kernel "$cb" 2000
else
    echo " kernel: not measured (root mode unavailable: $($AS run --connect-guard kernel -- /bin/true 2>&1 | tail -1))"
fi

if [[ -d tests/bench/AgentShell.Bench ]]; then
    dotnet run -c Release --project tests/bench/AgentShell.Bench -- "$@"
fi
