using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>aws <c>SERVICE OPERATION</c> with global options anywhere. delete-*/remove-*/
/// deregister-*/purge-* → delete; terminate-*/stop-*/reboot-* → terminate; rds
/// delete-db-instance/delete-db-cluster and dynamodb delete-table → drop; s3 rm → delete
/// (<c>--recursive</c> at a bucket's root → wipe); s3 rb → delete (<c>--force</c> → wipe);
/// s3 sync <c>--delete</c> → delete; describe-/list-/get-/s3 ls → read; <c>--dry-run</c> →
/// read; unknown operations → unknown. Target: AWS profile (<c>--profile</c>, AWS_PROFILE,
/// AWS_DEFAULT_PROFILE, else "default") and region.</summary>
public static class Aws
{
    private static readonly HashSet<string> GlobalValued = new(StringComparer.Ordinal)
    {
        "--profile", "--region", "--output", "--endpoint-url", "--query", "--ca-bundle", "--cli-read-timeout",
        "--cli-connect-timeout", "--color", "--cli-binary-format", "--cli-input-json", "--cli-input-yaml",
    };

    /// <summary>Parses aws's arguments.</summary>
    public static CommandIntent Parse(ToolCall c)
    {
        var a = c.Args;
        var evidence = new List<Evidence>();
        var profileOpt = ToolHelp.Option(a, "--profile");
        string profile = profileOpt ?? c.Context.GetEnvironmentVariable("AWS_PROFILE") ?? c.Context.GetEnvironmentVariable("AWS_DEFAULT_PROFILE") ?? "default";
        string? region = ToolHelp.Option(a, "--region") ?? c.Context.GetEnvironmentVariable("AWS_REGION") ?? c.Context.GetEnvironmentVariable("AWS_DEFAULT_REGION")
            ?? Config.CloudConfig.AwsRegion(c.Context, profile, evidence);
        evidence.Add(new(profileOpt != null ? $"--profile {profileOpt}" : "AWS_PROFILE", $"aws profile {profile}"));
        var target = new Target { Kind = TargetKind.AwsProfile, Name = profile, Region = region };
        var pos = ToolHelp.Positionals(a, GlobalValued, 3);
        if (a.Contains("help") && pos.Contains("help") || ToolHelp.AsksForHelp(a, shortH: false)) return ToolHelp.Help("aws", "help");
        if (pos.Count < 2) return ToolHelp.Intent("aws", pos.Count == 1 && pos[0] == "configure" ? Effect.Write : Effect.Read, string.Join(' ', pos), [target], evidence);
        string service = pos[0], op = pos[1];
        string summary = $"{service} {op}";
        Effect effect;
        if (service == "s3")
        {
            var paths = ToolHelp.Positionals(a, GlobalValued).Skip(2).ToList();
            switch (op)
            {
                case "rm":
                {
                    bool recursive = a.Contains("--recursive");
                    bool root = paths.Any(p => p.StartsWith("s3://", StringComparison.Ordinal) && p[5..].TrimEnd('/').IndexOf('/') < 0);
                    bool filtered = a.Contains("--exclude") || a.Contains("--include");
                    effect = recursive && root && !filtered ? Effect.Wipe : Effect.Delete;
                    break;
                }
                case "rb": effect = a.Contains("--force") ? Effect.Wipe : Effect.Delete; break;
                case "sync": effect = a.Contains("--delete") ? Effect.Delete : Effect.Write; break;
                case "mv": effect = Effect.Delete; break; // removes the source objects
                case "ls" or "presign": effect = Effect.Read; break;
                case "cp" or "mb" or "website": effect = Effect.Write; break;
                default: effect = Effect.Unknown; break;
            }
            if (paths.Count > 0) summary += " " + string.Join(' ', paths);
        }
        else
        {
            effect = CliVerbs.Of(op) ?? Effect.Unknown;
            if (effect == Effect.Delete && op.StartsWith("terminate", StringComparison.Ordinal)) effect = Effect.Terminate;
            if ((service, op) is ("rds", "delete-db-instance") or ("rds", "delete-db-cluster") or ("dynamodb", "delete-table")
                or ("redshift", "delete-cluster") or ("docdb", "delete-db-cluster") or ("neptune", "delete-db-cluster")
                or ("glue", "delete-database") or ("glue", "delete-table") or ("timestream-write", "delete-database")
                or ("elasticache", "delete-cache-cluster") or ("elasticache", "delete-replication-group") or ("rds", "delete-db-cluster-snapshot")
                or ("rds", "delete-db-snapshot"))
                effect = Effect.Drop;
            if (service == "ssm" && op is "send-command" or "start-session" || service == "lambda" && op == "invoke") effect = Effect.Unknown;
            if ((service, op) is ("s3api", "delete-bucket") or ("s3api", "delete-objects")) effect = Effect.Delete;
            if ((service, op) is ("sts", _) && effect == Effect.Unknown) effect = Effect.Read;
        }
        evidence.Add(new(summary, $"{summary} → {effect.Name()}"));
        if (a.Contains("--dry-run")) { effect = Effect.Read; evidence.Add(new("--dry-run", "checks permissions only")); }
        return ToolHelp.Intent("aws", effect, summary, [target], evidence);
    }
}
