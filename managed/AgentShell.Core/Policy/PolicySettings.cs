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

    /// <summary>Unix socket paths of servers that run commands for their clients (tmux, screen,
    /// docker, systemd): a tree process other than the parsed CLI connecting to one whose listener
    /// is outside the tree is refused (<c>network:command-server-outside-tree</c>). Absolute, with
    /// <c>$UID</c>, <c>$USER</c>, <c>$HOME</c>, <c>$XDG_RUNTIME_DIR</c>, <c>$TMUX_TMPDIR</c> and a
    /// <c>*</c> in the last component. Lists add up across layers.</summary>
    public IReadOnlyList<string> CommandServers { get; init; } = [];
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

/// <summary>The wire layer for one environment (profile key <c>Environments.NAME.Wire</c>):
/// connections to its addresses are terminated by the supervisor and each HTTP request or
/// PostgreSQL statement is decided, unless switched off here. Only production is terminated.</summary>
public sealed class WireSettings
{
    /// <summary>The settings when no profile says otherwise: both protocols on, nothing pinned.</summary>
    public static readonly WireSettings Default = new();

    /// <summary>Decide HTTP(S) requests at the wire (<c>Wire.Http</c>, default true).</summary>
    public bool Http { get; init; } = true;

    /// <summary>Decide PostgreSQL statements at the wire (<c>Wire.Postgres</c>, default true).</summary>
    public bool Postgres { get; init; } = true;

    /// <summary>Hosts whose clients pin their certificates (<c>Wire.PinnedHosts</c>): never
    /// intercepted, decided as before the wire layer (by the exec that connects).</summary>
    public IReadOnlyList<HostPattern> PinnedHosts { get; init; } = [];

    /// <summary>True when neither protocol is decided at the wire.</summary>
    public bool Off => !Http && !Postgres;

    /// <summary>True when <paramref name="host"/> (a name or an address literal) on
    /// <paramref name="port"/> is one of <see cref="PinnedHosts"/>.</summary>
    public bool IsPinned(string host, int port)
    {
        foreach (var p in PinnedHosts) if (p.Matches(host, port)) return true;
        return false;
    }
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
