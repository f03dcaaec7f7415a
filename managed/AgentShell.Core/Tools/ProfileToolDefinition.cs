namespace AgentShell.Core.Tools;

/// <summary>A tool described by a profile's <c>Tools</c> section rather than by a built-in parser:
/// which sub-command patterns are destructive and which flags name the target.</summary>
public sealed class ProfileToolDefinition
{
    /// <summary>Executable name (argv[0] basename), e.g. <c>mycli</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Sub-command patterns that destroy data, e.g. <c>db drop</c>, <c>nuke *</c>.</summary>
    public IReadOnlyList<string> Destructive { get; init; } = [];

    /// <summary>Flags that name the target, and what they name: <c>--env</c> → <c>environment</c>.</summary>
    public IReadOnlyDictionary<string, string> TargetFlags { get; init; } = new Dictionary<string, string>();
}
