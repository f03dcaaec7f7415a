#!/usr/bin/env bash
# make soak: the long reliability cases (NUnit category Soak: 100,000 decisions, 8 x 500 execs and
# 200 connects with an item held) and two minutes of AFL++ per fuzz target. Not part of make test.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
dotnet test tests/AgentShell.Reliability.Tests -c Release --nologo -- NUnit.Where="cat == Soak" || status=1
./tests/fuzz/run.sh || status=1
exit $status
