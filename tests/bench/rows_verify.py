"""make bench rows: what verifying a parsed tool's committed exec costs, and holding the tree for a trusted one."""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from benchlib import *  # noqa: F401,F403 (the harness: Cell, Row, row, the columns, the sizes)


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


def spawn_figure(cmd):
    """Runs an exec-bench spawn under cmd: (wall µs per spawn, the CPU µs of the whole run from
    wait4, the tree's CPU µs per spawn as exec-bench reports it)."""
    with tempfile.TemporaryFile() as err:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err)
        out = p.stdout.read().decode()
        p.stdout.close()
        _, status, ru = os.wait4(p.pid, 0)
        lines = out.strip().splitlines()
        if os.waitstatus_to_exitcode(status) != 0 or not lines or len(lines[-1].split()) < 2:
            err.seek(0)
            raise RuntimeError(f"{' '.join(cmd)} failed: {err.read().decode(errors='replace').strip()[-400:]}")
    wall, tree = (float(x) for x in lines[-1].split()[:2])
    return wall, (ru.ru_utime + ru.ru_stime) * 1e6, tree


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
    (supervisor, launcher and tree: what the load inflates least; see spawn_figure).
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
                w, u, tree = spawn_figure(cmd)
                wall[(c, v, k)].append(w)
                # The floor waits for its tree, so wait4 holds the tree's CPU; agentshell's run does
                # not (wait4 holds the supervisor's alone): exec-bench's own getrusage of itself and
                # its children adds the tree's, where root mode's kernel check (on_exec) runs.
                cpu[(c, v, k)].append(u / n + (0 if c == FLOOR else tree))
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
            "wait4 rusage of the whole run over the spawns, plus the tree's own (exec-bench's getrusage) under agentshell, whose run does not wait for it; C floor column: --verify curl − plain"),
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
