#!/usr/bin/env bash
# A real-ish agent step for `make bench`: 500 execs of tools a coding agent runs (125 rounds of
# git, grep, sed and curl --version) in a small repository; prints the wall time in µs.
set -euo pipefail
repo=$1
cd "$repo"
s=$(date +%s%N)
for ((i = 0; i < 125; i++)); do
    git --version >/dev/null
    grep -c hello README >/dev/null
    sed -n 1p README >/dev/null
    curl --version >/dev/null
done
e=$(date +%s%N)
echo $(((e - s) / 1000))
