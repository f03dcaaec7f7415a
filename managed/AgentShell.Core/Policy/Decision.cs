using AgentShell.Core.Model;

namespace AgentShell.Core.Policy;

/// <summary>The verdict on one exec: the action, the rule that produced it, and what it was about.</summary>
public sealed class Decision
{
    /// <summary>Rule id of the built-in fall-through.</summary>
    public const string DefaultAllowRuleId = "default.any:allow";

    /// <summary>The shared fall-through verdict (no allocation on the common path).</summary>
    public static readonly Decision DefaultAllow = new() { Action = PolicyAction.Allow, RuleId = DefaultAllowRuleId, Reason = "no rule matched" };

    /// <summary>Allow, pause or block.</summary>
    public required PolicyAction Action { get; init; }
    /// <summary>Id of the deciding rule, e.g. <c>default.any:destructive-on-production</c>.</summary>
    public required string RuleId { get; init; }
    /// <summary>One line for the agent's stderr.</summary>
    public string Reason { get; init; } = "";
    /// <summary>Longer text for the person approving a pause.</summary>
    public string? Explanation { get; init; }
    /// <summary>The intent that decided (null for the fall-through).</summary>
    public CommandIntent? Intent { get; init; }
    /// <summary>The target that decided, if any.</summary>
    public Target? Target { get; init; }
    /// <summary>Environment of <see cref="Target"/>: production, staging, local, unknown, ...</summary>
    public string Environment { get; init; } = "none";
    /// <summary>The profile entry that put the target in <see cref="Environment"/> (a host, CIDR,
    /// kube context, cloud profile or project, or variable); null when none did (local, unknown,
    /// an environment the command names itself).</summary>
    public EnvironmentEntry? MatchedBy { get; init; }
    /// <summary>The name of the listed credential that put the command in <see cref="Environment"/>
    /// (never the secret), or null when its targets did.</summary>
    public string? Credential { get; init; }

    /// <summary>This decision with <paramref name="note"/> added to its reason (what became of the
    /// command, for its audit record).</summary>
    public Decision WithNote(string note) => new()
    {
        Action = Action, RuleId = RuleId, Reason = Reason.Length > 0 ? $"{Reason} ({note})" : note, Explanation = Explanation,
        Intent = Intent, Target = Target, Environment = Environment, MatchedBy = MatchedBy, Credential = Credential,
    };

    /// <summary>"curl DELETE http://h/x (production) [rule r]", or "(production credential railway-root)"
    /// when a credential decided. Secrets in the summary (a URL's password) are masked.</summary>
    public string Describe() =>
        Intent == null ? $"[rule {RuleId}]"
            : $"{Audit.Redactor.RedactText(Intent.ToString())} ({Environment}{(Credential != null ? " credential " + Credential : "")}) [rule {RuleId}]";
}
