using AgentShell.Core.Audit;
using AgentShell.Core.Policy;

namespace AgentShell.Cli;

/// <summary>How the CLI shows decisions to a person: every command, target and reason through the
/// audit log's <see cref="Redactor"/> (so `check`, `pending`, `watch` and the agent hooks never print
/// a token or password the log would mask), and why a target is in its environment.</summary>
internal static class DecisionText
{
    /// <summary>An argv for display: redacted as the audit log redacts it, then quoted so it can be
    /// pasted into a shell. A single word (a shell string checked whole) is shown as it is.</summary>
    internal static string Argv(IReadOnlyList<string> argv) =>
        argv.Count == 1 ? Text(argv[0]) : AgentShell.Supervisor.Approval.ShellQuote.Join(Redactor.RedactArgv(argv));

    /// <summary>As <see cref="Argv(IReadOnlyList{string})"/>, with every secret the command's intents carry masked
    /// wherever it stands (a carrier no argv rule knows, such as a form field a tool's own syntax names).</summary>
    internal static string Argv(IReadOnlyList<string> argv, IReadOnlyList<AgentShell.Core.Model.CommandIntent> intents)
    {
        var s = Argv(argv);
        foreach (var i in intents) s = Redactor.MaskCarried(s, i.Credentials);
        return s;
    }

    /// <summary>Free text (a reason, a target, a summary, a shell string) with secrets masked.</summary>
    internal static string Text(string? text) => text == null ? "" : Redactor.RedactText(text);

    /// <summary>As <see cref="Text(string?)"/>, with the secrets <paramref name="i"/> carries masked wherever they stand.</summary>
    internal static string Text(string? text, AgentShell.Core.Model.CommandIntent i) => text == null ? "" : Redactor.RedactCarried(text, i.Credentials);

    /// <summary>"host *.prod.example.com in railway.json": the entry that put a target in its
    /// environment; null when none did.</summary>
    internal static string? Entry(EnvironmentEntry? m) => m == null ? null : Text(m.Describe());

    /// <summary>"production because host *.prod.example.com in railway.json", or just the
    /// environment when no profile entry decided it.</summary>
    internal static string Because(string environment, EnvironmentEntry? m) =>
        Entry(m) is string e ? $"{environment} because {e}" : environment;

    /// <summary>The verdict word of an action.</summary>
    internal static string Verdict(PolicyAction a) => a switch { PolicyAction.Block => "block", PolicyAction.Pause => "pause", _ => "allow" };
}
