#!/usr/bin/env bash
# make soak's fuzzing: each target of tests/fuzz/AgentShell.Fuzz (shell, sql, graphql, profile,
# control) under AFL++ for FUZZ_SECONDS (default 120), its assemblies instrumented by SharpFuzz,
# starting from tests/fuzz/TARGET/corpus. Fails when AFL++ kept a crash (an exception, or the
# oracle: a destructive core that survived the mutation and was allowed) or a hang that still
# hangs when replayed alone. Findings stay in build/fuzz-out/TARGET for a look.
#   tests/fuzz/run.sh [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_EACH=${FUZZ_SECONDS:-120}
targets=("$@")
((${#targets[@]})) || targets=(shell sql graphql profile control)
command -v afl-fuzz >/dev/null || { echo "fuzz: afl-fuzz is missing (scripts/setup.sh installs afl++)" >&2; exit 1; }

out=build/fuzz
plain=build/fuzz-plain
tools=build/tools
rm -rf "$out" "$plain"
dotnet publish tests/fuzz/AgentShell.Fuzz -c Release -o "$out" --nologo -v quiet
# Findings are replayed by an uninstrumented copy: instrumented code outside afl-fuzz has no
# coverage map to write to and fails with an access violation of its own.
cp -r "$out" "$plain"
[[ -x $tools/sharpfuzz ]] || dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$tools" >/dev/null
for dll in AgentShell.Core.dll AgentShell.Supervisor.dll; do
    "$tools/sharpfuzz" "$out/$dll" >/dev/null
done

export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1
status=0
for t in "${targets[@]}"; do
    findings=build/fuzz-out/$t
    mkdir -p build/fuzz-out
    rm -rf "$findings"
    echo "fuzz: $t for ${SECONDS_EACH}s"
    afl-fuzz -i "tests/fuzz/$t/corpus" -o "$findings" -V "$SECONDS_EACH" -t 5000 -m none -- dotnet "$out/AgentShell.Fuzz.dll" "$t" >"$findings.log" 2>&1 || true
    stats=$findings/default/fuzzer_stats
    [[ -f $stats ]] || { echo "fuzz: $t: afl-fuzz did not run; see $findings.log" >&2; tail -5 "$findings.log" >&2; status=1; continue; }
    execs=$(awk -F: '/^execs_done/ {gsub(/ /,"",$2); print $2}' "$stats")
    crashes=$(find "$findings/default/crashes" -type f -name 'id:*' 2>/dev/null | wc -l)
    hangs=0
    for h in "$findings"/default/hangs/id:*; do
        [[ -f $h ]] || continue
        # AFL's 5 s limit is short on a loaded machine: a hang counts only if it still hangs alone.
        timeout 60 dotnet "$plain/AgentShell.Fuzz.dll" "$t" "$h" >/dev/null 2>&1 || { [[ $? -eq 124 ]] && hangs=$((hangs + 1)); }
    done
    echo "fuzz: $t: $execs executions, $crashes crash(es), $hangs hang(s)"
    for c in "$findings"/default/crashes/id:*; do
        [[ -f $c ]] || continue
        echo "fuzz: $t: crash $c:" >&2
        dotnet "$plain/AgentShell.Fuzz.dll" "$t" "$c" 2>&1 | head -5 >&2 || true
    done
    ((crashes == 0 && hangs == 0)) || status=1
done
exit $status
