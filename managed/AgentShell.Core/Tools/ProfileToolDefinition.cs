namespace AgentShell.Core.Tools;

/// <summary>A CLI a profile teaches the classifier about, without code:
/// <c>"Tools": {"mycli": {"Destructive": ["db drop", "nuke *"], "TargetFlags": {"--env": "environment"}}}</c>.</summary>
public sealed class ProfileToolDefinition
{
    /// <summary>Program name (argv[0] basename), e.g. <c>mycli</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Subcommand word patterns that destroy data: words separated by spaces, each a glob
    /// where <c>*</c> matches any run of characters (<c>"db drop"</c>, <c>"nuke *"</c>,
    /// <c>"delete-*"</c>). A pattern matches when its words match the command's leading
    /// positional words.</summary>
    public IReadOnlyList<string> Destructive { get; init; } = [];

    /// <summary>Options whose value names the target, and what kind of target:
    /// <c>environment</c> (the value is the environment name), <c>host</c>, <c>context</c>
    /// (kube), <c>project</c> (GCP), <c>profile</c> (AWS), <c>subscription</c> (Azure),
    /// <c>workspace</c> (Terraform).</summary>
    public IReadOnlyDictionary<string, string> TargetFlags { get; init; } = new Dictionary<string, string>();

    /// <summary>The target kinds a <see cref="TargetFlags"/> value may name.</summary>
    public static IReadOnlyList<string> TargetKinds { get; } = ["environment", "host", "context", "project", "profile", "subscription", "workspace"];
}
