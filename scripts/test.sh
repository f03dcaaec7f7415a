#!/usr/bin/env bash
# Runs every test project and prints one line computed from the TRX results:
#   N passed, N failed, N skipped
# Exits non-zero when anything failed or no test ran.
set -uo pipefail
cd "$(dirname "$0")/.."

results=TestResults
rm -rf "$results"
status=0
# One run per project, each with its own TRX file: default TRX names are timestamps, and two
# projects finishing in the same second would overwrite each other.
dotnet build AgentShell.sln -c Release --nologo -v quiet || status=1
run() {
    local proj=$1 name
    name=$(basename "$1" .csproj)
    shift
    dotnet test "$proj" -c Release --no-build --nologo --logger "trx;LogFileName=$name.trx" --results-directory "$results" "$@"
}
# Core runs beside the others: it is pure (no port, pinned BPF path, PostgreSQL or agentshell run;
# its files are under temp directories of its own, its few processes are mkfifo, unshare -Urm in a
# namespace of its own and tools' --help), so nothing of another project's can collide with it.
# Its output is printed after the rest, not interleaved.
core=tests/AgentShell.Core.Tests/AgentShell.Core.Tests.csproj
core_log=$(mktemp /tmp/agentshell-core-tests.XXXXXX.log)
run "$core" "$@" >"$core_log" 2>&1 &
core_pid=$!
for proj in tests/*.Tests/*.csproj tests/adversarial/*.Tests.csproj; do
    [[ $proj == "$core" ]] && continue
    run "$proj" "$@" || status=1
done
wait "$core_pid" || status=1
cat "$core_log"
rm -f "$core_log"

summary=$(python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
for f in glob.glob(sys.argv[1] + "/**/*.trx", recursive=True):
    c = ET.parse(f).getroot().find("t:ResultSummary/t:Counters", ns)
    if c is None:
        continue
    passed += int(c.get("passed", 0))
    failed += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0)) + int(c.get("aborted", 0))
    skipped += int(c.get("total", 0)) - int(c.get("executed", 0)) + int(c.get("inconclusive", 0))
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
) || summary="0 passed, 1 failed, 0 skipped"
echo "$summary"
read -r p _ f _ <<<"$summary"
if [[ $status -ne 0 || ${f:-1} -ne 0 || ${p:-0} -eq 0 ]]; then
    exit 1
fi
