"""make bench rows: connects (loopback TCP, Unix), start-up, `check` cold, the supervisor's RSS, and classify+decide."""
import os
import re
import statistics
import subprocess

from benchlib import *  # noqa: F401,F403 (the harness: Cell, Row, row, the columns, the sizes)


CONNECT_ROUNDS = int(os.environ.get("CONNECT_ROUNDS", "31"))


def bpf_prog_stats(pid):
    """{prog id: (run_time_ns, run_cnt)} of the BPF programs process pid holds (its fdinfo; the
    kernel counts only while kernel.bpf_stats_enabled is 1)."""
    out = {}
    fds = f"/proc/{pid}/fdinfo"
    for fd in os.listdir(fds):
        try:
            with open(os.path.join(fds, fd)) as f:
                info = dict(l.split(":", 1) for l in f.read().splitlines() if ":" in l)
        except OSError:
            continue  # closed meanwhile
        info = {k.strip(): v.strip() for k, v in info.items()}
        if "prog_id" in info and "run_cnt" in info:
            out[info["prog_id"]] = (int(info["run_time_ns"]), int(info["run_cnt"]))
    return out


def root_connect_program_ns(t):
    """Root mode: what the cgroup connect program itself costs per connect, from the kernel's own
    counters (kernel.bpf_stats_enabled on for this one run, then restored): ns per run of the program
    that ran once per connect, or None."""
    knob = "/proc/sys/kernel/bpf_stats_enabled"
    try:
        with open(knob) as f:
            was = f.read().strip()
        with open(knob, "w") as f:
            f.write("1")
    except OSError:
        return None
    try:
        marks, _ = marked(t.wrap(ROOTMODE, [t.connectb, "--marks", str(N_CONNECT)]), bpf_prog_stats, lambda l: l in ("start", "end"))
    finally:
        with open(knob, "w") as f:
            f.write(was)
    a, b = marks["start"], marks["end"]
    ran = [(b[k][0] - a.get(k, (0, 0))[0], b[k][1] - a.get(k, (0, 0))[1]) for k in b]
    per = [ns / cnt for ns, cnt in ran if cnt >= N_CONNECT]  # connect4: once per connect
    return max(per) if per else None


@row
def connects(t):
    """Loopback connects, per connect, paired per round: each round runs bare, the no-op C floor,
    seccomp, root, bare again and strace -f (rotated); the figure is the median over the rounds of
    ours / bare with its quartiles, beside the noise, the median |bare again / bare − 1|. Root mode's
    own cost is also read from the kernel: the connect program's run time per connect."""
    cmd = [t.connectb, str(N_CONNECT)]
    s, cells, ratios, noise = ratio_rounds(t, cmd, CONNECT_ROUNDS)
    med = statistics.median
    prog = root_connect_program_ns(t) if ROOTMODE in ratios else None
    ok = ratios[SECCOMP][0] <= 1.7 and (ROOTMODE not in ratios or ratios[ROOTMODE][0] <= 1.05)
    result = verdict(ok)
    if ok and ROOTMODE in ratios and noise > 0.05:
        # Root's 5% budget is inside the wall noise: the paired median alone does not show it.
        result = "met on the paired median, within the noise" if prog is not None and prog / 1000 / med(s[BARE]) <= 0.05 else \
            f"inconclusive (noise ±{100 * noise:.0f}% > root's 5% budget)"
    note = ratio_note(ratios, CONNECT_ROUNDS, noise) + \
        (f"; root: the connect program itself {prog:.0f} ns per connect (kernel.bpf_stats_enabled, one more run), " \
         f"x{1 + prog / 1000 / med(s[BARE]):.3f} of bare" if prog is not None else "")
    return Row(f"loopback TCP connect, per connect ({N_CONNECT} a run, {CONNECT_ROUNDS} paired rounds)", cells,
               "seccomp ≤ x1.7, root ≤ x1.05 of bare (paired median)", result, note)


NSCD = "/var/run/nscd/socket"


def unix_connect_row(t, what, cmd):
    """Unix connects, made as the TCP row: the same rounds, columns and ratios, and the same x1.7
    budget for both modes: root mode traps a Unix connect by seccomp as seccomp mode does (the
    cgroup program sees only the path string, so it is not given Unix connects while the profile
    lists command servers, as the default does). The note adds what each costs over bare and over
    the no-op floor in µs: bare is small here, so a ratio alone overstates a few µs."""
    s, cells, ratios, noise = ratio_rounds(t, cmd, CONNECT_ROUNDS)
    modes = [c for c in (SECCOMP, ROOTMODE) if c in ratios]
    result = "; ".join(f"{c.split()[-1]}: {verdict(ratios[c][0] <= 1.7)}" for c in modes)
    if FLOOR in ratios and ratios[FLOOR][0] > 1.7:
        # bare is cheap (no TCP handshake), so the trap's round trip alone is a larger share.
        result += f" (the no-op floor alone is x{ratios[FLOOR][0]:.2f}: no seccomp notifier meets x1.7 here)"
    extra = "; ".join(f"{c.split()[-1]} {spread(paired(s[c], s[BARE]))} µs over bare, {spread(paired(s[c], s[FLOOR]))} µs over the floor"
                      for c in modes if FLOOR in s)
    return Row(f"{what}, per connect ({N_CONNECT} a run, {CONNECT_ROUNDS} paired rounds)", cells,
               "seccomp ≤ x1.7, root ≤ x1.7 of bare (paired median; the TCP row's seccomp budget: root mode traps Unix connects too)",
               result, ratio_note(ratios, CONNECT_ROUNDS, noise) + f"; {extra} (median of the rounds' differences [quartiles])")


@row
def unix_connect_missing(t):
    """glibc's nscd probe: before every name lookup a process connects to nscd's socket, which is
    not there on most machines (connect-bench checks each connect fails with ENOENT). The supervisor
    proves the path names nothing for the process (/var/run is a link) and lets it through."""
    return unix_connect_row(t, f"Unix connect to a missing socket (glibc's nscd probe, {NSCD})",
                            [t.connectb, "--unix-missing", NSCD, str(N_CONNECT)])


@row
def unix_connect_listening(t):
    """A local app's Unix socket, listening and on no command-server list (connect-bench listens on
    it in a new /tmp directory and accepts): the supervisor finds its file and checks its identity
    against the listed servers' and the approval socket's, then lets it through."""
    return unix_connect_row(t, "Unix connect to an existing, unlisted listening socket (a local app's)",
                            [t.connectb, "--unix-listen", str(N_CONNECT)])


@row
def startup(t):
    timer = [t.execb, "time"]
    cols = {BARE: timer + ["/bin/true"], FLOOR: timer + [t.floor, "/bin/true"]}
    for c in t.columns([SECCOMP, ROOTMODE]):
        cols[c] = timer + t.wrap(c, ["/bin/true"])
    s = interleaved(cols)
    cells = {c: Cell([x / 1000 for x in v], "ms") for c, v in s.items()}
    ok = cells[SECCOMP].median <= 25 and (ROOTMODE not in cells or cells[ROOTMODE].median <= 40)
    return Row("`agentshell run -- /bin/true`, whole process", cells, "seccomp ≤ 25 ms, root ≤ 40 ms", verdict(ok),
               "bare: /bin/true alone; C floor: agentshell-floor /bin/true")


@row
def startup_protection(t):
    """Issue 11: `agentshell run -- /bin/true` with its protection (read-only binds of its own files
    in a mount namespace, the tree in a pid namespace with its own /proc) against the same run where
    the kernel refuses unshare(2), as in a restricted container (the run then warns, rule
    supervisor:unprotected-files, and goes on unprotected). Both through the same seccomp wrapper
    (unshare-gate.c), interleaved; the figure is the median of the runs' paired differences, in wall
    time and in CPU time (wait4: the supervisor, the launcher and the tree)."""
    gate = os.path.join(t.dir, "unshare-gate")
    subprocess.run(["gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-o", gate, os.path.join(BENCH, "unshare-gate.c")], check=True)
    timer = [t.execb, "time"]
    modes = t.columns([SECCOMP, ROOTMODE])
    wall = {(c, g): [] for c in modes for g in ("--allow", "--deny")}
    cpu = {(c, g): [] for c in modes for g in ("--allow", "--deny")}
    for _ in range(max(RUNS, int(os.environ.get("STARTUP_RUNS", "15")))):
        for c in modes:
            for g in ("--allow", "--deny"):
                w, u = cpu_figure(timer + [gate, g, *t.wrap(c, ["/bin/true"])])
                wall[(c, g)].append(w / 1000)
                cpu[(c, g)].append(u / 1000)
    med = statistics.median
    pairs = {c: sorted(a - b for a, b in zip(wall[(c, "--allow")], wall[(c, "--deny")])) for c in modes}
    diff = {c: med(v) for c, v in pairs.items()}
    # The middle half of the paired differences: wider than the target, the load decided them.
    spread = max(v[3 * len(v) // 4] - v[len(v) // 4] for v in pairs.values())
    cdiff = {c: med([a - b for a, b in zip(cpu[(c, "--allow")], cpu[(c, "--deny")])]) for c in modes}
    note = "; ".join(f"{c.split()[-1]} {diff[c]:+.1f} ms wall, {cdiff[c]:+.1f} ms CPU" for c in modes) + \
        " (protected − unprotected, median of the runs' paired differences)"
    # The launcher's protection alone (native/launcher/protect.c, the paths a run protects), phase by
    # phase against the same processes with no namespace: what the whole-process rows above hold
    # within their noise.
    pb = os.path.join(t.dir, "protect-bench")
    subprocess.run(["gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-I", os.path.join(ROOT, "native", "launcher"), "-o", pb,
                    os.path.join(BENCH, "protect-bench.c"), os.path.join(ROOT, "native", "launcher", "protect.c")], check=True)
    home = os.path.expanduser("~")
    paths = [os.path.dirname(AS), os.path.join(ROOT, "profiles"), "/etc/agentshell", f"/tmp/agentshell-{os.geteuid()}",
             os.path.join(home, ".config", "agentshell"), os.path.join(home, ".local", "state", "agentshell")]
    out = subprocess.run([pb, os.environ.get("PROTECT_RUNS", "51"), *paths], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    phases = {}
    for line in out.stdout.splitlines():
        m = re.match(r"^(.*?)\s+protected ([0-9.]+) ms\s+plain ([0-9.]+) ms$", line)
        if m:
            phases[m.group(1).strip()] = (float(m.group(2)), float(m.group(3)))
    rows = [
        Row("`agentshell run -- /bin/true`, protected (mount + pid namespaces), whole process", {c: Cell(wall[(c, "--allow")], "ms") for c in modes},
            "within 5 ms of unprotected", verdict(all(v <= 5 for v in diff.values())) if spread <= 5 else
            f"inconclusive (the paired differences' middle half spans {spread:.0f} ms: load)", note),
        Row("`agentshell run -- /bin/true` where unshare(2) is refused (unprotected), whole process", {c: Cell(wall[(c, "--deny")], "ms") for c in modes},
            "—", "", "the baseline of the row above"),
    ]
    if out.returncode == 0 and "whole" in phases:
        pw, uw = phases["whole"]
        detail = "; ".join(f"{k} {v[0] - v[1]:+.2f} ms" for k, v in phases.items() if k != "whole")
        rows.append(Row("the launcher's protection alone (tests/bench/protect-bench.c), protected − plain, whole", {BARE: Cell([pw - uw], "ms", "{:.2f}")},
                        "within 5 ms", verdict(pw - uw <= 5), f"medians of {os.environ.get('PROTECT_RUNS', '51')} interleaved runs; {detail}"))
    else:
        rows.append(Row("the launcher's protection alone (tests/bench/protect-bench.c)", {}, "within 5 ms", "**failed**", out.stderr.strip()[-300:]))
    return rows


@row
def check_cold(t):
    timer = [t.execb, "time"]
    s = interleaved({BARE: timer + [AS, "check", "--", "ls"], FLOOR: timer + ["/bin/true"]})
    cells = {c: Cell([x / 1000 for x in v], "ms") for c, v in s.items()}
    return Row("`agentshell check -- ls`, cold process", cells, "≤ 15 ms", verdict(cells[BARE].median <= 15),
               "C floor column: spawning /bin/true")


@row
def supervisor_rss(t):
    cmd = [t.execb, "decisions", str(N_RSS_LOW), str(N_RSS_HIGH)]
    low, high = {}, {}
    for _ in range(RSS_RUNS):
        for c in t.columns([SECCOMP, ROOTMODE]):
            marks = supervisor_peaks(t.wrap(c, cmd))
            low.setdefault(c, []).append(marks[N_RSS_LOW] / 1024)
            high.setdefault(c, []).append(marks[N_RSS_HIGH] / 1024)
    lo = {c: Cell(v, "MiB", "{:.1f}") for c, v in low.items()}
    hi = {c: Cell(v, "MiB", "{:.1f}") for c, v in high.items()}
    growth = {c: hi[c].median - lo[c].median for c in hi}
    flat = all(g <= 0.5 for g in growth.values())
    note = f"median of {RSS_RUNS}; growth " + "; ".join(f"{c.split()[-1]} {g:+.1f} MiB" for c, g in growth.items())
    return [
        Row(f"supervisor peak RSS (VmHWM) after {N_RSS_LOW:,} decisions", lo, "—", "", "execs of parsed and unknown tools, connects, a child every 100"),
        Row(f"supervisor peak RSS (VmHWM) after {N_RSS_HIGH:,} decisions", hi, "seccomp ≤ 16 MiB; flat from 10k (≤ +0.5 MiB)",
            verdict(hi[SECCOMP].median <= 16 and flat), note),
    ]


@row
def classify_decide(t):
    p = subprocess.run(["dotnet", "run", "-c", "Release", "--project", os.path.join(BENCH, "AgentShell.Bench"), "--", "table"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    if p.returncode != 0:
        raise RuntimeError(f"AgentShell.Bench failed: {p.stderr.strip()[-400:]}")
    figs = dict(line.split()[:2] for line in p.stdout.splitlines() if re.match(r"^[a-z0-9_]+ [0-9.]+$", line))
    # The row's figure is the same harness (KnownBench) built as the supervisor is, NativeAOT: the
    # JIT figure above it reads about a third less (mostly tiered PGO, which the shipped binary does
    # not have), so it could meet a target the supervisor misses. The JIT figure stays in the note, for A/B runs (AgentShell.Bench.AB).
    aot_dir = os.path.join(ROOT, "build", "bench-aot")
    subprocess.run(["dotnet", "publish", os.path.join(BENCH, "AgentShell.Bench.Aot"), "-c", "Release", "-r", "linux-x64",
                    "--artifacts-path", os.path.join(aot_dir, "artifacts"), "-o", os.path.join(aot_dir, "publish"), "--nologo", "-v", "quiet"],
                   check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    a = subprocess.run([os.path.join(aot_dir, "publish", "AgentShell.Bench.Aot")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    if a.returncode != 0:
        raise RuntimeError(f"AgentShell.Bench.Aot failed: {a.stderr.strip()[-400:]}")
    aot = dict(line.split()[:2] for line in a.stdout.splitlines() if re.match(r"^[a-z0-9_]+ [0-9.]+$", line))
    known = [float(aot["argv_known_us"])]
    fresh = [float(figs["freshness_us"])]
    shell = [float(figs["shell10_us"])]
    # Split because the issue's own design (a per-exec freshness check by path, inode and mtime)
    # needs at least one syscall per decision, about 1.2-1.8 µs on this VM by itself: the <= 1 µs
    # figure can only be the CPU part. Both from the same run; the sum is what the supervisor pays.
    return [
        Row("classify+decide, one argv, configuration state known (median over the corpus)", {BARE: Cell(known, "µs", "{:.2f}")}, "≤ 1 µs",
            verdict(known[0] <= 1),
            "in-process, NativeAOT as the supervisor (tests/bench/AgentShell.Bench.Aot), no config file present; no syscall: each lookup is answered "
            + f"from its first answer, the missing-file watch is not polled. Thread CPU {float(aot['argv_known_cpu_us']):.2f} µs; {aot['argv_known_bytes']} B allocated (median), "
            + f"{aot['argv_zero_alloc_cases']} of {aot['argv_cases']} cases allocate nothing. Split from the freshness check (next row), which is a syscall by design. "
            + f"The same under the JIT with tiered PGO (tests/bench/AgentShell.Bench, what the A/B driver times): {float(figs['argv_known_us']):.2f} µs. "
            + f"JIT, same run: with the check, as the supervisor decides {float(figs['argv_median_us']):.2f} µs; "
            + f"every config lookup real (no missing-file watch) {float(figs['argv_median_unwatched_us']):.2f} µs"),
        Row("freshness check per decision (one poll of the missing-file watch)", {BARE: Cell(fresh, "µs", "{:.2f}")}, "—", "",
            f"a decision's first config lookup minus a later one: poll(inotify fd, mountinfo fd) with no wait; thread CPU {float(figs['freshness_cpu_us']):.2f} µs. "
            + "Needed for soundness: a config file created just before the exec must be seen"),
        Row("classify+decide, a `bash -c` string of 10 commands", {BARE: Cell(shell, "µs", "{:.1f}")}, "< 20 µs", verdict(shell[0] < 20),
            "in-process, JIT"),
    ]
