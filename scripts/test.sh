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
# Two lanes: most of the suite's time is waiting (pauses, timeouts, servers starting: a whole run
# uses about 5 CPU-minutes in 17 wall-minutes on 2 cores), so the second lane runs beside the first.
# Nothing the lanes share can collide: every test's ports are ephemeral, its homes, sockets, audit
# logs and PostgreSQL clusters are under temp directories of its own, each `agentshell run` has its
# own listener and claims its own pinned programs (BpfPoolTests counts a pool of its own), and two
# runs at once is what users do too. Reliability runs last in the first lane, once the second is
# likely done (it measures RSS and latency). A lane is a function in the background, not a simple
# command: bash starts a simple command in the background with SIGINT and SIGQUIT ignored, and the
# signal tests would fail. The second lane's output is printed after the first lane's.
lane() {
    local proj rc=0
    for proj in "$@"; do run "$proj" "${extra[@]}" || rc=1; done
    return $rc
}
extra=("$@")
second=(tests/AgentShell.Core.Tests/AgentShell.Core.Tests.csproj
        tests/AgentShell.Supervisor.Tests/AgentShell.Supervisor.Tests.csproj
        tests/adversarial/AgentShell.Adversarial.Tests.csproj)
second_log=$(mktemp /tmp/agentshell-tests.XXXXXX.log)
lane "${second[@]}" >"$second_log" 2>&1 &
second_pid=$!
lane tests/AgentShell.EndToEnd.Tests/AgentShell.EndToEnd.Tests.csproj || status=1
wait "$second_pid" || status=1
cat "$second_log"
rm -f "$second_log"
lane tests/AgentShell.Reliability.Tests/AgentShell.Reliability.Tests.csproj || status=1
# A project added later and in neither lane would silently not run: fail instead.
for proj in tests/*.Tests/*.csproj tests/adversarial/*.Tests.csproj; do
    case " ${second[*]} tests/AgentShell.EndToEnd.Tests/AgentShell.EndToEnd.Tests.csproj tests/AgentShell.Reliability.Tests/AgentShell.Reliability.Tests.csproj " in
        *" $proj "*) ;;
        *) echo "scripts/test.sh: $proj is in no lane" >&2; status=1 ;;
    esac
done

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
    # A failed test's name (and the first line of its message) on stderr, above the summary: a CI
    # log kept only in part still says which test failed.
    for r in ET.parse(f).getroot().iterfind(".//t:UnitTestResult", ns):
        if r.get("outcome") in ("Failed", "Error", "Timeout", "Aborted"):
            msg = r.find("t:Output/t:ErrorInfo/t:Message", ns)
            first = (msg.text or "").strip().splitlines()[:1] if msg is not None else []
            print(f"FAILED {r.get('testName')}: {first[0][:300] if first else ''}", file=sys.stderr)
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
) || summary="0 passed, 1 failed, 0 skipped"
echo "$summary"
read -r p _ f _ <<<"$summary"
if [[ $status -ne 0 || ${f:-1} -ne 0 || ${p:-0} -eq 0 ]]; then
    exit 1
fi
