using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>gcloud <c>GROUP... COMMAND</c>: the first verb among the positional words decides
/// (<c>delete</c> → delete; <c>sql instances/databases delete</c> → drop; <c>projects delete</c>
/// → wipe; <c>stop</c> → terminate; <c>list</c>/<c>describe</c> → read; <c>ssh</c>/unknown →
/// unknown). Target: GCP project (<c>--project</c>, CLOUDSDK_CORE_PROJECT, else "default").
/// Also gsutil (<c>rm</c> → delete, <c>rm -r gs://bucket</c> → wipe, <c>rb</c> → delete).</summary>
public static class Gcloud
{
    private static readonly HashSet<string> Valued = new(StringComparer.Ordinal)
    {
        "--project", "--account", "--configuration", "--region", "--zone", "--format", "--filter", "--verbosity",
        "--impersonate-service-account", "--billing-project", "--flags-file", "--limit", "--page-size", "--sort-by",
        "--instance", "--database", "--cluster", "--location",
    };

    /// <summary>Parses gcloud's arguments.</summary>
    public static CommandIntent Parse(ToolCall c)
    {
        var a = c.Args;
        if (ToolHelp.AsksForHelp(a, shortH: true) || (a.Count > 0 && a[0] == "help")) return ToolHelp.Help("gcloud", "--help");
        var evidence = new List<Evidence>();
        var project = ProjectTarget(a, c.Context, evidence);
        var pos = ToolHelp.Positionals(a, Valued);
        Effect effect = Effect.Unknown;
        int verbAt = -1;
        for (int i = 0; i < pos.Count && verbAt < 0; i++)
        {
            if (pos[i] is "alpha" or "beta") continue;
            var e = pos[i] switch
            {
                "ssh" or "scp" or "connect" or "execute-sql" => Effect.Unknown,
                "config" when i + 1 < pos.Count && pos[i + 1] is "list" or "get" or "get-value" => Effect.Read,
                "config" when i + 1 < pos.Count => Effect.Write,
                "get-credentials" or "get-iam-policy" or "get-value" or "print-access-token" or "print-identity-token" => Effect.Read,
                "ssh-keys" or "operations" or "instances" or "databases" or "clusters" or "projects" or "sql" or "compute" or "container" or "storage" or "iam" or "run" or "functions" or "auth" or "services" => (Effect?)null,
                _ => i > 0 || pos[i] is "info" or "version" ? CliVerbs.Of(pos[i]) : null,
            };
            if (e == null) continue;
            effect = e.Value;
            verbAt = i;
        }
        string summary = string.Join(' ', verbAt >= 0 ? pos.Take(verbAt + 2) : pos.Take(3));
        if (verbAt >= 0 && pos[verbAt] == "delete")
        {
            var path = string.Join(' ', pos.Take(verbAt).Where(w => w is not ("alpha" or "beta")));
            if (path.EndsWith("projects", StringComparison.Ordinal)) effect = Effect.Wipe;
            else if (path is "sql instances" or "sql databases" or "spanner instances" or "spanner databases" or "bigtable instances" or "firestore databases" or "alloydb clusters" or "redis instances")
                effect = Effect.Drop;
        }
        evidence.Add(new(summary, $"{summary} → {effect.Name()}"));
        return ToolHelp.Intent("gcloud", effect, summary, [project], evidence);
    }

    private static Target ProjectTarget(IReadOnlyList<string> a, IExecContext ctx, List<Evidence> evidence)
    {
        var opt = ToolHelp.Option(a, "--project");
        var name = opt ?? ctx.GetEnvironmentVariable("CLOUDSDK_CORE_PROJECT") ?? ctx.GetEnvironmentVariable("GOOGLE_CLOUD_PROJECT");
        if (name == null)
        {
            // The active configuration's project, as gcloud reads it; a file it cannot read leaves the project unknown.
            name = Config.CloudConfig.GcloudProject(ctx, ToolHelp.Option(a, "--configuration"), evidence, out bool unaccountable);
            if (unaccountable) return new Target { Kind = TargetKind.GcpProject, Name = null };
            if (name != null) return new Target { Kind = TargetKind.GcpProject, Name = name };
            name = "default";
        }
        evidence.Add(new(opt != null ? $"--project {opt}" : "CLOUDSDK_CORE_PROJECT", $"gcp project {name}"));
        return new Target { Kind = TargetKind.GcpProject, Name = name };
    }

    /// <summary>Parses gsutil's arguments.</summary>
    public static CommandIntent ParseGsutil(ToolCall c)
    {
        var a = c.Args;
        var evidence = new List<Evidence>();
        var project = ProjectTarget(a, c.Context, evidence);
        var pos = ToolHelp.Positionals(a, new HashSet<string> { "-o", "-h", "-p", "-u" });
        if (pos.Count == 0 || pos[0] == "help") return ToolHelp.Help("gsutil", "help");
        Effect effect = pos[0] switch
        {
            "rm" => a.Contains("-r") || a.Contains("-R") || a.Contains("-rf") || a.Contains("-a")
                ? (pos.Skip(1).Any(p => p.StartsWith("gs://", StringComparison.Ordinal) && p[5..].TrimEnd('/', '*').IndexOf('/') < 0) ? Effect.Wipe : Effect.Delete)
                : Effect.Delete,
            "rb" => Effect.Delete,
            "rsync" => a.Contains("-d") ? Effect.Delete : Effect.Write,
            "mv" => Effect.Delete,
            "ls" or "cat" or "du" or "stat" or "hash" or "version" => Effect.Read,
            "cp" or "mb" or "acl" or "setmeta" or "defacl" or "lifecycle" or "iam" or "label" or "versioning" or "web" => Effect.Write,
            _ => Effect.Unknown,
        };
        var summary = string.Join(' ', pos.Take(3));
        evidence.Add(new(summary, $"{summary} → {effect.Name()}"));
        return ToolHelp.Intent("gsutil", effect, summary, [project], evidence);
    }
}
