#!/usr/bin/env bash
# N fork+execs of /bin/true from a bash loop (what a shell-heavy agent does); prints µs per exec.
n=$1
s=$(date +%s%N)
for ((i = 0; i < n; i++)); do /bin/true; done
e=$(date +%s%N)
echo $(((e - s) / n / 1000))
