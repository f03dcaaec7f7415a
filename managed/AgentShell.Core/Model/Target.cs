using System.Text;

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
public sealed class Target
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

    /// <summary>Short human form: a URL, host:port/db, "kube context prod-eu", ...</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        switch (Kind)
        {
            case TargetKind.Url:
                sb.Append(Scheme ?? "http").Append("://").Append(Host.AsSpan().Contains(':') ? $"[{Host}]" : Host);
                if (Port is int p) sb.Append(':').Append(p);
                sb.Append(Path ?? "/");
                break;
            case TargetKind.Database:
            case TargetKind.Socket:
                if (Scheme != null) sb.Append(Scheme).Append("://");
                sb.Append(Host ?? "localhost");
                if (Port is int dp) sb.Append(':').Append(dp);
                if (Database != null) sb.Append('/').Append(Database);
                break;
            case TargetKind.LocalPath:
                sb.Append(Path);
                break;
            case TargetKind.KubeContext: sb.Append("kube context ").Append(Name); break;
            case TargetKind.AwsProfile:
                sb.Append("aws profile ").Append(Name);
                if (Region != null) sb.Append(" (").Append(Region).Append(')');
                break;
            case TargetKind.GcpProject: sb.Append("gcp project ").Append(Name); break;
            case TargetKind.AzureSubscription: sb.Append("azure subscription ").Append(Name); break;
            case TargetKind.TerraformWorkspace: sb.Append("terraform workspace ").Append(Name); break;
            case TargetKind.Environment: sb.Append("environment ").Append(Name); break;
        }
        return sb.ToString();
    }
}
