#!/usr/bin/env bash
# Runs every test project and prints one line computed from the TRX results:
#   N passed, N failed, N skipped
# Exits non-zero when anything failed or no test ran.
set -uo pipefail
cd "$(dirname "$0")/.."

results=TestResults
rm -rf "$results"
dotnet test AgentShell.sln -c Release --nologo --logger trx --results-directory "$results" "$@"
status=$?

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
    skipped += int(c.get("notExecuted", 0)) + int(c.get("inconclusive", 0))
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
) || summary="0 passed, 1 failed, 0 skipped"
echo "$summary"
read -r p _ f _ <<<"$summary"
if [[ $status -ne 0 || ${f:-1} -ne 0 || ${p:-0} -eq 0 ]]; then
    exit 1
fi
