#!/usr/bin/env python3
"""make bench: AgentShell's costs in one table, each figure beside its baseline measured in the
same run (bare, the minimal C notifier, strace -f), with the issue's target and whether it is met.

    tests/bench/bench.py [--readme] [ROW...]     (ROW: a row function's name without "row_")

Every row is one function below, registered with @row; a row runs its columns interleaved
(bare, floor, seccomp, root, strace, bare, floor, ... RUNS times) so that the machine's load
falls on all of them alike, and reports the median with min-max. Results go to stdout and to
tests/bench/results.md (with --readme, also to the README's Performance section).
Environment: RUNS (default 5), RSS_RUNS (3), and the sizes N_FAIL, N_SPAWN, N_SHELL, N_CONNECT, N_TELEMETRY,
N_RSS_LOW, N_RSS_HIGH, N_VERIFY, N_HOLD (trusted_exec_hold's curls per run, 100), PAIRS (telemetry_export's off/on/off rounds, 15) (no-op spawns per exec_verification run, 1000) and STARTUP_RUNS (15);
SPAWN_ROUNDS (posix_spawn_loop's paired rounds, 11) and CONNECT_ROUNDS (connects', 31); BENCH_OTLP_SINK=http.server
puts telemetry_export's old receiver (http.server) back.
exec_verification also runs the bench's own build with verification compiled out (published to
build/bench-noverify/ on first use; AGENTSHELL_NO_VERIFY=<binary> names one instead).
"""
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BENCH = os.path.join(ROOT, "tests", "bench")
AS = os.environ.get("AGENTSHELL") or os.path.join(ROOT, "bin", "agentshell")
RUNS = int(os.environ.get("RUNS", "5"))
RSS_RUNS = int(os.environ.get("RSS_RUNS", "3"))
N_FAIL = int(os.environ.get("N_FAIL", "2000"))
N_SPAWN = int(os.environ.get("N_SPAWN", "200"))
N_SHELL = int(os.environ.get("N_SHELL", "100"))
N_CONNECT = int(os.environ.get("N_CONNECT", "2000"))
N_RSS_LOW = int(os.environ.get("N_RSS_LOW", "10000"))
N_RSS_HIGH = int(os.environ.get("N_RSS_HIGH", "100000"))

COLUMNS = ["bare · in-process", "C floor", "agentshell seccomp", "agentshell root", "strace -f"]
BARE, FLOOR, SECCOMP, ROOTMODE, STRACE = COLUMNS


class Cell:
    """The samples of one column of one row."""

    def __init__(self, values, unit, fmt="{:.1f}"):
        self.values, self.unit, self.fmt = sorted(values), unit, fmt

    @property
    def median(self):
        return statistics.median(self.values)

    def text(self):
        f = self.fmt.format
        if len(self.values) == 1:
            return f"{f(self.values[0])} {self.unit}"
        return f"{f(self.median)} {self.unit} ({f(self.values[0])}–{f(self.values[-1])})"


class Row:
    """One line of the table: what was measured, its cells by column, the target and the verdict."""

    def __init__(self, what, cells, target, met, note=""):
        self.what, self.cells, self.target, self.met, self.note = what, cells, target, met, note


ROWS = []


def row(fn):
    """Registers a row function: it returns a Row or a list of Rows."""
    ROWS.append(fn)
    return fn


class Tools:
    """The programs the rows run, built once into a temporary directory."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="agentshell-bench-")
        self.audit = os.path.join(self.dir, "audit.jsonl")
        cflags = ["-O2", "-Wall", "-Wextra", "-Werror", "-Wformat-security", "-pthread"]
        for src, out in [("notifier.c", "floor"), ("exec-bench.c", "exec-bench"), ("connect-bench.c", "connect-bench")]:
            subprocess.run(["gcc", *cflags, "-o", os.path.join(self.dir, out), os.path.join(BENCH, src)], check=True)
        self.floor = os.path.join(self.dir, "floor")
        self.execb = os.path.join(self.dir, "exec-bench")
        self.connectb = os.path.join(self.dir, "connect-bench")
        self.repo = os.path.join(self.dir, "repo")
        os.makedirs(self.repo)
        with open(os.path.join(self.repo, "README"), "w") as f:
            f.write("hello\n")
        self.root_mode = os.geteuid() == 0 and self.quiet([AS, "run", "--connect-guard", "kernel", "--audit", self.audit, "--", "/bin/true"])
        self.strace = shutil.which("strace") is not None

    @staticmethod
    def quiet(cmd):
        return subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0

    # How each column runs a command.
    def wrap(self, column, cmd, floor_noop=False):
        if column == BARE:
            return cmd
        if column == FLOOR:
            return [self.floor, *(["--noop"] if floor_noop else []), "--", *cmd]
        if column == SECCOMP:
            return [AS, "run", "--quiet", "--connect-guard", "seccomp", "--audit", self.audit, "--", *cmd]
        if column == ROOTMODE:
            return [AS, "run", "--quiet", "--connect-guard", "kernel", "--audit", self.audit, "--", *cmd]
        if column == STRACE:
            return ["strace", "-f", "-qq", "-o", "/dev/null", *cmd]
        raise ValueError(column)

    def columns(self, wanted=COLUMNS):
        return [c for c in wanted if (c != ROOTMODE or self.root_mode) and (c != STRACE or self.strace)]

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def figure(cmd):
    """Runs cmd; its last line of output is the figure."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = p.stdout.strip().splitlines()
    if p.returncode != 0 or not lines:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()[-400:]}")
    return float(lines[-1].split()[0])


def interleaved(commands, runs=RUNS):
    """{column: cmd} run round-robin `runs` times; {column: [figures]}."""
    out = {c: [] for c in commands}
    for _ in range(runs):
        for c, cmd in commands.items():
            out[c].append(figure(cmd))
    return out


def marked(cmd, sample, is_mark=lambda line: True):
    """Runs cmd, an `agentshell run` (directly or through env) or the C floor, whose tree prints
    mark lines and waits for a line on stdin at each (exec-bench decisions and spawn --marks,
    connect-bench --marks, telemetry-bench rss); at each mark calls sample(pid) on the supervisor
    from outside: the tree has its own pid namespace and cannot see it. The supervisor is the
    run's own process (the launcher and the tree are its descendants; the floor's child likewise).
    ({mark: sample}, the last line that is not a mark)."""
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    marks, last = {}, None
    try:
        for line in p.stdout:
            line = line.strip()
            if not is_mark(line):
                last = line
                continue
            marks[line] = sample(p.pid)
            p.stdin.write("\n")
            p.stdin.flush()
        err = p.stderr.read()
    finally:
        p.stdin.close()
        p.wait()
    if p.returncode != 0 or not marks:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}): {err.strip()[-400:]}")
    return marks, last


def supervisor_peaks(cmd):
    """The supervisor's VmHWM (KiB) at each mark of cmd (see marked): {mark: KiB}."""
    def vmhwm(pid):
        with open(f"/proc/{pid}/comm") as f:
            if f.read().strip() != "agentshell":
                raise RuntimeError(f"{' '.join(cmd)}: pid {pid} is not the agentshell supervisor")
        with open(f"/proc/{pid}/status") as f:
            return next(int(l.split()[1]) for l in f if l.startswith("VmHWM:"))
    marks, _ = marked(cmd, vmhwm)
    return {int(m): v for m, v in marks.items()}


def process_cpu_us(pid):
    """CPU time so far of process pid, all its threads (its CPU-time clock, CPUCLOCK_SCHED): µs."""
    return time.clock_gettime(((~pid) << 3) | 2) * 1e6


def marked_loop(cmd, n):
    """cmd prints "start" and "end" around a loop of n operations and its figures last ("wall
    [tree-cpu]" per operation, µs): (wall, tree CPU or None, the supervisor's CPU) per operation,
    the supervisor's from its CPU clock between the marks (the floor's: the notifier process)."""
    marks, last = marked(cmd, process_cpu_us, lambda line: line in ("start", "end"))
    figures = [float(x) for x in (last or "").split()]
    if not figures or set(marks) != {"start", "end"}:
        raise RuntimeError(f"{' '.join(cmd)}: no figure or marks")
    return figures[0], figures[1] if len(figures) > 1 else None, (marks["end"] - marks["start"]) / n


def verdict(ok):
    return "met" if ok else "**not met**"


def floor_verdict(deltas):
    """Against the C floor: a negative difference means the load, not us, decided the figures."""
    if any(d < 0 for d in deltas):
        return "inconclusive (the floor measured slower than agentshell: load)"
    return verdict(all(d <= 2 for d in deltas))


# ---------------------------------------------------------------------------------------------
# Rows. One function per row; add a row by adding a function.


@row
def exec_failing(t):
    """A failing execve (ENOENT after the decision), per call."""
    cmd = [t.execb, "fail", str(N_FAIL)]
    s = interleaved({c: t.wrap(c, cmd) for c in t.columns()})
    cells = {c: Cell(v, "µs") for c, v in s.items()}
    floor = cells[FLOOR].median
    ours = [cells[c].median - floor for c in (SECCOMP, ROOTMODE) if c in cells]
    note = "; ".join(f"{c.split()[-1]} {cells[c].median - floor:+.1f} µs vs floor" for c in (SECCOMP, ROOTMODE) if c in cells)
    return Row(f"failing execve, per call ({N_FAIL} calls)", cells, "agentshell ≤ C floor + 2 µs", floor_verdict(ours), note)


@row
def exec_present(t):
    """Issue 16: the decision of a program that runs, without the program: execve of a file that is
    there but not executable (a copy of /bin/true, mode 0644), per call. The supervisor opens and
    identifies it as it does every program that runs (open, fstat, its first bytes, close; the
    floor reads argv only), then the kernel refuses it (EACCES), so the call costs microseconds and
    the 2 µs budget can be seen, where a real spawn's hundreds of microseconds of load noise hide it.
    Paired per round (rotated; the floor twice a round for the noise)."""
    path = os.path.join(t.dir, "not-executable")
    shutil.copy("/bin/true", path)
    os.chmod(path, 0o644)
    cmd = [t.execb, "present", str(N_FAIL), path]
    cols = t.columns()
    cols.insert(cols.index(FLOOR) + 1, FLOOR2)
    s = rounds(cols, lambda c: figure(t.wrap(FLOOR if c == FLOOR2 else c, cmd)), max(RUNS, 11))
    cells = {c: Cell(v, "µs") for c, v in s.items() if c != FLOOR2}
    ours = [c for c in (SECCOMP, ROOTMODE) if c in cols]
    d = {c: paired(s[c], s[FLOOR]) for c in ours}
    noise = paired(s[FLOOR2], s[FLOOR])[3]
    mode = lambda c: c.split()[-1]
    met = "; ".join(f"{mode(c)}: " + (verdict(d[c][0] <= 2) if noise <= 2 or d[c][0] > 2 + noise else
                                      f"inconclusive (noise ±{noise:.1f} µs > the 2 µs budget)") for c in ours)
    note = "; ".join(f"{mode(c)} − floor {spread(d[c])} µs" for c in ours) + \
        f"; noise (median |floor − floor|) ±{noise:.2f} µs — median of {max(RUNS, 11)} rounds' paired differences [quartiles]"
    return Row(f"execve of a present, non-executable file (decided as a running program would be, then EACCES), per call ({N_FAIL} calls)",
               cells, "agentshell ≤ C floor + 2 µs (paired median)", met, note)


def per_exec_row(t, what, cmd, unit, execs, fmt="{:.1f}", columns=COLUMNS):
    """A workload of `execs` execs against the C floor, paired per round as posix_spawn_loop (the
    floor twice a round, rotated order): per exec, the median of the rounds' (ours − floor)."""
    cols = t.columns(columns)
    cols.insert(cols.index(FLOOR) + 1, FLOOR2)
    s = rounds(cols, lambda c: figure(t.wrap(FLOOR if c == FLOOR2 else c, cmd)), RUNS)
    cells = {c: Cell(v, unit, fmt) for c, v in s.items() if c != FLOOR2}
    b = cells[BARE].median
    ratios = "; ".join(f"{c.split()[-1]} x{cells[c].median / b:.2f}" for c in cells if c != BARE)
    # Per exec, in µs: the same 2 µs budget as a single exec.
    scale = (1000.0 if unit == "ms" else 1.0) / execs
    per = {c: [(x - f) * scale for x, f in zip(s[c], s[FLOOR])] for c in (SECCOMP, ROOTMODE) if c in s}
    noise = paired([x * scale for x in s[FLOOR2]], [x * scale for x in s[FLOOR]])[3]
    d = {c: paired(v, [0] * len(v)) for c, v in per.items()}
    mode = lambda c: c.split()[-1]
    met = "; ".join(f"{mode(c)}: " + (verdict(d[c][0] <= 2) if noise <= 2 or d[c][0] > 2 + noise else
                                      f"inconclusive (noise ±{noise:.1f} µs per exec > the 2 µs budget)") for c in d)
    note = "; ".join(f"{mode(c)} − floor {spread(d[c])} µs per exec" for c in d) + \
        f"; noise (median |floor − floor|) ±{noise:.2f} µs per exec — median of {RUNS} rounds' paired differences [quartiles]; {ratios}"
    return Row(what, cells, "≤ C floor + 2 µs per exec (paired median)", met, note)


FLOOR2 = "C floor, again"  # a second floor run in each round: what the floor differs from itself by
SPAWN_ROUNDS = int(os.environ.get("SPAWN_ROUNDS", "11"))


def rounds(cols, run, n_rounds):
    """run(column) for each column, n_rounds rounds, each round in a rotated order so that no
    column always comes first or last: {column: [result per round]}, the rounds aligned."""
    out = {c: [] for c in cols}
    for i in range(n_rounds):
        k = i % len(cols)
        for c in cols[k:] + cols[:k]:
            out[c].append(run(c))
    return out


@row
def posix_spawn_loop(t):
    """posix_spawn + wait of /bin/true against the C floor, per spawn, paired per round: each round
    runs bare, the floor, seccomp, root, the floor again and strace -f (rotated); the figure is the
    median over the rounds of (ours − the floor) with its quartiles, beside the noise, the median
    |floor − floor again| of the same rounds. Beside the wall time, the CPU per spawn: the tree's
    (exec-bench's getrusage of itself and its children: where root mode's kernel programs run) and
    the supervisor's (its CPU clock between exec-bench's marks; the floor's: the notifier)."""
    cmd = [t.execb, "spawn", "--marks", str(N_SPAWN), "/bin/true"]
    cols = t.columns()
    cols.insert(cols.index(FLOOR) + 1, FLOOR2)
    res = rounds(cols, lambda c: marked_loop(t.wrap(FLOOR if c == FLOOR2 else c, cmd), N_SPAWN), SPAWN_ROUNDS)
    wall = {c: [r[0] for r in v] for c, v in res.items()}
    cpu = {c: [r[1] + r[2] for r in v] for c, v in res.items()}  # the tree's and the supervisor's
    sup = {c: [r[2] for r in v] for c, v in res.items()}
    cells = {c: Cell(v, "µs") for c, v in wall.items() if c != FLOOR2}
    ours = [c for c in (SECCOMP, ROOTMODE) if c in cols]
    d = {c: paired(wall[c], wall[FLOOR]) for c in ours}
    dc = {c: paired(cpu[c], cpu[FLOOR]) for c in ours}
    ds = {c: paired(sup[c], sup[FLOOR]) for c in ours}
    noise, cnoise = paired(wall[FLOOR2], wall[FLOOR])[3], paired(cpu[FLOOR2], cpu[FLOOR])[3]
    mode = lambda c: c.split()[-1]
    note = "; ".join(f"{mode(c)} − floor {spread(d[c])} µs wall, CPU {spread(dc[c])} µs (of which the supervisor's {ds[c][0]:+.2f})" for c in ours) + \
        f"; noise (median |floor − floor|) ±{noise:.2f} µs wall, ±{cnoise:.2f} µs CPU; floor CPU per spawn {statistics.median(cpu[FLOOR]):.1f} µs " \
        f"(its notifier {statistics.median(sup[FLOOR]):.2f}) — median of {SPAWN_ROUNDS} rounds' paired differences [quartiles]"
    # Met: the paired median within 2 µs. Not judged when the noise is wider than the budget itself.
    met = "; ".join(f"{mode(c)}: " + (verdict(d[c][0] <= 2) if noise <= 2 or d[c][0] > 2 + noise else
                                      f"inconclusive (noise ±{noise:.1f} µs > the 2 µs budget)") for c in ours)
    return Row(f"posix_spawn + wait of /bin/true, per spawn ({N_SPAWN} a run, {SPAWN_ROUNDS} paired rounds)", cells,
               "≤ C floor + 2 µs per exec (paired median)", met, note)


@row
def shell_loop(t):
    return per_exec_row(t, f"bash loop of /bin/true, per exec ({N_SHELL})", [os.path.join(BENCH, "shell-loop.sh"), str(N_SHELL)], "µs", 1, "{:.0f}")


@row
def realish_script(t):
    # No strace column: 500 traced execs of git take a minute each on a loaded machine (make bench ≤ ~5 min).
    s = per_exec_row(t, "500 execs: git, grep, sed, curl --version (whole script)", [os.path.join(BENCH, "realish.sh"), t.repo], "µs", 500, "{:.0f}",
                     [BARE, FLOOR, SECCOMP, ROOTMODE])
    for c in s.cells.values():  # µs → ms for reading
        c.values, c.unit, c.fmt = [v / 1000 for v in c.values], "ms", "{:.0f}"
    return s


CONNECT_ROUNDS = int(os.environ.get("CONNECT_ROUNDS", "31"))
BARE2 = "bare, again"


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
    cols = t.columns()
    cols.insert(cols.index(BARE) + 1, BARE2)
    s = rounds(cols, lambda c: figure(t.wrap(BARE if c == BARE2 else c, cmd, floor_noop=True)), CONNECT_ROUNDS)
    cells = {c: Cell(v, "µs") for c, v in s.items() if c != BARE2}
    med = statistics.median

    def ratio(c):  # per round: median, quartiles
        r = [a / b for a, b in zip(s[c], s[BARE])]
        q = statistics.quantiles(r, n=4, method="inclusive")
        return med(r), q[0], q[2]
    ratios = {c: ratio(c) for c in cols if c not in (BARE, BARE2)}
    noise = med(abs(a / b - 1) for a, b in zip(s[BARE2], s[BARE]))
    prog = root_connect_program_ns(t) if ROOTMODE in cols else None
    ok = ratios[SECCOMP][0] <= 1.7 and (ROOTMODE not in ratios or ratios[ROOTMODE][0] <= 1.05)
    result = verdict(ok)
    if ok and ROOTMODE in ratios and noise > 0.05:
        # Root's 5% budget is inside the wall noise: the paired median alone does not show it.
        result = "met on the paired median, within the noise" if prog is not None and prog / 1000 / med(s[BARE]) <= 0.05 else \
            f"inconclusive (noise ±{100 * noise:.0f}% > root's 5% budget)"
    note = "; ".join(f"{c.split()[-1]} x{r[0]:.3f} [x{r[1]:.3f}, x{r[2]:.3f}]" for c, r in ratios.items()) + \
        f" (median of {CONNECT_ROUNDS} rounds' paired ratios to bare [quartiles]; C floor: a no-op notifier); noise ±{100 * noise:.1f}% " \
        "(median |bare − bare| of the same rounds)" + \
        (f"; root: the connect program itself {prog:.0f} ns per connect (kernel.bpf_stats_enabled, one more run), " \
         f"x{1 + prog / 1000 / med(s[BARE]):.3f} of bare" if prog is not None else "")
    return Row(f"loopback TCP connect, per connect ({N_CONNECT} a run, {CONNECT_ROUNDS} paired rounds)", cells,
               "seccomp ≤ x1.7, root ≤ x1.05 of bare (paired median)", result, note)


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
    known = [float(figs["argv_known_us"])]
    fresh = [float(figs["freshness_us"])]
    shell = [float(figs["shell10_us"])]
    # Split because the issue's own design (a per-exec freshness check by path, inode and mtime)
    # needs at least one syscall per decision, about 1.2-1.8 µs on this VM by itself: the <= 1 µs
    # figure can only be the CPU part. Both from the same run; the sum is what the supervisor pays.
    return [
        Row("classify+decide, one argv, configuration state known (median over the corpus)", {BARE: Cell(known, "µs", "{:.2f}")}, "≤ 1 µs",
            verdict(known[0] <= 1),
            "in-process, JIT with tiered PGO (tests/bench/AgentShell.Bench), no config file present; no syscall: each lookup is answered "
            + f"from its first answer, the missing-file watch is not polled. Thread CPU {float(figs['argv_known_cpu_us']):.2f} µs; {figs['argv_known_bytes']} B allocated (median), "
            + f"{figs['argv_zero_alloc_cases']} of {figs['argv_cases']} cases allocate nothing. Split from the freshness check (next row), which is a syscall by design. "
            + f"Same run: with the check, as the supervisor decides {float(figs['argv_median_us']):.2f} µs; "
            + f"every config lookup real (no missing-file watch) {float(figs['argv_median_unwatched_us']):.2f} µs"),
        Row("freshness check per decision (one poll of the missing-file watch)", {BARE: Cell(fresh, "µs", "{:.2f}")}, "—", "",
            f"a decision's first config lookup minus a later one: poll(inotify fd, mountinfo fd) with no wait; thread CPU {float(figs['freshness_cpu_us']):.2f} µs. "
            + "Needed for soundness: a config file created just before the exec must be seen"),
        Row("classify+decide, a `bash -c` string of 10 commands", {BARE: Cell(shell, "µs", "{:.1f}")}, "< 20 µs", verdict(shell[0] < 20),
            "in-process, JIT"),
    ]


@row
def wire_layer(t):
    """Requests through the wire layer (production TCP terminated by the supervisor) against the
    same requests sent directly; 127.0.0.2 is production in the demo profile, 127.0.0.3 is not."""
    wb = os.path.join(t.dir, "wire-bench")
    subprocess.run(["gcc", "-O2", "-pthread", "-Wall", "-Wextra", "-Werror", "-o", wb, os.path.join(BENCH, "wire-bench.c"), "-lssl", "-lcrypto"], check=True)
    ca = os.path.join(t.dir, "ca")
    os.makedirs(ca)
    q = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    # A test CA and a server certificate for *.prod.test and 127.0.0.2: agentshell verifies production with it (SSL_CERT_FILE).
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", f"{ca}/ca.key", "-out", f"{ca}/ca.pem",
                    "-days", "2", "-subj", "/CN=bench CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"], **q)
    subprocess.run(["openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", f"{ca}/srv.key", "-out", f"{ca}/srv.csr", "-subj", "/CN=prod.test"], **q)
    with open(f"{ca}/ext", "w") as f:
        f.write("subjectAltName=DNS:prod.test,DNS:*.prod.test,IP:127.0.0.2\nextendedKeyUsage=serverAuth\n")
    subprocess.run(["openssl", "x509", "-req", "-in", f"{ca}/srv.csr", "-CA", f"{ca}/ca.pem", "-CAkey", f"{ca}/ca.key", "-CAcreateserial", "-out", f"{ca}/srv.pem",
                    "-days", "2", "-extfile", f"{ca}/ext"], **q)
    port, tls_port = os.environ.get("WIRE_PORT", "28080"), os.environ.get("WIRE_TLS_PORT", "28443")
    servers = [subprocess.Popen([wb, "server", "127.0.0.2", port]), subprocess.Popen([wb, "server", "127.0.0.2", tls_port, f"{ca}/srv.pem", f"{ca}/srv.key"]),
               subprocess.Popen([wb, "server", "127.0.0.3", port])]
    old = os.environ.get("SSL_CERT_FILE")
    os.environ["SSL_CERT_FILE"] = f"{ca}/ca.pem"
    try:
        time.sleep(0.3)
        demo = os.path.join(ROOT, "profiles", "demo.json")

        def sup(column, cmd):
            mode = "seccomp" if column == SECCOMP else "kernel"
            return [AS, "run", "--quiet", "--connect-guard", mode, "--profile", demo, "--audit", t.audit, "--", *cmd]

        cases = [
            ("plain HTTP keep-alive GET to production, per request", [wb, "keepalive", "127.0.0.2", port, "0", "prod.test", "2000"], "µs", "≤ x1.3", 1.3),
            ("HTTPS keep-alive GET to production after the handshake, per request", [wb, "keepalive", "127.0.0.2", tls_port, "1", "prod.test", "2000"], "µs", "≤ x1.3", 1.3),
            ("HTTPS first handshake to a new production host + one GET, per connection", [wb, "handshake", "127.0.0.2", tls_port, "prod.test", "50"], "µs", "≤ +5 ms", None),
            # 20,000 requests (~0.4 s), not 2,000 (~40 ms), and timed only after 500 ms of warm-up
            # requests in every column: a run's first tens of ms share the two cores with the
            # supervisor's start-up tail (ImagePages' drop and the pages it maps again, the run CA,
            # root mode's next pool entry), which a 40 ms loop counted as +9 µs per request and a
            # 0.5 s loop from the start still as +2-3 µs (x1.09-1.11). Nothing of ours runs per
            # request after the connect (the supervisor's CPU over the timed loop: ~0.02 µs per
            # request, its timers); this row is about the requests.
            ("plain HTTP keep-alive GET to a non-production address, per request", [wb, "keepalive", "127.0.0.3", port, "0", "staging.test", "20000", "500"], "µs", "x1.0 (untouched)", None),
        ]
        pg_port = os.environ.get("WIRE_PG_PORT", "28432")
        pg = postgres("127.0.0.2", pg_port, t.dir)
        if pg is not None:
            servers.append(pg)
            cases.append(("PostgreSQL `SELECT 1` round trip to production (simple protocol), per round trip",
                          [wb, "pg", "127.0.0.2", pg_port, "postgres", "2000"], "µs", "≤ +50 µs", None))
        # The C floor of these rows: the same client through a plain TCP relay in C (127.0.0.1, no
        # parsing, no decision, a thread per direction): what any relay in user space costs here.
        # (wire-bench.c also has a one-thread relay that polls before it sleeps, `relay ... SPIN_US`:
        # x1.38 at 20 µs with the bench under SCHED_FIFO, worse than this one on a loaded machine.)
        relay_port, relay_pg_port = os.environ.get("WIRE_RELAY_PORT", "28081"), os.environ.get("WIRE_RELAY_PG_PORT", "28433")
        servers.append(subprocess.Popen([wb, "relay", "127.0.0.1", relay_port, "127.0.0.2", port]))
        floors = {cases[0][0]: [wb, "keepalive", "127.0.0.1", relay_port, "0", "prod.test", "2000"]}
        # HTTPS has no floor column: wire-bench.c's `tls-relay` (OpenSSL terminating TLS on both legs)
        # hung one keep-alive client for 15 minutes in a full run (01:35 UTC 2026-12-06), so it is a
        # research tool, run by hand, until that is found.
        if pg is not None:
            servers.append(subprocess.Popen([wb, "relay", "127.0.0.1", relay_pg_port, "127.0.0.2", pg_port]))
            floors[cases[-1][0]] = [wb, "pg", "127.0.0.1", relay_pg_port, "postgres", "2000"]
        time.sleep(0.2)
        rows = []
        for what, cmd, unit, target, limit in cases:
            cols = {BARE: cmd}
            if what in floors:
                cols[FLOOR] = floors[what]
            for c in t.columns([SECCOMP, ROOTMODE]):
                cols[c] = sup(c, cmd)
            s = interleaved(cols)
            cells = {c: Cell(v, unit) for c, v in s.items()}
            b = cells[BARE].median
            ours = [c for c in cells if c not in (BARE, FLOOR)]
            if limit is not None:
                ok = all(cells[c].median / b <= limit for c in ours)
            elif target.startswith("≤ +5 ms"):
                ok = all(cells[c].median - b <= 5000 for c in ours)
            elif target.startswith("≤ +50 µs"):
                ok = all(cells[c].median - b <= 50 for c in ours)
            else:
                ok = all(cells[c].median / b <= 1.1 for c in ours)
            note = "wire layer; " + "; ".join(f"{'C relay' if c == FLOOR else c.split()[-1]} x{cells[c].median / b:.2f} ({cells[c].median - b:+.0f} {unit})" for c in cells if c != BARE)
            rows.append(Row(what, cells, target, verdict(ok), note))
        return rows
    finally:
        if old is None:
            os.environ.pop("SSL_CERT_FILE", None)
        else:
            os.environ["SSL_CERT_FILE"] = old
        for p in servers:
            p.kill()
            p.wait()


class _PgServer:
    """A PostgreSQL started for the bench (as user postgres when run as root), stopped by kill()."""

    def __init__(self, pg_ctl, data, run):
        self.pg_ctl, self.data, self.run = pg_ctl, data, run

    def kill(self):
        subprocess.run(self.run + [self.pg_ctl, "-D", self.data, "-m", "immediate", "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def wait(self):
        pass


def postgres(host, port, workdir):
    """A trust-authentication PostgreSQL on host:port for the SELECT 1 row, or None (with a note) when
    initdb/pg_ctl are not here."""
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if not initdb or not pg_ctl:
        print("wire_layer: no initdb/pg_ctl here; the PostgreSQL row is left out", file=sys.stderr)
        return None
    d = os.path.join(workdir, "pg")
    os.makedirs(d)
    run = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        run = ["runuser", "-u", "postgres", "--"]
        os.chmod(workdir, 0o755)
        shutil.chown(d, "postgres", "postgres")
    q = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    data = os.path.join(d, "data")
    subprocess.run(run + [initdb, "-D", data, "-A", "trust", "-U", "postgres", "--no-sync"], **q)
    subprocess.run(run + [pg_ctl, "-D", data, "-w", "-t", "30", "-l", os.path.join(d, "log"),
                          "-o", f"-c listen_addresses={host} -p {port} -k {d} -c fsync=off", "start"], **q)
    return _PgServer(pg_ctl, data, run)


@row
def telemetry_export(t):
    """Issue 17: decision latency and peak RSS with OTLP export off and on (a loopback receiver
    answering 200, as a collector does): rounds of off, on and off again in each mode, paired per round."""
    tb = os.path.join(t.dir, "telemetry-bench")
    subprocess.run(["gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-o", tb, os.path.join(BENCH, "telemetry-bench.c")], check=True)
    port_file = os.path.join(t.dir, "otlp-port")
    sink_code = OTLP_SINK_HTTP_SERVER if os.environ.get("BENCH_OTLP_SINK") == "http.server" else OTLP_SINK
    sink = subprocess.Popen([sys.executable, "-c", sink_code, port_file])
    try:
        while not (os.path.exists(port_file) and os.path.getsize(port_file)):
            if sink.poll() is not None:
                raise RuntimeError("the OTLP receiver did not start")
            time.sleep(0.05)
        endpoint = f"http://127.0.0.1:{open(port_file).read().strip()}"
        curl, demo = shutil.which("curl") or "/usr/bin/curl", os.path.join(ROOT, "profiles", "demo.json")
        modes = [("seccomp", SECCOMP)] + ([("kernel", ROOTMODE)] if t.root_mode else [])

        def sup(mode, on, *cmd):
            env = ["env", f"OTEL_EXPORTER_OTLP_ENDPOINT={endpoint}"] if on else ["env", "-u", "OTEL_EXPORTER_OTLP_ENDPOINT"]
            return [*env, AS, "run", "--quiet", "--connect-guard", mode, "--profile", demo, "--audit", t.audit, "--", tb, *cmd, curl]

        n = os.environ.get("N_TELEMETRY", "5000")
        # Triplets per mode: off, on and a second off (the noise: what "off" differs from itself by
        # in the same run), in an order that rotates each round so no column always runs first.
        lat = {(col, k): [] for _, col in modes for k in ("off", "on", "off2")}
        cpu = {key: [] for key in lat}
        for i in range(PAIRS):
            for mode, col in modes:
                kinds = ["off", "on", "off2"]
                for k in kinds[i % 3:] + kinds[:i % 3]:
                    f, us = cpu_figure(sup(mode, k == "on", "latency", n))
                    lat[(col, k)].append(f)
                    cpu[(col, k)].append(us / int(n))
        rss = {(col, on): [] for _, col in modes for on in (False, True)}
        for _ in range(RSS_RUNS):
            for mode, col in modes:
                for on in (False, True):
                    rss[(col, on)].append(supervisor_peaks(sup(mode, on, "rss", str(N_RSS_HIGH)))[N_RSS_HIGH])
    finally:
        sink.kill()
        sink.wait()
    off = {col: Cell(lat[(col, "off")], "µs", "{:.2f}") for _, col in modes}
    diff = {col: paired(lat[(col, "on")], lat[(col, "off")]) for _, col in modes}
    noise = {col: paired(lat[(col, "off2")], lat[(col, "off")]) for _, col in modes}
    cpu_diff = {col: paired(cpu[(col, "on")], cpu[(col, "off")]) for _, col in modes}
    cpu_noise = {col: paired(cpu[(col, "off2")], cpu[(col, "off")]) for _, col in modes}
    # "No measurable difference": the median of the paired on − off differences is no further from
    # zero than the noise, the median distance between two off runs of the same round (off and
    # off2 are alike, so their difference is symmetric about zero: this is its interquartile half-width).
    same = all(abs(diff[c][0]) <= noise[c][3] for c in diff)
    # Under load the off − off noise grows until any difference fits inside it: past a tenth of the
    # export-off latency, "within the noise" says nothing, so the row says inconclusive instead.
    loud = [c for c in diff if noise[c][3] > 0.1 * off[c].median]
    judged = verdict(same) if not loud else \
        "inconclusive (" + "; ".join(f"{c.split()[-1]} noise ±{noise[c][3]:.2f} µs > 10% of export off" for c in loud) + ": load)"
    on_cells = {c: Cell(lat[(c, "on")], "µs", "{:.2f}") for c in diff}
    note = "; ".join(f"{c.split()[-1]}: on − off {spread(diff[c])}, noise ±{noise[c][3]:.2f}; CPU per call on − off "
                     f"{spread(cpu_diff[c])}, noise ±{cpu_noise[c][3]:.2f}" for c in diff)
    rss_on = {col: Cell([k / 1024 for k in rss[(col, True)]], "MiB", "{:.1f}") for _, col in modes}
    rss_off = {col: statistics.median(rss[(col, False)]) / 1024 for _, col in modes}
    rss_note = f"median of {RSS_RUNS}; export off " + "; ".join(f"{c.split()[-1]} {v:.1f} MiB" for c, v in rss_off.items())
    return [
        Row(f"blocked execve, export off, per call (median of batches of 100, {n} calls, {PAIRS} rounds)", off, "—", "",
            "every call decided and audited"),
        Row("blocked execve, export on (OTLP/HTTP to a loopback receiver), per call", on_cells, "no measurable difference",
            judged, note + " (µs: median of the per-round differences [quartiles]; noise: median |off − off| of the same rounds)"
            " — met when on − off's median is within the noise, and the noise within 10% of export off"),
        Row(f"supervisor peak RSS after {N_RSS_HIGH:,} blocked execs, export on", rss_on, "seccomp ≤ 16 MiB",
            verdict(rss_on[SECCOMP].median <= 16), rss_note),
    ]


PAIRS = int(os.environ.get("PAIRS", "15"))


def paired(a, b):
    """Per-round differences a[i] − b[i]: (median, first quartile, third quartile, median |difference|)."""
    d = [x - y for x, y in zip(a, b)]
    q = statistics.quantiles(d, n=4, method="inclusive") if len(d) > 1 else [d[0]] * 3
    return statistics.median(d), q[0], q[2], statistics.median(abs(x) for x in d)


def spread(m):
    return f"{m[0]:+.2f} [{m[1]:+.2f}, {m[2]:+.2f}]"


# The OTLP receiver: reads each request's head and Content-Length bytes of body straight off the
# socket and answers 200 with keep-alive, as a collector does, and no more. It shares the 2 vCPUs
# with the supervisor and the tree, so what it costs per record is load on the "on" columns only:
# http.server (OTLP_SINK_HTTP_SERVER; BENCH_OTLP_SINK=http.server) parsed every head through the
# email package, ~130 us a post and 2.4-3.0 us of CPU per exported record (its schedstat, 20,000
# records, an earlier session), more than the supervisor's own export; this one 0.65-0.88 us
# (median; its process CPU clock over 20,000 exported decisions, 7 rounds, load 19-28). The issue
# asks for the decision's latency, not a Python server's.
OTLP_SINK = """
import socket, sys, threading
OK = b"HTTP/1.1 200 OK\\r\\nContent-Length: 0\\r\\n\\r\\n"
def serve(c):
    body = bytearray(1 << 16)
    view = memoryview(body)
    got = b""
    with c:
        while True:
            while b"\\r\\n\\r\\n" not in got:
                d = c.recv(1 << 16)
                if not d:
                    return
                got += d
            head, _, got = got.partition(b"\\r\\n\\r\\n")
            n = 0
            for line in head.split(b"\\r\\n")[1:]:
                k, _, v = line.partition(b":")
                if k.strip().lower() == b"content-length":
                    n = int(v)
            left = n - len(got)
            got = got[n:] if left <= 0 else b""
            while left > 0:
                k = c.recv_into(view, min(left, len(body)))
                if not k:
                    return
                left -= k
            c.sendall(OK)
s = socket.create_server(("127.0.0.1", 0))
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
"""

OTLP_SINK_HTTP_SERVER = """
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a collector does
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a): pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_address[1]))
s.serve_forever()
"""


def cpu_figure(cmd):
    """Runs cmd: (its last line's figure, the CPU time in µs of it and of every process it waited
    for: the supervisor, the launcher and the tree)."""
    with tempfile.TemporaryFile() as err:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err)
        out = p.stdout.read().decode()
        p.stdout.close()
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        lines = out.strip().splitlines()
        if p.returncode != 0 or not lines:
            raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}): {err.read().decode(errors='replace').strip()[-400:]}")
    return float(lines[-1].split()[0]), (ru.ru_utime + ru.ru_stime) * 1e6


NO_VERIFY_MARK = "bench-no-verify"


def no_verify_build():
    """The bench's own build of the same supervisor with the check of committed execs compiled out
    (-p:BenchNoVerify=true: the BENCH_NO_VERIFY constant), published to build/bench-noverify/, never
    to bin/, with the launcher, the BPF object and the profiles beside it as bin/ has them. Reused
    while newer than every managed source. AGENTSHELL_NO_VERIFY=<binary> names one instead."""
    given = os.environ.get("AGENTSHELL_NO_VERIFY")
    out = os.path.join(ROOT, "build", "bench-noverify")
    exe = given or os.path.join(out, "bin", "agentshell")
    if not given:
        srcs = [os.path.join(d, f) for top in ("managed",) for d, _, fs in os.walk(os.path.join(ROOT, top))
                for f in fs if f.endswith((".cs", ".csproj")) and "/obj/" not in d and "/bin/" not in d]
        srcs.append(os.path.join(ROOT, "Directory.Build.props"))
        if not os.path.exists(exe) or os.path.getmtime(exe) < max(os.path.getmtime(f) for f in srcs):
            subprocess.run(["dotnet", "publish", os.path.join(ROOT, "managed", "AgentShell.Cli"), "-c", "Release", "-r", "linux-x64",
                            "-p:PublishAot=true", "-p:BenchNoVerify=true", "--artifacts-path", os.path.join(out, "artifacts"),
                            "-o", os.path.join(out, "publish"), "--nologo", "-v", "quiet"], check=True, stdout=subprocess.DEVNULL)
            os.makedirs(os.path.join(out, "bin"), exist_ok=True)
            shutil.copy(os.path.join(out, "publish", "agentshell"), exe)
        for f in ("agentshell-launch", "agentshell-connect.bpf.o"):
            shutil.copy(os.path.join(os.path.dirname(AS), f), os.path.join(out, "bin", f))
        if not os.path.exists(os.path.join(out, "profiles")):
            os.symlink(os.path.join(ROOT, "profiles"), os.path.join(out, "profiles"))
    # Each binary is what it is taken for: the bench build says so in its version, the one measured
    # as agentshell does not.
    for b, want in ((exe, True), (AS, False)):
        v = subprocess.run([b, "--version"], stdout=subprocess.PIPE, text=True).stdout
        if (NO_VERIFY_MARK in v) != want:
            raise RuntimeError(f"{b} --version says {v.strip()!r}: {'not ' if want else ''}the no-verify bench build")
    return exe


@row
def exec_verification(t):
    """Issue 11: what verifying a parsed tool's committed argv costs (seccomp mode: seize before the
    CONTINUE, the ptrace stop at the exec event, the compare, the detach; root mode: the keyed hash
    staged in the kernel's map and compared by tp_btf/sched_process_exec), as the issue asks: a
    parsed-tool exec with verification against the same exec without, through the same supervisor
    built twice: bin/agentshell, and the bench's own build with the check compiled out
    (no_verify_build; agentshell itself has no switch to turn it off: one the tree could reach would
    be a hole). The program exits at its first instruction (nothing.c), so the exec's own cost is
    ~100 µs instead of curl's ~20 ms and the difference stands out of the noise; named curl it is
    parsed (decided on its arguments, `--version`), named nothing it is not, and must cost the same
    in both builds. All interleaved, each run flipping the order; per mode, the median of the runs'
    paired differences (with − without), in wall time per spawn and in CPU time per spawn
    (supervisor, launcher and tree, from wait4: what the load inflates least).
    Beside it, the mechanism's own floor: the C notifier with --verify curl (seize before
    CONTINUE, the exec-event stop, GETREGS and two process_vm_readv of the new stack, detach) against
    the plain C notifier, on the same curl-named exec. And the whole parsed-tool surcharge (curl −
    nothing, less the floor's), which also holds the decision of a parsed tool and its audit record."""
    nv = no_verify_build()
    prog = os.path.join(t.dir, "nothing")
    subprocess.run(["gcc", "-O2", "-static", "-nostdlib", "-o", prog, os.path.join(BENCH, "nothing.c")], check=True)
    named = {}
    for name, sub in (("curl", "parsed"), ("nothing", "unparsed")):
        os.makedirs(os.path.join(t.dir, sub), exist_ok=True)
        named[name] = os.path.join(t.dir, sub, name)
        shutil.copy(prog, named[name])
    n = int(os.environ.get("N_VERIFY", "1000"))
    VFLOOR = "C floor, verifying"
    cols = t.columns([FLOOR, SECCOMP, ROOTMODE])
    ours = [c for c in cols if c != FLOOR]
    # (column, verifying?): the floor plain and verifying, each mode with and without the check.
    runs = [(FLOOR, False), (FLOOR, True)] + [(c, v) for c in ours for v in (True, False)]
    wall = {(c, v, k): [] for c, v in runs for k in named}
    cpu = {(c, v, k): [] for c, v in runs for k in named}
    for r in range(RUNS):
        for c, v in (runs if r % 2 == 0 else list(reversed(runs))):
            # Each run flips the order: what comes first (a cold cache, the previous command's tail)
            # falls on both alike over the runs.
            for k, path in (named.items() if r % 2 == 0 else reversed(named.items())):
                inner = [t.execb, "spawn", str(n), path, "--version"]
                if c == FLOOR:
                    cmd = [t.floor, "--verify", "curl", "--", *inner] if v else t.wrap(FLOOR, inner)
                else:
                    cmd = t.wrap(c, inner) if v else [nv, *t.wrap(c, inner)[1:]]
                w, u = cpu_figure(cmd)
                wall[(c, v, k)].append(w)
                cpu[(c, v, k)].append(u / n)
    med = statistics.median

    def paired(d, c, k):  # with − without, per run, then the median: a run's load falls on both alike
        return med([a - b for a, b in zip(d[(c, True, k)], d[(c, False, k)])])

    def surcharge(d, c):  # (curl − nothing) − the plain floor's, per run, then the median
        return med([(a - b) - (fa - fb) for a, b, fa, fb in
                    zip(d[(c, True, "curl")], d[(c, True, "nothing")], d[(FLOOR, False, "curl")], d[(FLOOR, False, "nothing")])])

    vw = {c: paired(wall, c, "curl") for c in cols}
    vc = {c: paired(cpu, c, "curl") for c in cols}
    uw = {c: paired(wall, c, "nothing") for c in ours}
    uc = {c: paired(cpu, c, "nothing") for c in ours}
    mech = f"C floor: the mechanism alone (--verify curl − plain) {vw[FLOOR]:+.1f} µs wall, {vc[FLOOR]:+.1f} µs CPU"
    mode = lambda c: c.split()[-1]
    note = "; ".join(f"{mode(c)} {vw[c]:+.1f} µs wall, {vc[c]:+.1f} µs CPU" for c in ours) + \
        " per curl-named exec, with − without verification (median of the runs' paired differences); " + mech + \
        ("" if max(vw[FLOOR], vc[FLOOR]) <= 30 else " (above +30 µs itself on this machine)")
    # A negative difference (with verification cheaper than without) is the load, not a result.
    met = {c: "inconclusive (a negative difference: load)" if min(vw[c], vc[c]) < 0 else verdict(vc[c] <= 30 and vw[c] <= 30) for c in ours}
    unote = "; ".join(f"{mode(c)} {uw[c]:+.1f} µs wall, {uc[c]:+.1f} µs CPU" for c in ours) + \
        " per nothing-named exec, bin/agentshell − the no-verify build: both run the same path"
    snote = "; ".join(f"{mode(c)} {surcharge(wall, c):+.1f} µs wall, {surcharge(cpu, c):+.1f} µs CPU" for c in ours) + \
        " per exec: (curl − nothing) − the plain floor's; of which verification is the row above"
    return [
        Row(f"posix_spawn of a no-op program named curl (parsed: argv verified at the exec), per spawn ({n}); "
            "C floor column: `floor --verify curl`",
            {c: Cell(wall[(c, True, "curl")], "µs") for c in cols}, "verification ≤ +30 µs per parsed exec",
            "; ".join(f"{mode(c)}: {met[c]}" for c in ours), note),
        Row(f"the same through the bench's no-verify build of agentshell (check compiled out), per spawn ({n}); C floor column: plain floor",
            {c: Cell(wall[(c, False, "curl")], "µs") for c in cols}, "—", "", "the baseline of the row above"),
        Row(f"posix_spawn of the same program named nothing (unparsed: not verified), per spawn ({n})",
            {FLOOR: Cell(wall[(FLOOR, False, "nothing")], "µs"), **{c: Cell(wall[(c, True, "nothing")], "µs") for c in ours}},
            "nothing measurable from verification", "", unote),
        Row("CPU per spawn of the curl-named no-op (supervisor, launcher, tree), with − without verification",
            {c: Cell([a - b for a, b in zip(cpu[(c, True, "curl")], cpu[(c, False, "curl")])], "µs") for c in cols}, "≤ +30 µs", "",
            "wait4 rusage of the whole run over the spawns; C floor column: --verify curl − plain"),
        Row("the whole parsed-tool surcharge (decision, audit record, verification), curl − nothing − the floor's",
            {}, "—", "", snote),
    ]


@row
def trusted_exec_hold(t):
    """Issue 11: what holding the tree still costs a tool trusted with production. From before such
    an exec is answered until after its seal, every other task of the tree is seized and stopped
    (TreeFreeze), so that no write into the new image can start before the seal and land after it.
    The real curl (trust is given to the real binary only), `-X GET` to a loopback HTTP server on a
    production address (127.0.0.2 in the profile: trusted, sealed, the tree held) and to the same
    server on a non-production one (127.0.0.3: verified, neither sealed nor held), the wire off so
    that both connect straight; the median of the runs' paired differences, per spawn. The tree here
    is small (exec-bench, the launcher, the namespace's init): each further task of a real tree adds
    a seize, a stop and a detach."""
    curl = shutil.which("curl")
    if curl is None:
        raise RuntimeError("curl is not installed")
    port = os.environ.get("HOLD_PORT", "28090")
    servers = [subprocess.Popen([sys.executable, "-m", "http.server", "--bind", h, str(port)], cwd=t.repo,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for h in ("127.0.0.2", "127.0.0.3")]
    try:
        time.sleep(0.5)
        profile = os.path.join(t.dir, "held-profile.json")
        with open(profile, "w") as f:
            f.write('{ "Description": "bench: 127.0.0.2 is production", "Environments": { "production": '
                    '{ "Hosts": ["127.0.0.2"], "Wire": { "Http": false, "Postgres": false } } } }')
        n = int(os.environ.get("N_HOLD", "100"))
        ours = t.columns([SECCOMP, ROOTMODE])
        cmds = {}
        for c in ours:
            for where, host in (("production", "127.0.0.2"), ("elsewhere", "127.0.0.3")):
                w = t.wrap(c, [t.execb, "spawn", str(n), curl, "-s", "-o", "/dev/null", "-X", "GET", f"http://{host}:{port}/README"])
                cmds[(c, where)] = w[:2] + ["--profile", profile] + w[2:]
        wall = {k: [] for k in cmds}
        for r in range(RUNS):
            for k in (cmds if r % 2 == 0 else list(reversed(list(cmds)))):
                wall[k].append(cpu_figure(cmds[k])[0])
    finally:
        for p in servers:
            p.kill()
            p.wait()
    med = statistics.median
    diff = {c: med([a - b for a, b in zip(wall[(c, "production")], wall[(c, "elsewhere")])]) for c in ours}
    note = "; ".join(f"{c.split()[-1]} {diff[c]:+.1f} µs" for c in ours) + \
        " per curl, production − elsewhere (median of the runs' paired differences): the seal and the held tree"
    return Row(f"curl -X GET to a loopback server on a production address (trusted: sealed, tree held), per curl ({n})",
               {c: Cell(wall[(c, "production")], "µs") for c in ours}, "— (issue 11: measured)", "", note)


# ---------------------------------------------------------------------------------------------


def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    dotnet = subprocess.run(["dotnet", "--version"], stdout=subprocess.PIPE, text=True).stdout.strip()
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], stdout=subprocess.PIPE, text=True).stdout.strip()
    return cpu, os.cpu_count(), platform.release(), dotnet, commit


def table(rows):
    head = "| measure | " + " | ".join(COLUMNS) + " | target | result |"
    lines = [head, "|" + "---|" * (len(COLUMNS) + 3)]
    for r in rows:
        cells = [r.cells[c].text() if c in r.cells else "—" for c in COLUMNS]
        result = r.met + (f" — {r.note}" if r.note else "")
        lines.append(f"| {r.what} | " + " | ".join(cells) + f" | {r.target} | {result} |")
    return "\n".join(lines)


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
