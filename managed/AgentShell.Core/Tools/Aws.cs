using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>aws <c>SERVICE OPERATION</c> with global options anywhere. delete-*/remove-*/
/// deregister-*/purge-* → delete; terminate-*/stop-*/reboot-* → terminate; rds
/// delete-db-instance/delete-db-cluster and dynamodb delete-table → drop; s3 rm → delete
/// (<c>--recursive</c> at a bucket's root → wipe); s3 rb → delete (<c>--force</c> → wipe);
/// s3 sync <c>--delete</c> → delete; describe-/list-/get-/s3 ls → read; <c>--dry-run</c> →
/// read; unknown operations → unknown. Target: AWS profile (<c>--profile</c>, AWS_PROFILE,
/// AWS_DEFAULT_PROFILE, else "default") and region; beside it, each environment word in the name
/// of the resource acted on (<c>--stack-name shop-prod</c>, <c>s3://assets-production</c>).</summary>
public static partial class Aws
{
    /// <summary>Parses aws's arguments.</summary>
    public static CommandIntent Parse(ToolCall c)
    {
        var evidence = new List<Evidence>();
        var pos = new List<string>();
        // PERF: most commands give no path or operation option: made on first use.
        List<string>? paths = null;
        // PERF: of the operation's options only those asked about below are kept, a bit each (a set
        // of every option given, and a "--" + name string per option, were made for most commands).
        OpFlags opFlags = OpFlags.None;
        bool Has(OpFlags flag) => (opFlags & flag) != 0;
        string? profileOpt = null, region = null;
        bool unknown = false, help = false, skipValue = false, nameValue = false, sqlValue = false;
        // The statements of the data APIs (rds-data, redshift-data, athena, dynamodb PartiQL): read as SQL.
        List<string>? sql = null;
        // Values of the operation's name options (--stack-name shop-prod, --db-instance-identifier …).
        List<string>? names = null;
        var reader = new OptionReader(Options, c.Args);
        while (reader.Next(out var t))
        {
            if (t.Kind == OptionTokenKind.Operand)
            {
                if (nameValue) { nameValue = false; (names ??= []).Add(t.Value!); }
                if (sqlValue)
                {
                    (sql ??= []).Add(t.Value!);
                    if (skipValue) sqlValue = skipValue = false; // one value; --sqls takes every operand up to the next option
                    continue;
                }
                if (skipValue) { skipValue = false; continue; }
                if (pos.Count < 2 && !(pos.Count == 1 && t.Value == "help")) pos.Add(t.Value!);
                else if (t.Value == "help") help = true;
                else (paths ??= []).Add(t.Value!);
                continue;
            }
            skipValue = nameValue = sqlValue = false;
            if (t.Kind == OptionTokenKind.Option)
            {
                switch (t.Name)
                {
                    case "--profile": profileOpt = t.Value; break;
                    case "--region": region = t.Value; break;
                    case "--version": help = true; break;
                }
                continue;
            }
            if (pos.Count < 2 || t.Kind != OptionTokenKind.Unknown || !t.Arg.StartsWith("--", StringComparison.Ordinal))
            {
                // Before SERVICE OPERATION only aws's own options are taken.
                OptionProblems.Note(t, evidence);
                unknown = true;
                continue;
            }
            // An option of the operation: the s3 commands' by their table, others by name.
            int eq = t.Arg.IndexOf('=');
            var dashed = eq > 0 ? t.Arg.AsSpan(0, eq) : t.Arg.AsSpan();
            if (pos[0] == "s3")
            {
                var spec = S3Options.Long(dashed[2..], out _, out _);
                if (spec == null) { OptionProblems.Note(t, evidence); unknown = true; continue; }
                opFlags |= FlagOf(spec.Name);
                skipValue = eq < 0 && spec.Arity == OptionArity.Required;
            }
            else
            {
                opFlags |= FlagOf(dashed);
                if (dashed is "--sql" or "--sqls" or "--query-string" or "--statement" or "--partiql-statement")
                {
                    if (eq > 0) (sql ??= []).Add(t.Arg[(eq + 1)..]);
                    else (sqlValue, skipValue) = (true, dashed is "--sql" or "--query-string" or "--statement" or "--partiql-statement");
                    continue;
                }
                if (NamesResource(dashed))
                {
                    if (eq > 0) (names ??= []).Add(t.Arg[(eq + 1)..]);
                    else nameValue = true;
                }
            }
        }
        string profile = Profile(c.Context, profileOpt);
        region ??= c.Context.GetEnvironmentVariable("AWS_REGION") ?? c.Context.GetEnvironmentVariable("AWS_DEFAULT_REGION")
            ?? Config.CloudConfig.AwsRegion(c.Context, profile, evidence);
        evidence.Add(Evidence.Joined(profileOpt != null ? $"--profile {profileOpt}" : "AWS_PROFILE", "aws profile ", profile));
        var target = new Target { Kind = TargetKind.AwsProfile, Name = profile, Region = region };
        if (help || (pos.Count > 0 && pos[0] == "help")) return ToolHelp.Help("aws", "help");
        var targets = NamedEnvironments(target, names, pos.Count > 0 && pos[0] == "s3" ? paths : null, evidence);
        // Both profiles are targets when AWS_PROFILE and AWS_DEFAULT_PROFILE differ (OtherProfile).
        if (OtherProfile(c.Context, profileOpt, profile) is { } dp)
        {
            evidence.Add(Evidence.Joined("AWS_DEFAULT_PROFILE", "aws profile ", dp));
            var dpRegion = c.Context.GetEnvironmentVariable("AWS_REGION") ?? c.Context.GetEnvironmentVariable("AWS_DEFAULT_REGION")
                ?? Config.CloudConfig.AwsRegion(c.Context, dp, evidence);
            targets = [.. targets, new Target { Kind = TargetKind.AwsProfile, Name = dp, Region = dpRegion }];
        }
        if (pos.Count < 2) return ToolHelp.Intent("aws", unknown ? Effect.Unknown : pos.Count == 1 && pos[0] == "configure" ? Effect.Write : Effect.Read, string.Join(' ', pos), targets, evidence);
        string service = pos[0], op = pos[1];
        string summary = $"{service} {op}";
        Effect effect;
        if (service == "s3")
        {
            switch (op)
            {
                case "rm":
                {
                    bool recursive = Has(OpFlags.Recursive);
                    bool root = paths != null && paths.Any(p => p.StartsWith("s3://", StringComparison.Ordinal) && p[5..].TrimEnd('/').IndexOf('/') < 0);
                    bool filtered = Has(OpFlags.Exclude) || Has(OpFlags.Include);
                    effect = recursive && root && !filtered ? Effect.Wipe : Effect.Delete;
                    break;
                }
                case "rb": effect = Has(OpFlags.Force) ? Effect.Wipe : Effect.Delete; break;
                case "sync": effect = Has(OpFlags.Delete) ? Effect.Delete : Effect.Write; break;
                case "mv": effect = Effect.Delete; break; // removes the source objects
                case "ls" or "presign": effect = Effect.Read; break;
                case "cp" or "mb" or "website": effect = Effect.Write; break;
                default: effect = Effect.Unknown; break;
            }
            if (paths != null) summary += " " + string.Join(' ', paths);
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
            // Data encrypted under a disabled key cannot be read until it is enabled again.
            if ((service, op) is ("kms", "disable-key")) effect = Effect.Terminate;
            if (sql != null && service is "rds-data" or "redshift-data" or "athena" or "dynamodb")
            {
                // What the statements do, not the verb that sends them (execute-statement reads as often as it drops).
                effect = Effect.Read;
                foreach (var given in sql)
                {
                    // The CLI reads a parameter given as file://PATH (fileb://) from that file: the
                    // statement is the file's text; one that cannot be read is an unknown effect.
                    int scheme = given.StartsWith("file://", StringComparison.Ordinal) ? 7 : given.StartsWith("fileb://", StringComparison.Ordinal) ? 8 : 0;
                    string? q = scheme == 0 ? given : ToolHelp.ReadText(c.Context, given[scheme..]);
                    if (q == null)
                    {
                        effect = ToolHelp.Max(effect, Effect.Unknown);
                        evidence.Add(new(given, "statement file cannot be read (unknown)"));
                        continue;
                    }
                    var r = SqlScanner.Scan(q, SqlDialect.Postgres, SqlScanOptions.ServerText);
                    if (r.Effect >= effect) summary = $"{service} {op}: {r.Summary}";
                    effect = ToolHelp.Max(effect, r.Effect);
                    evidence.Add(new(HttpBody.Short(q), r));
                }
            }
            // PERF: only commands that change something are searched for the options that disarm a safeguard.
            if (effect is Effect.Write or Effect.Unknown) effect = SafeguardFlags.Apply("aws", c.Args, effect, evidence, c.Context);
            if (effect is Effect.Write or Effect.Unknown) effect = AccessGrants.Apply("aws", summary, effect, evidence);
        }
        evidence.Add(Evidence.Arrow(summary, effect));
        if (Has(OpFlags.DryRun) || Has(OpFlags.Dryrun)) { effect = Effect.Read; evidence.Add(new("--dry-run", "checks permissions only")); }
        if (unknown) effect = ToolHelp.Max(effect, Effect.Unknown);
        return ToolHelp.Intent("aws", effect, summary, targets, evidence);
    }

    // An operation option that names the resource it acts on: --stack-name, --function-name,
    // --db-instance-identifier, --cluster-identifier, --table-name, --bucket, --cluster; and by id,
    // ARN or URL (--secret-id shop/prod/db, --key-id alias/shop-prod, --topic-arn …:orders-prod,
    // --queue-url …/orders-prod, --backup-arn), --work-group.
    private static bool NamesResource(ReadOnlySpan<char> dashed) =>
        dashed.EndsWith("-name") || dashed.EndsWith("-identifier") || dashed.EndsWith("-id") || dashed.EndsWith("-arn") || dashed.EndsWith("-url")
        || dashed is "--bucket" or "--cluster" or "--stack" or "--work-group";

    /// <summary>The profile's target, and beside it (never instead) an environment target for each
    /// environment word in the names of the resources acted on (a stack <c>shop-prod</c>, a bucket
    /// <c>s3://assets-production</c>): the account a profile reaches is often shared by every stage.</summary>
    private static IReadOnlyList<Target> NamedEnvironments(Target profile, List<string>? names, List<string>? s3Paths, List<Evidence> evidence)
    {
        // PERF: the common command names no resource by an option and no s3 path.
        if (names == null && s3Paths == null) return [profile];
        List<Target>? targets = null;
        void Add(string name)
        {
            foreach (var word in ProfileToolTarget.EnvironmentWords(name))
            {
                (targets ??= [profile]).Add(new Target { Kind = TargetKind.Environment, Name = word });
                evidence.Add(new(name, $"{name} names {word}"));
            }
        }
        if (names != null) foreach (var n in names) Add(n);
        if (s3Paths != null)
            foreach (var p in s3Paths)
                if (p.StartsWith("s3://", StringComparison.Ordinal)) Add(p[5..].Split('/', 2)[0]);
        return targets ?? (IReadOnlyList<Target>)[profile];
    }

    [Flags]
    private enum OpFlags { None = 0, Recursive = 1, Exclude = 2, Include = 4, Force = 8, Delete = 16, DryRun = 32, Dryrun = 64 }

    // The operation options Parse asks about, by their full name; any other is no bit.
    private static OpFlags FlagOf(ReadOnlySpan<char> dashed) => dashed switch
    {
        "--recursive" => OpFlags.Recursive,
        "--exclude" => OpFlags.Exclude,
        "--include" => OpFlags.Include,
        "--force" => OpFlags.Force,
        "--delete" => OpFlags.Delete,
        "--dry-run" => OpFlags.DryRun,
        "--dryrun" => OpFlags.Dryrun,
        _ => OpFlags.None,
    };

    /// <summary>The profile aws acts as: --profile, else AWS_PROFILE, AWS_DEFAULT_PROFILE, "default".</summary>
    internal static string Profile(IExecContext ctx, string? profileOpt) =>
        profileOpt ?? ctx.GetEnvironmentVariable("AWS_PROFILE") ?? ctx.GetEnvironmentVariable("AWS_DEFAULT_PROFILE") ?? "default";

    /// <summary>botocore reads AWS_DEFAULT_PROFILE before AWS_PROFILE (its session variables list both, in that
    /// order); the v2 CLI documents AWS_PROFILE. When both are set and differ, the other one too.</summary>
    internal static string? OtherProfile(IExecContext ctx, string? profileOpt, string profile) =>
        profileOpt == null && ctx.GetEnvironmentVariable("AWS_DEFAULT_PROFILE") is { Length: > 0 } dp && dp != profile ? dp : null;
}
