using AgentShell.Core.Policy;

namespace AgentShell.Supervisor.Approval;

/// <summary>How a pending item ended.</summary>
public enum PendingOutcome { Pending, Approved, ApprovedForRun, Denied, TimedOut, Gone }

/// <summary>One paused request waiting for a person: what, who, where, why, and until when.</summary>
public sealed class PendingItem
{
    private readonly List<(ulong NotifId, int Pid)> _held = [];
    private readonly Lock _gate = new();

    /// <summary>Short unambiguous id, e.g. "7f3".</summary>
    public required string Id { get; init; }
    /// <summary>When it was paused.</summary>
    public required DateTimeOffset Created { get; init; }
    /// <summary>When it times out.</summary>
    public required DateTimeOffset Deadline { get; init; }
    /// <summary>Thread id that made the syscall.</summary>
    public required int Pid { get; init; }
    /// <summary>Process chain, outermost first: ["claude(100)", "bash(120)", "psql(131)"].</summary>
    public required IReadOnlyList<string> Chain { get; init; }
    /// <summary>Working directory of the process.</summary>
    public string? Cwd { get; init; }
    /// <summary>The full argv.</summary>
    public required IReadOnlyList<string> Argv { get; init; }
    /// <summary>The decision that paused it (intent, target, environment, rule).</summary>
    public required Decision Decision { get; init; }
    /// <summary>Same request from the same process: joins this item (PATH search, restarts).</summary>
    public required string JoinKey { get; init; }
    /// <summary>Same command and target: allowed without asking after an approve --for-run.</summary>
    public required string RunKey { get; init; }

    /// <summary>For a paused connect: the process and destination, remembered once answered.</summary>
    internal Network.ProcessTable.ConnectKey? ConnectKey { get; init; }
    /// <summary>Root mode: the program generation the gated connect was made under.</summary>
    internal ulong? ConnectGeneration { get; init; }

    /// <summary>What the audit log records it under when it is answered ("http", "postgres" for a
    /// request held at the wire); null: connect when <see cref="ConnectKey"/> is set, else execve.</summary>
    public string? Syscall { get; init; }

    /// <summary>For a paused exec: the environments its targets are in (what the process is trusted
    /// to connect to once approved).</summary>
    public string[]? ExecEnvironments { get; init; }

    /// <summary>The run or daemon session the request came from; null for a registry used without scopes.</summary>
    public string? Session => Scope?.Session;
    /// <summary>Its tree and responder, set by the registry when the item is created.</summary>
    internal PendingScope? Scope { get; set; }

    /// <summary>Outcome; Pending until answered.</summary>
    public PendingOutcome Outcome { get; private set; }
    /// <summary>Who answered (e.g. "alice (uid 1000, pid 4242)").</summary>
    public string? AnsweredBy { get; private set; }
    /// <summary>A reason given with a deny.</summary>
    public string? DenyReason { get; private set; }
    /// <summary>When it was answered.</summary>
    public DateTimeOffset? Answered { get; private set; }

    /// <summary>The argv quoted so it can be pasted into a shell.</summary>
    public string QuotedArgv => ShellQuote.Join(Argv);

    internal void Hold(ulong notifId, int pid)
    {
        lock (_gate) _held.Add((notifId, pid));
    }

    /// <summary>Marks the outcome once; returns the held notifications to answer, or null when
    /// someone answered first.</summary>
    internal List<(ulong NotifId, int Pid)>? Resolve(PendingOutcome outcome, string? by, string? reason, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (Outcome != PendingOutcome.Pending) return null;
            Outcome = outcome;
            AnsweredBy = by;
            DenyReason = reason;
            Answered = now;
            var r = new List<(ulong, int)>(_held);
            _held.Clear();
            return r;
        }
    }

    internal List<(ulong NotifId, int Pid)> Held()
    {
        lock (_gate) return new List<(ulong, int)>(_held);
    }

    internal void Drop(ulong notifId)
    {
        lock (_gate) _held.RemoveAll(h => h.NotifId == notifId);
    }
}

/// <summary>POSIX shell quoting for display and paste.</summary>
public static class ShellQuote
{
    /// <summary>Quotes each argument only where needed and joins with spaces.</summary>
    public static string Join(IEnumerable<string> args) => string.Join(' ', args.Select(Quote));

    /// <summary>Quotes one argument.</summary>
    public static string Quote(string a) => Plain(a) ? a : "'" + a.Replace("'", "'\\''") + "'";

    /// <summary>As <see cref="Join"/>, appended to <paramref name="to"/> (allocates nothing once it has room).</summary>
    public static void AppendJoin(System.Text.StringBuilder to, IReadOnlyList<string> args)
    {
        for (int i = 0; i < args.Count; i++)
        {
            if (i > 0) to.Append(' ');
            string a = args[i];
            if (Plain(a)) { to.Append(a); continue; }
            to.Append('\'');
            foreach (char c in a)
                if (c == '\'') to.Append("'\\''");
                else to.Append(c);
            to.Append('\'');
        }
    }

    private static readonly System.Buffers.SearchValues<char> PlainChars =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_./=:@,+%");

    // PERF: one vectorised scan (the export thread quotes every exported command line).
    private static bool Plain(string a) => a.Length > 0 && !a.AsSpan().ContainsAnyExcept(PlainChars);
}
