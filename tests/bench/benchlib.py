"""make bench's harness: the columns, how each runs a command, a row's cells and verdicts, the
interleaving and pairing of runs, and the table. The rows are in rows_*.py, one function each."""
import os
import platform
import shutil
import statistics
import subprocess
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
        for srcs, out in [(["notifier.c", "floor-read.c", "floor-verify.c"], "floor"), (["exec-bench.c"], "exec-bench"),
                          (["connect-bench.c"], "connect-bench")]:
            subprocess.run(["gcc", *cflags, "-o", os.path.join(self.dir, out), *(os.path.join(BENCH, s) for s in srcs)], check=True)
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
BARE2 = "bare, again"  # a second bare run in each round: what bare differs from itself by


def ratio_rounds(t, cmd, n_rounds):
    """cmd in every column (the floor a no-op notifier) with bare twice, n_rounds rotated rounds
    (the connect rows): (figures {column: [per round]}, cells, {column: (median, first quartile,
    third quartile) of the rounds' ratios to bare}, the noise: median |bare again / bare − 1|)."""
    cols = t.columns()
    cols.insert(cols.index(BARE) + 1, BARE2)
    s = rounds(cols, lambda c: figure(t.wrap(BARE if c == BARE2 else c, cmd, floor_noop=True)), n_rounds)
    cells = {c: Cell(v, "µs") for c, v in s.items() if c != BARE2}

    def ratio(c):
        r = [a / b for a, b in zip(s[c], s[BARE])]
        q = statistics.quantiles(r, n=4, method="inclusive")
        return statistics.median(r), q[0], q[2]
    ratios = {c: ratio(c) for c in cols if c not in (BARE, BARE2)}
    noise = statistics.median(abs(a / b - 1) for a, b in zip(s[BARE2], s[BARE]))
    return s, cells, ratios, noise


def ratio_note(ratios, n_rounds, noise):
    return "; ".join(f"{c.split()[-1]} x{r[0]:.3f} [x{r[1]:.3f}, x{r[2]:.3f}]" for c, r in ratios.items()) + \
        f" (median of {n_rounds} rounds' paired ratios to bare [quartiles]; C floor: a no-op notifier); noise ±{100 * noise:.1f}% " \
        "(median |bare − bare| of the same rounds)"


def rounds(cols, run, n_rounds):
    """run(column) for each column, n_rounds rounds, each round in a rotated order so that no
    column always comes first or last: {column: [result per round]}, the rounds aligned."""
    out = {c: [] for c in cols}
    for i in range(n_rounds):
        k = i % len(cols)
        for c in cols[k:] + cols[:k]:
            out[c].append(run(c))
    return out


def paired(a, b):
    """Per-round differences a[i] − b[i]: (median, first quartile, third quartile, median |difference|)."""
    d = [x - y for x, y in zip(a, b)]
    q = statistics.quantiles(d, n=4, method="inclusive") if len(d) > 1 else [d[0]] * 3
    return statistics.median(d), q[0], q[2], statistics.median(abs(x) for x in d)


def spread(m):
    return f"{m[0]:+.2f} [{m[1]:+.2f}, {m[2]:+.2f}]"


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
