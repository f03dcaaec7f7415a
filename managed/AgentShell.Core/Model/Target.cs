using System.Runtime.CompilerServices;

namespace AgentShell.Core.Model;

/// <summary>The kind of thing a command acts on.</summary>
public enum TargetKind : byte
{
    /// <summary>An HTTP(S) URL: scheme, host, port, path.</summary>
    Url,
    /// <summary>A database or cache endpoint: host, port, database.</summary>
    Database,
    /// <summary>A Kubernetes context (<see cref="Target.Name"/>).</summary>
    KubeContext,
    /// <summary>An AWS profile (<see cref="Target.Name"/>) and region.</summary>
    AwsProfile,
    /// <summary>A GCP project id.</summary>
    GcpProject,
    /// <summary>An Azure subscription.</summary>
    AzureSubscription,
    /// <summary>A Terraform/OpenTofu workspace.</summary>
    TerraformWorkspace,
    /// <summary>A path on this machine.</summary>
    LocalPath,
    /// <summary>An environment named directly by a flag (e.g. a profile tool's <c>--env prod</c>).</summary>
    Environment,
    /// <summary>A network endpoint reached by a raw connect (host is an address).</summary>
    Socket,
}

/// <summary>What a command acts on. Fields not relevant to <see cref="Kind"/> are null.</summary>
public sealed class Target : IFactText
{
    /// <summary>Kind of target.</summary>
    public required TargetKind Kind { get; init; }
    /// <summary>URL scheme (http, https, postgresql, ...).</summary>
    public string? Scheme { get; init; }
    /// <summary>Host name or address literal, without brackets, userinfo or port.</summary>
    public string? Host { get; init; }
    /// <summary>Port when given or implied by the scheme.</summary>
    public int? Port { get; init; }
    /// <summary>URL path or local path.</summary>
    public string? Path { get; init; }
    /// <summary>Database name.</summary>
    public string? Database { get; init; }
    /// <summary>Context / profile / project / subscription / workspace / environment name.</summary>
    public string? Name { get; init; }
    /// <summary>Cloud region.</summary>
    public string? Region { get; init; }

    private string? _text;

    /// <summary>Short human form: a URL, host:port/db, "kube context prod-eu", ...</summary>
    /// <remarks>PERF: made once per target (evidence, the summary and messages each ask), in a
    /// pooled buffer: one string, no builder. Every property is init-only, so it cannot go stale.</remarks>
    public override string ToString() => _text ??= Format();

    /// <summary>"target https://h/x", the evidence of a URL curl sends to (made when read).</summary>
    string IFactText.FactText(string token) => string.Concat("target ", ToString());

    string IFactText.Head(string token) => "target ";

    private string Format()
    {
        var sb = new DefaultInterpolatedStringHandler(0, 0);
        switch (Kind)
        {
            case TargetKind.Url:
                sb.AppendLiteral(Scheme ?? "http");
                sb.AppendLiteral("://");
                if (Host.AsSpan().Contains(':')) { sb.AppendLiteral("["); sb.AppendFormatted(Host); sb.AppendLiteral("]"); }
                else sb.AppendFormatted(Host);
                if (Port is int p) { sb.AppendLiteral(":"); sb.AppendFormatted(p); }
                sb.AppendFormatted(Path ?? "/");
                break;
            case TargetKind.Database:
            case TargetKind.Socket:
                if (Scheme != null) { sb.AppendFormatted(Scheme); sb.AppendLiteral("://"); }
                sb.AppendFormatted(Host ?? "localhost");
                if (Port is int dp) { sb.AppendLiteral(":"); sb.AppendFormatted(dp); }
                if (Database != null) { sb.AppendLiteral("/"); sb.AppendFormatted(Database); }
                break;
            case TargetKind.LocalPath:
                sb.AppendFormatted(Path);
                break;
            case TargetKind.KubeContext: sb.AppendLiteral("kube context "); sb.AppendFormatted(Name); break;
            case TargetKind.AwsProfile:
                sb.AppendLiteral("aws profile ");
                sb.AppendFormatted(Name);
                if (Region != null) { sb.AppendLiteral(" ("); sb.AppendFormatted(Region); sb.AppendLiteral(")"); }
                break;
            case TargetKind.GcpProject: sb.AppendLiteral("gcp project "); sb.AppendFormatted(Name); break;
            case TargetKind.AzureSubscription: sb.AppendLiteral("azure subscription "); sb.AppendFormatted(Name); break;
            case TargetKind.TerraformWorkspace: sb.AppendLiteral("terraform workspace "); sb.AppendFormatted(Name); break;
            case TargetKind.Environment: sb.AppendLiteral("environment "); sb.AppendFormatted(Name); break;
        }
        return sb.ToStringAndClear();
    }
}
