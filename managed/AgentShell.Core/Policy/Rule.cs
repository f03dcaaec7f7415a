using AgentShell.Core.Model;

namespace AgentShell.Core.Policy;

/// <summary>A compiled rule: matches (tool, effect, environment) and names an action.</summary>
public sealed class Rule
{
    /// <summary>Unique id, e.g. <c>demo.http:delete-on-production</c>.</summary>
    public required string Id { get; init; }
    /// <summary>Tools it applies to; empty = any.</summary>
    public IReadOnlySet<string> Tools { get; init; } = new HashSet<string>();
    /// <summary>Effects it applies to; empty = any.</summary>
    public IReadOnlySet<Effect> Effects { get; init; } = new HashSet<Effect>();
    /// <summary>Environments it applies to; empty = any.</summary>
    public IReadOnlySet<string> Environments { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
    /// <summary>What to do on a match.</summary>
    public required PolicyAction Action { get; init; }
    /// <summary>One line for the agent.</summary>
    public string Reason { get; init; } = "";
    /// <summary>Text for the person approving.</summary>
    public string? Explanation { get; init; }
    /// <summary>File the rule came from.</summary>
    public string Source { get; init; } = "";

    /// <summary>True when the rule applies to this intent aimed at an environment.</summary>
    public bool Matches(CommandIntent intent, string environment) =>
        (Tools.Count == 0 || Tools.Contains(intent.Tool)) &&
        (Effects.Count == 0 || Effects.Contains(intent.Effect)) &&
        (Environments.Count == 0 || Environments.Contains(environment));
}
