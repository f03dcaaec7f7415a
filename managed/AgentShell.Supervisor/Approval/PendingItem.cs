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

    /// <summary>For a paused connection or request: the program the process runs (/proc/PID/exe,
    /// which the tree cannot forge), shown beside <see cref="Argv"/>, which is then what the process
    /// shows now (/proc/PID/cmdline: any process may rewrite its own, so a paused python3 could
    /// show "curl … /health"). Null for a paused exec, whose argv is the one the decision read.</summary>
    public string? Program { get; init; }

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

/// <summary>POSIX shell quoting for display and paste. What a person is shown must be what is
/// there: a character a terminal acts on (CR, ESC, any C0 or C1 control, DEL) or that reorders the
/// text around it (a bidi override or isolate) is shown as an escape, never sent as it is. A tree
/// process chooses its argv, its working directory and its name, and with them it could otherwise
/// erase and rewrite the lines of a pending item (`curl GET …/health` over a DELETE).</summary>
public static class ShellQuote
{
    /// <summary>Quotes each argument only where needed and joins with spaces.</summary>
    public static string Join(IEnumerable<string> args) => string.Join(' ', args.Select(Quote));

    /// <summary>Quotes one argument.</summary>
    public static string Quote(string a) => Plain(a) ? a : "'" + a.Replace("'", "'\\''") + "'";

    /// <summary>As <see cref="Join"/>, for a person's terminal (`pending`, `watch`): an argument that
    /// holds a character a terminal acts on is written as bash's <c>$'…'</c> with escapes. (The
    /// exported and logged command keeps <see cref="Join"/>'s form: it reaches no terminal as it is.)</summary>
    public static string JoinShown(IEnumerable<string> args) => string.Join(' ', args.Select(a => Acts(a) ? AnsiC(a) : Quote(a)));

    private static readonly System.Buffers.SearchValues<char> ActingChars = System.Buffers.SearchValues.Create(
        "\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000a\u000b\u000c\u000d\u000e\u000f" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f" +
        "\u007f\u0080\u0081\u0082\u0083\u0084\u0085\u0086\u0087\u0088\u0089\u008a\u008b\u008c\u008d\u008e\u008f" +
        "\u0090\u0091\u0092\u0093\u0094\u0095\u0096\u0097\u0098\u0099\u009a\u009b\u009c\u009d\u009e\u009f" +
        "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069");

    /// <summary>True when <paramref name="s"/> holds a character a terminal acts on or reorders by.</summary>
    public static bool Acts(string s) => s.AsSpan().ContainsAny(ActingChars);

    /// <summary><paramref name="s"/> with each character a terminal acts on written as an escape
    /// (<c>\r</c>, <c>\x1b</c>, <c>\u202e</c>): for texts shown to a person that are not pasted
    /// (a summary, a target, a working directory, a process name).</summary>
    public static string Inert(string s)
    {
        if (!Acts(s)) return s;
        var b = new System.Text.StringBuilder(s.Length + 8);
        foreach (char c in s) AppendEscaped(b, c);
        return b.ToString();
    }

    private static void AppendEscaped(System.Text.StringBuilder b, char c)
    {
        if (!ActingChars.Contains(c)) b.Append(c);
        else if (c == '\n') b.Append("\\n");
        else if (c == '\r') b.Append("\\r");
        else if (c == '\t') b.Append("\\t");
        else if (c <= '\u007f') b.Append("\\x").Append(((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        else b.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>bash's ANSI-C quoting (<c>$'…'</c>): pasted, it is the same argument.</summary>
    private static string AnsiC(string a)
    {
        var b = new System.Text.StringBuilder(a.Length + 8).Append("$'");
        foreach (char c in a)
            if (c is '\\' or '\'') b.Append('\\').Append(c);
            else AppendEscaped(b, c);
        return b.Append('\'').ToString();
    }

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
