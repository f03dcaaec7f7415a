using AgentShell.Core.Model;
using AgentShell.Core.Profiles;

namespace AgentShell.Core.Tools;

/// <summary>Platform CLIs whose subcommand words decide the effect (<c>railway volume delete</c>,
/// <c>fly apps destroy</c>, <c>heroku pg:reset</c>): fly, heroku, gh, supabase, railway, doctl and
/// pulumi. Each is data, <c>Tools/NAME.json</c>: a profile with only a <c>Tools</c> section,
/// embedded in this assembly (nothing to install beside the binary) and read by the profile
/// reader the first time the tool is seen, so start-up does not pay for tools a run never uses.</summary>
public static class BuiltInTools
{
    /// <summary>Names of the built-in data tools (their intents' tool names).</summary>
    public static readonly IReadOnlyList<string> Names = ["fly", "heroku", "gh", "supabase", "railway", "doctl", "pulumi",
        "vercel", "netlify", "render", "neonctl", "pscale", "turso", "firebase", "wrangler", "cdk", "cdktf", "serverless", "sam",
        "copilot", "helmfile", "bq", "knex", "typeorm", "mikro-orm", "alembic", "flyway", "liquibase", "mix", "artisan", "django",
        "dotnet-ef", "diesel", "sqlx", "goose", "migrate", "dbmate", "atlas", "flask",
        "etcdctl", "vault", "consul", "nomad", "argocd", "flux", "sst", "rclone", "s5cmd", "mc", "s3cmd", "influx",
        "kafka-topics", "kafka-consumer-groups", "rabbitmqadmin", "rabbitmqctl", "nats", "mongorestore", "glab",
        "amplify", "mongoimport", "nodetool", "rpk", "kafka-delete-records", "hcloud", "linode-cli", "kafka-configs",
        "velero", "stripe", "cf", "restic", "borg", "crane", "skopeo", "regctl", "eb",
        "doppler", "op", "infisical", "databricks", "dbt", "bw", "bws", "pulsar-admin", "chamber",
        "auth0", "okta", "sentry-cli", "twilio", "scw", "vultr-cli", "kill", "userdel", "gopass", "akeyless", "pg_ctl", "pg_ctlcluster"];

    /// <summary>The table of a program name (<c>neon</c> → <c>neonctl</c>, <c>sls</c> →
    /// <c>serverless</c>, <c>./manage.py</c> → <c>django</c>); the name itself when it is a table.</summary>
    public static string TableOf(string program) => program switch
    {
        "neon" => "neonctl",
        "sls" => "serverless",
        "manage.py" or "django-admin" => "django",
        "typeorm-ts-node-commonjs" or "typeorm-ts-node-esm" => "typeorm",
        "kafka-topics.sh" => "kafka-topics",
        "kafka-consumer-groups.sh" => "kafka-consumer-groups",
        "kafka-delete-records.sh" => "kafka-delete-records",
        "kafka-configs.sh" => "kafka-configs",
        "linode" => "linode-cli",
        "cf7" or "cf8" => "cf",
        "borg2" => "borg",
        "pkill" or "killall" => "kill",
        "deluser" or "groupdel" or "delgroup" => "userdel",
        _ => program,
    };

    private static readonly Dictionary<string, Lazy<ProfileTool>> Tools = Names.ToDictionary(
        n => n, n => new Lazy<ProfileTool>(() => Load(n)), StringComparer.Ordinal);

    /// <summary>Classifies a call of built-in tool <paramref name="name"/>.</summary>
    public static CommandIntent Parse(string name, ToolCall c) => Tools[name].Value.Parse(c);

    /// <summary>True when built-in tool <paramref name="name"/> lists <c>-LETTER</c> as taking a value
    /// (a short-option cluster ends there: fly -C'ls -t' carries no -t).</summary>
    public static bool ShortTakesValue(string name, char letter) =>
        Tools.TryGetValue(name, out var t) && t.Value.ShortValued.Contains(letter);

    /// <summary>The compiled tool (tests, <c>profiles show</c>).</summary>
    public static ProfileTool Get(string name) => Tools[name].Value;

    /// <summary>The JSON text of a built-in tool, as embedded.</summary>
    public static byte[] Text(string name)
    {
        using var s = typeof(BuiltInTools).Assembly.GetManifestResourceStream($"tools/{name}.json")
            ?? throw new InvalidOperationException($"built-in tool table tools/{name}.json is missing from the assembly");
        using var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }

    // A table that does not read is a defect of this build (a test reads every one): fail loudly,
    // never classify with a partial table.
    private static ProfileTool Load(string name)
    {
        var errors = new List<ProfileError>();
        var doc = ProfileReader.Read($"tools/{name}.json", Text(name), 0, errors);
        if (doc == null || errors.Count > 0) throw new ProfileException(errors.Count > 0 ? errors : [new ProfileError($"tools/{name}.json", "", "unreadable")]);
        var def = doc.Tools.Single(t => t.Name == name);
        return new ProfileTool(def, name == "gh" ? GhApi.TryParse : name == "glab" ? GhApi.TryParseGlab : null, name == "bq" ? Bq.EffectOf : name is "wrangler" or "turso" or "heroku" ? SqlOf : name == "kafka-configs" ? KafkaConfigs.EffectOf : name == "rpk" ? KafkaConfigs.RpkEffectOf : name is "django" or "flask" ? PythonOrmCode.ShellEffectOf : name == "artisan" ? OrmCode.TinkerEffectOf : name == "mix" ? OrmCode.MixRunEffectOf : null,
            name is "gh" or "glab" ? (c, _, targets, evidence) => CodeHostClis.OnDefaultHost(name, c.Context, targets, evidence) : name == "eb" ? ElasticBeanstalk.Targets : name == "bq" ? Bq.Targets : name == "rpk" ? Rpk.Targets : null);
    }

    // The SQL of bq query 'SQL', wrangler d1 execute DB --command 'SQL' (or --file), turso db
    // shell DB 'SQL' and heroku pg:psql -c 'SQL' (or -f), read by the SQL scanner; null (the table's unknown) when it is not there.
    internal static Effect? SqlOf(ToolCall c, List<string> words, List<Evidence> evidence)
    {
        string? sql = null, from = null;
        if (words.Count >= 2 && words[0] == "query") { sql = words[1]; from = "query"; }
        else if (words.Count >= 2 && words[0] == "d1" && words[1] == "execute")
        {
            // --local runs the SQL on the copy in .wrangler/state, never on the named database;
            // with --remote as well (wrangler refuses the pair) the remote reading stands.
            if ((c.Args.Contains("--local") || c.Args.Contains("--local=true")) && !ToolHelp.HasFlag(c.Args, "--remote"))
            {
                evidence.Add(new("--local", "the local copy in .wrangler/state, not the named database"));
                return Effect.Read;
            }
            sql = ToolHelp.Option(c.Args, "--command");
            from = "--command";
            if (sql == null && ToolHelp.Option(c.Args, "--file") is string f) { sql = ToolHelp.ReadText(c.Context, f); from = f; if (sql == null) return null; }
        }
        else if (words.Count >= 4 && words[0] is "db" && words[1] == "shell") { sql = words[3]; from = "db shell"; }
        else if (words.Count >= 1 && words[0] == "pg:psql")
        {
            // heroku pg:psql -c 'SQL' | -f FILE: psql on the app's database.
            sql = ToolHelp.Option(c.Args, "-c", "--command");
            from = "--command";
            if (sql == null && ToolHelp.Option(c.Args, "-f", "--file") is string f) { sql = ToolHelp.ReadText(c.Context, f); from = f; if (sql == null) return null; }
        }
        if (sql == null) return null;
        var r = SqlScanner.Scan(sql, words[0] == "d1" || words[0] == "db" ? SqlDialect.Sqlite : SqlDialect.Postgres);
        evidence.Add(new(HttpBody.Short(sql), r));
        return r.Effect;
    }
}
