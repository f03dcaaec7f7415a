#!/usr/bin/env python3
"""Where a start-up's milliseconds go (issue 16): runs one command several times with
AGENTSHELL_TRACE_STARTUP=1 and prints, per phase, the median wall time and the whole process's CPU
(each phase ends at its mark), young collections and KiB allocated so far. "main" is spawn to the
first line of Main (ld.so, prefault, the runtime's rehydration, GC init); the last line is the
last mark to the process reaped (runtime exit).
    tests/bench/startup-timeline.py BIN_DIR seccomp|root|check [RUNS]"""
import os, statistics, sys, time

d, mode = sys.argv[1], sys.argv[2]
runs = int(sys.argv[3]) if len(sys.argv) > 3 else 11
audit = f"/tmp/agentshell-timeline-{os.getpid()}.jsonl"
cmds = {"seccomp": ["run", "--quiet", "--connect-guard", "seccomp", "--audit", audit, "--", "/bin/true"],
        "root": ["run", "--quiet", "--connect-guard", "kernel", "--audit", audit, "--", "/bin/true"],
        "check": ["check", "--", "ls"]}
argv = [os.path.join(d, "agentshell")] + cmds[mode]
env = dict(os.environ, AGENTSHELL_TRACE_STARTUP="1")
END = "(last mark to reaped)"
order, wall, cpu, gcs, kib, total, rusage = [], {}, {}, {}, {}, [], []
for _ in range(runs):
    if mode == "root":
        time.sleep(1.5)  # the previous run's detached pool refill
    r, w = os.pipe()
    null = os.open("/dev/null", os.O_WRONLY)
    t0 = time.clock_gettime(time.CLOCK_MONOTONIC)
    pid = os.posix_spawn(argv[0], argv, env, file_actions=[(os.POSIX_SPAWN_DUP2, null, 1), (os.POSIX_SPAWN_DUP2, w, 2)])
    os.close(w)
    out = b""
    while chunk := os.read(r, 65536):
        out += chunk
    _, status, ru = os.wait4(pid, 0)
    t1 = time.clock_gettime(time.CLOCK_MONOTONIC)
    os.close(r)
    os.close(null)
    if status != 0:
        sys.exit(f"{' '.join(argv)} failed: {out.decode(errors='replace')[-400:]}")
    prev, prev_cpu = t0 * 1e6, 0
    for line in out.decode().splitlines():
        if not line.startswith("agentshell-trace "):
            continue
        fields = line.split()
        phase, values = fields[1], dict(f.split("=") for f in fields[2:])
        if phase not in wall:
            order.append(phase)
            wall[phase], cpu[phase], gcs[phase], kib[phase] = [], [], [], []
        mono, pcpu = int(values["mono"]), int(values["process-cpu"])
        wall[phase].append((mono - prev) / 1000)
        cpu[phase].append((pcpu - prev_cpu) / 1000)
        gcs[phase].append(int(values["gc0"]))
        kib[phase].append(int(values["allocated-kib"]))
        prev, prev_cpu = mono, pcpu
    wall.setdefault(END, []).append((t1 * 1e6 - prev) / 1000)
    total.append((t1 - t0) * 1000)
    rusage.append((ru.ru_utime + ru.ru_stime) * 1000)
med = statistics.median
print(f"{mode}: {runs} runs, load {os.getloadavg()[0]:.1f}; whole process: wall {med(total):.1f} ms (min {min(total):.1f}), "
      f"CPU {med(rusage):.1f} ms (rusage of it and all it reaped)")
print(f"{'phase (ends at mark)':24} {'wall ms':>8} {'CPU ms':>7} {'gc0':>4} {'KiB':>6}")
for phase in order:
    print(f"{phase:24} {med(wall[phase]):8.2f} {med(cpu[phase]):7.2f} {med(gcs[phase]):4.0f} {med(kib[phase]):6.0f}")
print(f"{END:24} {med(wall[END]):8.2f}")
try:
    os.unlink(audit)
except FileNotFoundError:
    pass
