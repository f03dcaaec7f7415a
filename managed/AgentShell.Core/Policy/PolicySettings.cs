namespace AgentShell.Core.Policy;

/// <summary>How pauses behave (profile section <c>Pause</c>).</summary>
public sealed class PauseSettings
{
    /// <summary>Default <see cref="TimeoutSeconds"/>.</summary>
    public const int DefaultTimeoutSeconds = 300;

    /// <summary>The settings when no profile says otherwise.</summary>
    public static readonly PauseSettings Default = new();

    /// <summary>How long a paused command waits for a person.</summary>
    public int TimeoutSeconds { get; init; } = DefaultTimeoutSeconds;

    /// <summary>What an unanswered pause becomes: <see cref="PolicyAction.Block"/> unless a profile
    /// says <c>"OnTimeout": "allow"</c> explicitly.</summary>
    public PolicyAction OnTimeout { get; init; } = PolicyAction.Block;
}

/// <summary>What happens to outbound connections (profile section <c>Network</c>).</summary>
public sealed class NetworkSettings
{
    /// <summary>The settings when no profile says otherwise.</summary>
    public static readonly NetworkSettings Default = new();

    /// <summary>Action for a connect to a production endpoint by a process whose exec was not
    /// understood (python, node, a static binary). Default pause.</summary>
    public PolicyAction UnknownClientToProduction { get; init; } = PolicyAction.Pause;

    /// <summary>Per environment, executables (absolute paths) known to be clients of it, whose
    /// connects are decided by their exec rather than by <see cref="UnknownClientToProduction"/>.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Clients { get; init; } =
        new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
}

/// <summary>The profile's <c>Audit</c> section.</summary>
public sealed class AuditSettings
{
    /// <summary>The settings when no profile says otherwise.</summary>
    public static readonly AuditSettings Default = new();

    /// <summary>Also record allowed execs of programs no parser knows (ls, git status). Default
    /// false: every non-allow and every exec of a parsed tool is recorded, the rest sampled out.</summary>
    public bool LogAllowsOfUnparsedTools { get; init; }
}
