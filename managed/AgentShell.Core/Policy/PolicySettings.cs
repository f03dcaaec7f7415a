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

/// <summary>The profile's <c>Telemetry</c> section: where decisions and pauses are exported (OTLP/HTTP).</summary>
public sealed class TelemetrySettings
{
    /// <summary>The settings when no profile says otherwise: no export.</summary>
    public static readonly TelemetrySettings Default = new();

    /// <summary>Base URL of the OTLP/HTTP receiver (<c>/v1/logs</c> and <c>/v1/metrics</c> are appended), or null.</summary>
    public string? Endpoint { get; init; }

    /// <summary>Headers sent with every export (may carry an API key: never printed).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Null when <paramref name="url"/> can be an OTLP endpoint, else why not.</summary>
    public static string? CheckEndpoint(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https") || u.Host.Length == 0)
            return $"'{url}' is not an OTLP/HTTP endpoint: write an absolute http:// or https:// URL such as http://localhost:4318";
        if (u.UserInfo.Length > 0)
            return "an OTLP endpoint must not carry user:password (it would be printed): put credentials in the headers";
        if (u.Query.Length > 0 || u.Fragment.Length > 0)
            return $"'{u.GetLeftPart(UriPartial.Path)}...' must not carry a query or fragment";
        return null;
    }

    /// <summary>True for an HTTP header name (RFC 9110 token).</summary>
    public static bool IsHeaderName(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c));
}
