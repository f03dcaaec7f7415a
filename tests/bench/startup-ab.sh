#!/usr/bin/env bash
# Start-up A/B: `run -- /bin/true` (seccomp, and root when euid 0) and `check -- ls` cold, for two
# builds interleaved round-robin so the machine's load falls on both alike. Prints medians (ms).
#   tests/bench/startup-ab.sh A_BIN_DIR B_BIN_DIR [RUNS]      (each dir holds agentshell, agentshell-launch, ...)
set -euo pipefail
A=$1 B=$2 RUNS=${3:-9}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
gcc -O2 -o "$tmp/exec-bench" "$here/exec-bench.c"
t() { "$tmp/exec-bench" time "$@" | tail -1 | cut -d' ' -f1; }
modes=(seccomp check)
[ "$(id -u)" = 0 ] && modes+=(root)
for ((i = 0; i < RUNS; i++)); do
  for side in A B; do
    dir=${!side}
    for m in "${modes[@]}"; do
      case $m in
        seccomp) us=$(t "$dir/agentshell" run --quiet --connect-guard seccomp --audit "$tmp/audit-$side" -- /bin/true) ;;
        root) us=$(t "$dir/agentshell" run --quiet --connect-guard kernel --audit "$tmp/audit-$side" -- /bin/true) ;;
        check) us=$(t "$dir/agentshell" check -- ls) ;;
      esac
      echo "$us" >>"$tmp/$side.$m"
    done
  done
done
for m in "${modes[@]}"; do
  for side in A B; do
    printf '%-8s %s  median %6.1f ms  (' "$m" "$side" "$(sort -n "$tmp/$side.$m" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]/1000}')"
    sort -n "$tmp/$side.$m" | awk '{a[NR]=$1} END {printf "%.1f–%.1f ms)\n", a[1]/1000, a[NR]/1000}'
  done
done
