#!/usr/bin/env bash
# make bench: one table of AgentShell's costs beside their baselines (see bench.py), also written
# to tests/bench/results.md. Arguments: row names to run only those; --readme to refresh the
# README's Performance section too.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec python3 tests/bench/bench.py "$@"
