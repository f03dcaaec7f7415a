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
    private readonly Dictionary<int, (string Key, long At)> _last = [];

    /// <summary>A PATH search retries at once; two seconds leaves room for a loaded machine.</summary>
    internal RepeatedExecs() : this(TimeSpan.FromSeconds(2)) { }

    /// <summary>True when this is a repeat of the attempt last recorded for <paramref name="pid"/>
    /// (then it is not recorded again); otherwise remembers it and returns false.</summary>
    internal bool IsRepeat(int pid, IReadOnlyList<string> argv, string rule, string outcome, long nowTicks)
    {
        string key = Key(argv, rule, outcome);
        lock (_gate)
        {
            if (_last.TryGetValue(pid, out var last) && last.Key == key && nowTicks - last.At <= window.Ticks)
            {
                _last[pid] = (key, nowTicks); // a long search keeps counting as one
                return true;
            }
            if (_last.Count >= MaxRemembered) Forget(nowTicks);
            _last[pid] = (key, nowTicks);
            return false;
        }
    }

    private static string Key(IReadOnlyList<string> argv, string rule, string outcome)
    {
        var sb = new System.Text.StringBuilder(rule).Append('\0').Append(outcome);
        for (int i = 0; i < argv.Count; i++) sb.Append('\0').Append(i == 0 ? Path.GetFileName(argv[0]) : argv[i]);
        return sb.ToString();
    }

    private void Forget(long nowTicks)
    {
        foreach (var (pid, v) in _last.ToList())
            if (nowTicks - v.At > window.Ticks) _last.Remove(pid);
        if (_last.Count >= MaxRemembered) _last.Clear(); // all recent: only a repeat may be recorded twice
    }
}
