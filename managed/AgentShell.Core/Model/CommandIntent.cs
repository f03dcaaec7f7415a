namespace AgentShell.Core.Model;

/// <summary>What one simple command would do: the tool, its effect, its targets and the
/// evidence for each fact. Produced by a tool parser; consumed by the policy.</summary>
public sealed class CommandIntent
{
    /// <summary>Canonical tool name ("curl", "psql", "kubectl", "rm", "shell").</summary>
    public required string Tool { get; init; }
    /// <summary>A tool whose rules apply to this intent as well as <see cref="Tool"/>'s own: the
    /// PostgreSQL wire layer's statements (tool <c>postgres-wire</c>) are what psql would send, so
    /// a rule written for <c>psql</c> decides them too. Null for a command's own parser.</summary>
    public string? ActsAs { get; init; }
    /// <summary>Most severe effect of the command.</summary>
    public required Effect Effect { get; init; }
    /// <summary>What the command acts on; empty when it names nothing.</summary>
    public IReadOnlyList<Target> Targets { get; init; } = [];
    /// <summary>Which token produced which fact.</summary>
    public IReadOnlyList<Evidence> Evidence { get; init; } = [];
    /// <summary>Read from code that may hold more than runs (a script file an interpreter is handed:
    /// a dev server's delete handler is in its file whether or not it is called): the policy counts
    /// such an intent only where a rule refuses it; a pause or an allow of it is no decision.</summary>
    public bool BlockOnly { get; internal set; }
    /// <summary>Read under run from code the interpreter is handed inline (a one-liner's literal HTTP
    /// call): where its target is one the gate takes (a production address), the wire layer judges
    /// each request as it is sent (or the gate the connect) and here only a refusal counts, as for
    /// <see cref="BlockOnly"/>; elsewhere (staging, a host no profile names) nothing else sees the
    /// request, and every decision counts.</summary>
    public bool WireJudged { get; internal set; }
    /// <summary>A second intent of the same command, emitted after this one (rm -rf .git "/$d": a
    /// delete of .git, and an unknown on what "/$d" may be), so neither replaces the other.</summary>
    internal CommandIntent? Then { get; init; }
    /// <summary>A short description for messages, e.g. <c>DELETE http://h/volumes/1</c> or <c>DROP TABLE t</c>.</summary>
    public string Summary { get => _summary as string ?? MakeSummary(); init => _summary = value; }

    /// <summary>A summary made when <see cref="Summary"/> is first read: an object whose
    /// <c>ToString()</c> is the text (<see cref="HeadAndTarget"/>). PERF: a decision that is only
    /// allowed never reads it, so a parser need not build the text (a URL formatted, then joined).</summary>
    internal object LazySummary { init => _summary = value; }
    /// <summary>The argv this intent was read from (after unwrapping), for messages and the audit log.</summary>
    public IReadOnlyList<string> Argv { get => _argv; init => _argv = value; }
    /// <summary>Secrets the command sends or hands its tool (headers, passwords, tokens in its
    /// arguments, its configuration files or its environment); matched by hash against the
    /// profiles' <c>Credentials</c>. Empty for most commands.</summary>
    public IReadOnlyList<Credential> Credentials { get => _credentials ?? Scan(); init => _credentials = value; }

    private string MakeSummary() => _summary == null ? null! : (string)(_summary = _summary.ToString()!);

    private object _summary = ""; // the summary's string, or an object that makes it (set once, then the string)
    private IReadOnlyList<string> _argv = [];
    private IReadOnlyList<Credential>? _credentials = [];
    // The command the credentials are read from when first asked for (null _credentials).
    private Classification.ToolId _scanTool;
    private Tools.ToolCall? _scanCall;

    /// <summary>Sets what the classifier adds to a parser's intent: its argv, and the command its
    /// credentials are read from. PERF: in place, not by a copy of the intent: a parser's intent is
    /// fresh and has no other owner (no parser returns a shared or cached intent). The credential
    /// scan runs when <see cref="Credentials"/> is first read: the policy reads it only when a
    /// profile lists credentials, so most decisions never scan.</summary>
    internal CommandIntent Complete(IReadOnlyList<string> argv, Classification.ToolId tool, Tools.ToolCall call)
    {
        _argv = argv;
        _scanTool = tool;
        _scanCall = call;
        _credentials = null;
        return this;
    }

    /// <summary>As the other overload, for an intent made from another's (a command run remotely):
    /// its credentials are those already found in the command it wraps.</summary>
    internal CommandIntent Complete(IReadOnlyList<string> argv, IReadOnlyList<Credential> credentials)
    {
        _argv = argv;
        _credentials = credentials;
        return this;
    }

    // Idempotent: two threads that both find nothing scanned get equal lists.
    private IReadOnlyList<Credential> Scan() => _credentials = AgentShell.Core.Credentials.CredentialScan.Find(_scanTool, _scanCall!, Tool, Targets);

    /// <summary>"HEAD TARGET" (<c>DELETE https://h/x</c>), made when read.</summary>
    internal sealed class HeadAndTarget(string head, Target target)
    {
        /// <inheritdoc/>
        public override string ToString() => string.Concat(head, " ", target.ToString());
    }

    /// <summary>"curl DELETE http://h/x" — tool then summary.</summary>
    public override string ToString() => Summary.Length == 0 ? Tool : $"{Tool} {Summary}";
}
