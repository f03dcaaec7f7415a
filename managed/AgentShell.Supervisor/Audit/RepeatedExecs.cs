namespace AgentShell.Supervisor.Audit;

/// <summary>One audit row per exec decision, not one per attempt of the same exec: a PATH search
/// (<c>execvp</c>, a shell, python's subprocess) asks the kernel for <c>/usr/local/bin/curl</c>,
/// <c>/usr/bin/curl</c>, <c>/bin/curl</c>, … one after the other, and each attempt is trapped and
/// decided alike. An attempt is a repeat when the same thread asks again, within a moment, with
/// the same argv (argv[0] compared by basename: a search may pass the full path) and gets the same
/// rule and outcome. Thread-safe; remembers one attempt per thread, briefly.</summary>
internal sealed class RepeatedExecs(TimeSpan window)
{
    private const int MaxRemembered = 4096;

    private readonly Lock _gate = new();
    // PERF: the attempt itself is remembered (its argv, rule and outcome) and compared field by
    // field: a key string built per record was ~0.5 KB of garbage per audited decision.
    private readonly Dictionary<int, Attempt> _last = [];

    private readonly record struct Attempt(IReadOnlyList<string> Argv, string Rule, string Outcome, long At);

    /// <summary>A PATH search retries at once; two seconds leaves room for a loaded machine.</summary>
    internal RepeatedExecs() : this(TimeSpan.FromSeconds(2)) { }

    /// <summary>True when this is a repeat of the attempt last recorded for <paramref name="pid"/>
    /// (then it is not recorded again); otherwise remembers it and returns false.</summary>
    internal bool IsRepeat(int pid, IReadOnlyList<string> argv, string rule, string outcome, long nowTicks)
    {
        lock (_gate)
        {
            if (_last.TryGetValue(pid, out var last) && Same(last, argv, rule, outcome) && nowTicks - last.At <= window.Ticks)
            {
                _last[pid] = last with { At = nowTicks }; // a long search keeps counting as one
                return true;
            }
            if (_last.Count >= MaxRemembered) Forget(nowTicks);
            _last[pid] = new Attempt(argv, rule, outcome, nowTicks);
            return false;
        }
    }

    // The same argv (argv[0] by basename), rule and outcome.
    private static bool Same(in Attempt a, IReadOnlyList<string> argv, string rule, string outcome)
    {
        if (a.Argv.Count != argv.Count || !string.Equals(a.Rule, rule, StringComparison.Ordinal)
            || !string.Equals(a.Outcome, outcome, StringComparison.Ordinal)) return false;
        for (int i = 0; i < argv.Count; i++)
        {
            bool same = i == 0
                ? Path.GetFileName(a.Argv[0].AsSpan()).SequenceEqual(Path.GetFileName(argv[0].AsSpan()))
                : string.Equals(a.Argv[i], argv[i], StringComparison.Ordinal);
            if (!same) return false;
        }
        return true;
    }

    private void Forget(long nowTicks)
    {
        foreach (var (pid, v) in _last.ToList())
            if (nowTicks - v.At > window.Ticks) _last.Remove(pid);
        if (_last.Count >= MaxRemembered) _last.Clear(); // all recent: only a repeat may be recorded twice
    }
}
