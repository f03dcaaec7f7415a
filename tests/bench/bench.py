#!/usr/bin/env python3
"""make bench: AgentShell's costs in one table, each figure beside its baseline measured in the
same run (bare, the minimal C notifier, strace -f), with the issue's target and whether it is met.

    tests/bench/bench.py [--readme] [ROW...]     (ROW: a row function's name without "row_")

Every row is one function in rows_*.py (the harness is benchlib.py), registered with @row; a row runs its columns interleaved
(bare, floor, seccomp, root, strace, bare, floor, ... RUNS times) so that the machine's load
falls on all of them alike, and reports the median with min-max. Results go to stdout and to
tests/bench/results.md (with --readme, also to the README's Performance section).
Environment: RUNS (default 5), RSS_RUNS (3), and the sizes N_FAIL, N_SPAWN, N_SHELL, N_CONNECT, N_TELEMETRY,
N_RSS_LOW, N_RSS_HIGH, N_VERIFY, N_HOLD (trusted_exec_hold's curls per run, 100), PAIRS (telemetry_export's off/on/off rounds, 15) (no-op spawns per exec_verification run, 1000) and STARTUP_RUNS (15);
SPAWN_ROUNDS (posix_spawn_loop's paired rounds, 11) and CONNECT_ROUNDS (the connect rows', TCP and Unix, 31); BENCH_OTLP_SINK=http.server
puts telemetry_export's old receiver (http.server) back.
exec_verification also runs the bench's own build with verification compiled out (published to
build/bench-noverify/ on first use; AGENTSHELL_NO_VERIFY=<binary> names one instead).
"""
import os
import re
import sys
import time

from benchlib import AS, BENCH, ROOT, ROWS, RSS_RUNS, RUNS, Row, Tools, machine, table
import rows_exec  # noqa: F401 (each registers its rows, in this order)
import rows_system  # noqa: F401
import rows_wire  # noqa: F401
import rows_verify  # noqa: F401


def main(argv):
    readme = "--readme" in argv
    wanted = [a for a in argv if not a.startswith("--")]
    fns = [f for f in ROWS if not wanted or f.__name__ in wanted]
    if wanted and len(fns) != len(wanted):
        sys.exit(f"unknown row; rows: {', '.join(f.__name__ for f in ROWS)}")
    if not os.path.exists(AS):
        sys.exit("bin/agentshell is missing: run make")
    cpu, cores, kernel, dotnet, commit = machine()
    load0 = os.getloadavg()
    start = time.time()
    t = Tools()
    rows = []
    try:
        for f in fns:
            print(f"[{f.__name__}]", file=sys.stderr, flush=True)
            try:
                got = f(t)
            except Exception as e:  # one broken row must not hide the others
                got = Row(f.__name__, {}, "—", "**failed**", str(e)[:300])
            rows.extend(got if isinstance(got, list) else [got])
    finally:
        t.cleanup()
    load1 = os.getloadavg()
    took = time.time() - start
    out = table(rows)
    print(out)
    header = (
        f"Measured {time.strftime('%Y-%m-%d %H:%M %Z')} at commit {commit} by `make bench` ({took:.0f} s): {cpu}, {cores} cores, "
        f"Linux {kernel}, .NET SDK {dotnet}; {'root (both modes)' if t.root_mode else 'not root (seccomp mode only)'}. "
        f"Load average {load0[0]:.1f} at start, {load1[0]:.1f} at end. This machine is shared with other jobs and noisy: "
        f"figures are medians of {RUNS} interleaved runs (RSS: {RSS_RUNS}) with min–max, and only a figure beside its "
        "baseline from the same run means anything."
    )
    with open(os.path.join(BENCH, "results.md"), "w") as f:
        f.write("# make bench: latest results\n\n" + header + "\n\n" + out + "\n")
    if readme:
        path = os.path.join(ROOT, "README.md")
        text = open(path).read()
        block = "<!-- bench -->\n" + header + "\n\n" + out + "\n<!-- /bench -->"
        text = re.sub(r"<!-- bench -->.*?<!-- /bench -->", lambda _: block, text, flags=re.S)
        open(path, "w").write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
