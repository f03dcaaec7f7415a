using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>gcloud <c>GROUP... COMMAND</c>: the first verb among the positional words decides
/// (<c>delete</c> → delete; <c>sql instances/databases delete</c> → drop; <c>projects delete</c>
/// → wipe; <c>stop</c> → terminate; <c>list</c>/<c>describe</c> → read; <c>ssh</c>/unknown →
/// unknown). Target: GCP project (<c>--project</c>, CLOUDSDK_CORE_PROJECT, the active configuration, else "default").
/// gsutil is read in Gsutil.cs.</summary>
public static class Gcloud
{
    /// <summary>gcloud's global flags (<c>gcloud --help</c>, Cloud SDK 528), read as gcloud reads
    /// them: exact names (no prefixes, checked), <c>--name=value</c> or the next word, anywhere on
    /// the line. Other flags belong to the command and may only follow it; one before the command's
    /// verb is an error (<c>gcloud --zone x compute instances list</c>), so the effect is unknown.
    /// <c>--flags-file</c> reads flags from a file: unknown.</summary>
    public static readonly OptionTable Options = new("gcloud", OptionRules.EqualsValue | OptionRules.Permute | OptionRules.DoubleDash | OptionRules.NoPrefix, """
           --account <account>
           --billing-project <project>
           --configuration <configuration>
           --flags-file <file>
           --flatten <keys>
           --format <format>
        -h --help
           --project <project>
        -q --quiet
           --verbosity <verbosity>
        -v --version
           --access-token-file <file>
           --impersonate-service-account <accounts>
           --log-http
           --trace-token <token>
           --user-output-enabled
        """);

    /// <summary>Parses gcloud's arguments.</summary>
    public static CommandIntent Parse(ToolCall c)
    {
        var evidence = new List<Evidence>();
        var pos = new List<string>();
        var early = new List<(int Before, OptionToken Token)>(); // command flags and the operand count when seen
        string? project = null, configuration = null;
        bool help = false, unknown = false;
        var reader = new OptionReader(Options, c.Args);
        while (reader.Next(out var t))
        {
            if (t.Kind == OptionTokenKind.Operand) { pos.Add(t.Value!); continue; }
            if (t.Kind != OptionTokenKind.Option) { early.Add((pos.Count, t)); continue; }
            switch (t.Name)
            {
                case "--project": project = t.Value; break;
                case "--configuration": configuration = t.Value; break;
                case "--flags-file": unknown = true; evidence.Add(new(t.Text, "flags from a file (unknown)")); break;
                case "--help": case "--version": help = true; break;
            }
        }
        if (help || (pos.Count > 0 && pos[0] == "help")) return ToolHelp.Help("gcloud", "--help");
        var target = ProjectTarget(project, configuration, c.Context, evidence);
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
                "access" when i > 0 && pos[i - 1] == "versions" => Effect.Read, // secrets versions access: prints the secret
                // storage rsync deletes what the source lacks only with this flag; --dry-run copies nothing.
                "rsync" when i > 0 && pos[i - 1] == "storage" => c.Args.Contains("--dry-run") ? Effect.Read
                    : c.Args.Contains("--delete-unmatched-destination-objects") ? Effect.Delete : Effect.Write,
                "seek" when i > 0 && pos[i - 1] == "subscriptions" => Effect.Unknown, // read below (SeekEffect)
                "get-credentials" or "get-iam-policy" or "get-value" or "print-access-token" or "print-identity-token" => Effect.Read,
                "ssh-keys" or "operations" or "instances" or "databases" or "clusters" or "projects" or "sql" or "compute" or "container" or "storage" or "iam" or "run" or "functions" or "auth" or "services" => (Effect?)null,
                _ => i > 0 || pos[i] is "info" or "version" ? CliVerbs.Of(pos[i]) : null,
            };
            if (e == null) continue;
            effect = e.Value;
            verbAt = i;
        }
        // A flag of the command placed before its verb is an error; its value may be a command word.
        foreach (var (before, t) in early)
        {
            if (verbAt >= 0 && before > verbAt) continue;
            OptionProblems.Note(t, evidence);
            unknown = true;
        }
        string summary = string.Join(' ', verbAt >= 0 ? pos.Take(verbAt + 2) : pos.Take(3));
        if (verbAt >= 0 && pos[verbAt] == "delete")
        {
            var path = string.Join(' ', pos.Take(verbAt).Where(w => w is not ("alpha" or "beta")));
            if (path.EndsWith("projects", StringComparison.Ordinal)) effect = Effect.Wipe;
            else if (path is "sql instances" or "sql databases" or "spanner instances" or "spanner databases" or "bigtable instances" or "firestore databases" or "alloydb clusters" or "redis instances")
                effect = Effect.Drop;
        }
        // sql instances patch --activation-policy=NEVER stops the instance.
        if (verbAt >= 0 && pos[verbAt] == "patch" && ToolHelp.Option(c.Args, "--activation-policy") is string policy && policy.Equals("NEVER", StringComparison.OrdinalIgnoreCase))
        {
            effect = Effect.Terminate;
            evidence.Add(new("--activation-policy " + policy, "stops the instance (terminate)"));
        }
        // spanner databases execute-sql --sql: what the statement does (its DML and DDL), not unknown.
        if (verbAt >= 0 && pos[verbAt] == "execute-sql" && ToolHelp.Option(c.Args, "--sql") is string sql)
        {
            var r = SqlScanner.Scan(sql, SqlDialect.Postgres, SqlScanOptions.ServerText);
            effect = r.Effect;
            evidence.Add(new(HttpBody.Short(sql), r));
        }
        // pubsub subscriptions seek: to a snapshot or a past time it replays (a write); to a time after now it
        // marks every message published before then acknowledged, the backlog lost (truncate).
        if (verbAt >= 1 && pos[verbAt] == "seek" && pos[verbAt - 1] == "subscriptions") effect = SeekEffect(ToolHelp.Option(c.Args, "--time"), ToolHelp.Option(c.Args, "--snapshot") != null, evidence);
        evidence.Add(Evidence.Arrow(summary, effect));
        if (effect is Effect.Write or Effect.Unknown) effect = SafeguardFlags.Apply("gcloud", c.Args, effect, evidence, c.Context);
        if (effect is Effect.Write && verbAt >= 0)
            effect = AccessGrants.Apply("gcloud", string.Join(' ', pos.Take(verbAt + 1).Where(w => w is not ("alpha" or "beta"))), effect, evidence);
        if (unknown) effect = ToolHelp.Max(effect, Effect.Unknown);
        // gcloud projects delete|undelete|update PROJECT_ID acts on the project it names, whatever --project says.
        if (verbAt >= 1 && pos[verbAt - 1] == "projects" && verbAt + 1 < pos.Count && pos[verbAt] is not ("list" or "create"))
        {
            var named = new Target { Kind = TargetKind.GcpProject, Name = pos[verbAt + 1] };
            evidence.Add(Evidence.Joined(pos[verbAt + 1], "gcp project ", named.Name));
            // The unknown default project is not where it acts; an explicit one is kept (caution, not need).
            return ToolHelp.Intent("gcloud", effect, summary, NamedEnvironments(target.Name == "default" ? [named] : [target, named], pos, evidence), evidence);
        }
        // An Artifact Registry or Container Registry image (us-docker.pkg.dev/PROJECT/REPO/IMAGE, gcr.io/PROJECT/IMAGE)
        // names its project, as projects VERB PROJECT does: it replaces the unknown default, an explicit one is kept.
        if (IsRegistryCommand(pos) && RegistryProject(pos) is string owner)
        {
            var named = new Target { Kind = TargetKind.GcpProject, Name = owner };
            evidence.Add(Evidence.Joined(owner, "gcp project ", named.Name));
            return ToolHelp.Intent("gcloud", effect, summary, NamedEnvironments(target.Name == "default" ? [named] : [target, named], pos, evidence), evidence);
        }
        return ToolHelp.Intent("gcloud", effect, summary, NamedEnvironments([target], pos, evidence), evidence);
    }

    // PERF: image paths are operands of the registry groups only (artifacts …, container images …).
    private static bool IsRegistryCommand(List<string> pos)
    {
        int k = pos.Count > 0 && pos[0] is "alpha" or "beta" ? 1 : 0;
        return pos.Count > k + 1 && (pos[k] == "artifacts" || pos[k] == "container" && pos[k + 1] == "images");
    }

    private static string? RegistryProject(List<string> pos)
    {
        foreach (var w in pos)
        {
            int slash = w.IndexOf('/');
            if (slash <= 0) continue;
            var host = w.AsSpan(0, slash);
            if (!host.EndsWith("-docker.pkg.dev") && !host.SequenceEqual("gcr.io") && !host.EndsWith(".gcr.io")) continue; // not evilgcr.io
            int end = w.IndexOf('/', slash + 1);
            var project = end < 0 ? w[(slash + 1)..] : w[(slash + 1)..end];
            if (project.Length > 0) return project;
        }
        return null;
    }

    /// <summary>Beside the project targets (never instead), an environment target for each
    /// environment word in a project id (<c>acme-prod-291</c>: ids carry a suffix the profile's globs
    /// do not expect) and in the buckets the words name (<c>gs://shop-prod-uploads</c>): one project
    /// or account often holds every stage.</summary>
    internal static List<Target> NamedEnvironments(List<Target> targets, List<string> words, List<Evidence> evidence)
    {
        int projects = targets.Count;
        for (int i = 0; i < projects; i++)
            if (targets[i].Name is string project and not "default") Add(project);
        foreach (var w in words)
            if (w.StartsWith("gs://", StringComparison.Ordinal)) Add(w[5..].Split('/', 2)[0]);
        return targets;

        void Add(string name)
        {
            foreach (var word in ProfileToolTarget.EnvironmentWords(name))
            {
                targets.Add(new Target { Kind = TargetKind.Environment, Name = word });
                evidence.Add(new(name, $"{name} names {word}"));
            }
        }
    }

    internal static Target ProjectTarget(string? opt, string? configuration, IExecContext ctx, List<Evidence> evidence)
    {
        // Not GOOGLE_CLOUD_PROJECT: gcloud does not read it (the client libraries do), and taken as
        // the target it hid the active configuration's project.
        var name = opt ?? ctx.GetEnvironmentVariable("CLOUDSDK_CORE_PROJECT");
        if (name == null)
        {
            // The active configuration's project, as gcloud reads it; a file it cannot read leaves the project unknown.
            name = Config.CloudConfig.GcloudProject(ctx, configuration, evidence, out bool unaccountable);
            if (unaccountable) return new Target { Kind = TargetKind.GcpProject, Name = null };
            if (name != null) return new Target { Kind = TargetKind.GcpProject, Name = name };
            name = "default";
        }
        evidence.Add(Evidence.Joined(opt != null ? $"--project {opt}" : "CLOUDSDK_CORE_PROJECT", "gcp project ", name));
        return new Target { Kind = TargetKind.GcpProject, Name = name };
    }

    // gcloud datetimes: RFC 3339 (2030-01-01T00:00:00Z) or a duration from now (+P1D, -PT2H).
    private static Effect SeekEffect(string? time, bool snapshot, List<Evidence> evidence)
    {
        if (time == null) { evidence.Add(new("seek", snapshot ? "to a snapshot: replays (write)" : "no --time read (unknown)")); return snapshot ? Effect.Write : Effect.Unknown; }
        bool? future = time.StartsWith('+') ? true : time.StartsWith('-') ? false
            : DateTimeOffset.TryParse(time, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at) ? at > DateTimeOffset.UtcNow : null;
        evidence.Add(new("--time " + time, future switch
        {
            true => "a time after now: every message before it is acknowledged (truncate)",
            false => "a past time: messages since then are delivered again (write)",
            null => "a time that cannot be read (unknown)",
        }));
        return future switch { true => Effect.Truncate, false => Effect.Write, null => Effect.Unknown };
    }
}
