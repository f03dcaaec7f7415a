namespace AgentShell.Supervisor;

/// <summary>Whether a process running the system's tmux or screen still speaks as that CLI to an
/// outside command server. Its argv was judged at its exec; what it sends is that argv only while
/// the same trust holds that a tool trusted with production needs (<see cref="TrustLedger"/>),
/// decided at its exec and kept for its thread group until it execs again (<see cref="AtExec"/>,
/// <see cref="Answered"/>): no variable that loads code of another's in the environment the
/// kernel committed (<see cref="ForeignCodeVariables"/>: LD_PRELOAD, LD_AUDIT, LD_LIBRARY_PATH, ...;
/// read at the connect, a library could hide its own), and made non-dumpable before its first
/// instruction (no other process of the tree can attach to it, write its memory or take its
/// socket, before its connect or after: a `tmux attach` keeps its connection); a process whose
/// exec was not seen so (a copy or link under another name, the exec let go unparsed) is not
/// exempt. Then, at the connect: every mapped file and the loader's way to it unchanged since the run
/// began (<see cref="ExecMappings"/>), no tracer (gdb, strace: ptrace can make it send anything),
/// and the configuration files it reads (tmux -f, ~/.tmux.conf, $XDG_CONFIG_HOME/tmux/tmux.conf,
/// /etc/tmux.conf; screen -c, $SCREENRC, $SYSSCREENRC, ~/.screenrc, /etc/screenrc: run-shell,
/// set-hook, exec) unchanged since the run began. Otherwise the exemption is withdrawn
/// (<see cref="SupervisorRules.CommandServerCliUntrusted"/>) and this says why.</summary>
/// <param name="sinceNs">The run's start (less the coarse clock's tick), as the ledger's.</param>
internal sealed class CommandServerClis((ulong Dev, ulong Ino)[] tmux, (ulong Dev, ulong Ino)[] screen, long sinceNs)
{
    // tgid → the exec-time answer of its current program ("" exempt, else why not) and the
    // process's start time (a pid reused by a fork is another process).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, (ulong Start, string Why)> _atExec = new();

    // Set before an answer is kept; cleared by Prune only when none is (both under _gate), so it is
    // never false while an answer exists. PERF: while it is false an exec let go pays one read.
    private volatile bool _used;
    private readonly object _gate = new();

    /// <summary>The installed tmux and screen binaries (by identity), and the run's start.</summary>
    public static CommandServerClis Installed()
    {
        static (ulong, ulong)[] Found(params string[] paths)
        {
            var ids = new List<(ulong, ulong)>();
            foreach (var p in paths)
                if (Interop.Files.TryStat(p, out var st) && st.IsRegular && !ids.Contains(st.Identity)) ids.Add(st.Identity);
            return [.. ids];
        }
        long since = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100 - 50_000_000;
        return new(Found("/usr/bin/tmux", "/bin/tmux", "/usr/local/bin/tmux"), Found("/usr/bin/screen", "/bin/screen", "/usr/local/bin/screen"), since);
    }

    /// <summary>Null when <paramref name="expected"/> does not run the installed tmux or screen; else
    /// its exec-time answer: "" when its committed environment loads no code of another's (it is then
    /// sealed, <see cref="VerifiedExecs"/>), or why it is not exempt.</summary>
    public string? AtExec(CommittedExec expected)
    {
        if (expected.Program is not { } p || expected.ArgvIsSuffix) return null;
        bool isTmux = Array.IndexOf(tmux, p) >= 0;
        if (!isTmux && Array.IndexOf(screen, p) < 0) return null;
        if (expected.JudgedForTreeServer) return "was judged for a server inside the tree (no listed server outside it existed at its exec)";
        return ForeignCodeVariables.FirstSet(expected.Environment) is { } v ? $"was started with {v} set (it loads code not its own)" : "";
    }

    /// <summary>Why a CLI that could not be sealed is not exempt.</summary>
    public static string Unsealed(string? why) => $"could not be made unreachable to the tree's other processes at its exec: {why ?? "it could not be made non-dumpable"}";

    /// <summary>Keeps the exec-time answer of the CLI <paramref name="tgid"/> now runs, told while it is
    /// stopped at its exec (before its first instruction): "" exempt, else why not.</summary>
    public void Answered(int tgid, string why)
    {
        ulong start = ProcessInfo.StartTime(tgid);
        lock (_gate)
        {
            _used = true;
            // Unreadable, no answer is kept: not exempt (an exec-time answer unknown).
            if (start != 0) _atExec[tgid] = (start, why);
            else _atExec.TryRemove(tgid, out _);
        }
    }

    /// <summary>Every exec let go passes here (<see cref="TrustLedger.ExecLetGo"/>): the program its
    /// thread group runs next was not answered for. <paramref name="tgid"/>: when known, else 0.</summary>
    public void ExecLetGo(int tid, int tgid)
    {
        if (!_used) return;
        _atExec.TryRemove(tgid != 0 ? tgid : ProcessInfo.Tgid(tid), out _);
    }

    /// <summary>Drops the answers of processes that have exited (none left: execs pay nothing again).</summary>
    public void Prune()
    {
        foreach (var tgid in _atExec.Keys) if (!Directory.Exists($"/proc/{tgid}")) _atExec.TryRemove(tgid, out _);
        lock (_gate) if (_atExec.IsEmpty) _used = false;
    }

    /// <summary>Null when <paramref name="pid"/> is not running tmux or screen (no exemption to
    /// speak of); "" when it is and keeps the exemption; else why the exemption is withdrawn.</summary>
    public string? Withdrawn(int pid)
    {
        if (!Interop.Files.TryStat($"/proc/{pid}/exe", out var exe)) return null;
        bool isTmux = Array.IndexOf(tmux, exe.Identity) >= 0;
        if (!isTmux && Array.IndexOf(screen, exe.Identity) < 0) return null;
        string cli = isTmux ? "tmux" : "screen";
        // Each look fails closed: what cannot be read withdraws the exemption.
        int tgid = ProcessInfo.Tgid(pid);
        if (!_atExec.TryGetValue(tgid, out var answer) || answer.Start != ProcessInfo.StartTime(tgid))
            return $"{cli} was not seen started as itself, checked and sealed in this run (its exec's answer is unknown)";
        if (answer.Why != "") return $"{cli} {answer.Why}";
        if (Tracer(pid) is not int tracer) return $"{cli}'s tracer cannot be read";
        if (tracer != 0) return $"{cli} is traced by pid {tracer} (a tracer can make it send anything)";
        if (Read($"/proc/{pid}/environ") is not { } environ) return $"{cli}'s environment cannot be read";
        var env = Split(environ);
        if (!ExecMappings.UnchangedSince(pid, sinceNs, out string? why)) return $"{cli} {why ?? "runs code that could not be checked"}";
        if (Read($"/proc/{pid}/cmdline") is not { } cmdline) return $"{cli}'s arguments cannot be read";
        foreach (var file in ConfigFiles(isTmux, Split(cmdline), env))
            if (ChangedInRun(pid, file) is { } change) return $"{cli}'s configuration {file} {change}";
        return "";
    }

    /// <summary>The files the CLI reads commands from, as its manual lists them (relative ones from its cwd).</summary>
    private static IEnumerable<string> ConfigFiles(bool isTmux, List<string> argv, List<string> env)
    {
        string? Var(string name) => env.FirstOrDefault(kv => kv.StartsWith(name + "=", StringComparison.Ordinal))?[(name.Length + 1)..] is { Length: > 0 } v ? v : null;
        string flag = isTmux ? "-f" : "-c";
        // Every -f/-c (tmux takes the last; all are looked at) up to the command: joined or separate.
        for (int i = 1; i < argv.Count; i++)
        {
            if (argv[i] == flag && i + 1 < argv.Count) yield return argv[++i];
            else if (argv[i].StartsWith(flag, StringComparison.Ordinal) && argv[i].Length > 2) yield return argv[i][2..];
        }
        string? home = Var("HOME");
        if (isTmux)
        {
            yield return "/etc/tmux.conf";
            if (home != null) { yield return home + "/.tmux.conf"; yield return home + "/.config/tmux/tmux.conf"; }
            if (Var("XDG_CONFIG_HOME") is { } xdg) yield return xdg + "/tmux/tmux.conf";
        }
        else
        {
            yield return "/etc/screenrc";
            if (home != null) yield return home + "/.screenrc";
            if (Var("SCREENRC") is { } rc) yield return rc;
            if (Var("SYSSCREENRC") is { } sys) yield return sys;
        }
    }

    /// <summary>Null when <paramref name="file"/>, seen from <paramref name="pid"/>'s root and cwd, is
    /// absent or from before the run (the link and the file it names); else what changed.</summary>
    private string? ChangedInRun(int pid, string file)
    {
        string path = file.StartsWith('/') ? $"/proc/{pid}/root{file}" : $"/proc/{pid}/cwd/{file}";
        bool linked = Interop.Files.TryLStat(path, out var link);
        if (linked && link.CtimeNs >= sinceNs) return "was made or changed during the run";
        if (Interop.Files.TryStat(path, out var st) && st.CtimeNs >= sinceNs) return "names a file made or changed during the run";
        return null;
    }

    private static int? Tracer(int pid)
    {
        if (Read($"/proc/{pid}/status") is not { } status) return null;
        foreach (var line in System.Text.Encoding.ASCII.GetString(status).Split('\n'))
            if (line.StartsWith("TracerPid:", StringComparison.Ordinal) && int.TryParse(line.AsSpan(10).Trim(), out int t)) return t;
        return null;
    }

    private static byte[]? Read(string path)
    {
        try { return File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    private static List<string> Split(byte[] nulSeparated) =>
        [.. System.Text.Encoding.UTF8.GetString(nulSeparated).Split('\0', StringSplitOptions.RemoveEmptyEntries)];
}
